"""Reading a text payment file whole: UTF-8 (or UTF-16/32), else the configured legacy encoding."""

from __future__ import annotations

from orchestration.ingest.landing import FileRejected, LandingFile


def read_text(file: LandingFile, fallback_encoding: str) -> tuple[str, str]:
    """The file's text and the encoding it was read with; reject it if neither fits."""
    data = file.path.read_bytes()
    if not data.strip():
        raise FileRejected(f"{file.name}: the file is empty ({len(data)} bytes)")
    if file.encoding is not None:  # validated whole by `fingerprint`
        codec = "utf-8-sig" if file.encoding == "utf-8" else file.encoding
        return data.decode(codec), file.encoding
    try:
        return data.decode(fallback_encoding), fallback_encoding
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileRejected(
            f"{file.name}: line {line} is neither UTF-8 nor {fallback_encoding} "
            f"(byte 0x{data[exc.start]:02x}); ask the bank for a UTF-8 file",
            row_number=line,
        ) from None
