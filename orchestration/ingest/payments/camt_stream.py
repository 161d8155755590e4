"""Streaming a camt document without building a tree: a parser target that gathers each entry's
elements by local-name path, so a statement of a million entries never sits in memory."""

from __future__ import annotations

from typing import Protocol


class _Node:
    """One element inside an entry: its text and attributes (no tree is built)."""

    __slots__ = ("attrib", "text")

    def __init__(self, attrib: dict):
        self.attrib, self.text = attrib, None

    def get(self, key: str) -> str | None:
        return self.attrib.get(key)


class Flat:
    """An entry's (or transaction's) elements by local-name path (`Refs/AcctSvcrRef`): one
    lookup per field instead of a namespaced tree search, for a million entries."""

    __slots__ = ("found", "transactions")

    def __init__(self):
        self.found: dict[str, list[_Node]] = {}
        self.transactions: list[Flat] = []

    def elem(self, path: str) -> _Node | None:
        found = self.found.get(path)
        return found[0] if found else None

    def text(self, path: str) -> str | None:
        found = self.found.get(path)
        value = found[0].text if found else None
        return (value.strip() or None) if value else None

    def first(self, *paths: str) -> str | None:
        for path in paths:
            value = self.text(path)
            if value:
                return value
        return None

    def all_text(self, path: str) -> list[str]:
        return [e.text.strip() for e in self.found.get(path, ()) if e.text and e.text.strip()]


class StatementReader(Protocol):
    """What the collector hands each piece to (`camt._Reader`)."""

    container: str
    """Local name of the statement element: `Stmt` (camt.053) or `Ntfctn` (camt.054)."""

    def root(self, tag: str) -> None: ...
    def statement(self) -> None: ...
    def account_found(self, flat: Flat) -> None: ...
    def created(self, text: str) -> None: ...
    def entry(self, flat: Flat) -> None: ...


class Collector:
    """Parser target: keeps only what a statement's entries, account and creation time say.

    Entries and the account are children of a statement (notification), at depth 4:
    Document / BkToCstmrStmt / Stmt / Ntry; the creation time is GrpHdr / CreDtTm.
    """

    def __init__(self, reader: StatementReader):
        self.reader = reader
        self.depth = 0
        self.parent = ""
        self.capturing: str | None = None
        self.flats: list[Flat] = []
        self.prefixes: list[str] = []
        self.nodes: list[_Node | None] = []
        self.buffer: list[str] = []

    def start(self, tag: str, attrib: dict) -> None:
        self.depth += 1
        name = tag.rpartition("}")[2]
        if self.depth == 1:
            self.reader.root(tag)
        elif self.depth == 3:
            self.parent = name
            if name == self.reader.container:
                self.reader.statement()
        elif self.capturing is None:
            if self.depth == 4 and (name in ("Ntry", "Acct") and self.parent == self.reader.container
                                    or name == "CreDtTm" and self.parent == "GrpHdr"):
                self.capturing = name
                self.flats, self.prefixes, self.nodes, self.buffer = [Flat()], [""], [None], []
        elif name == "TxDtls" and len(self.flats) == 1:
            tx = Flat()
            self.flats[0].transactions.append(tx)
            self.flats.append(tx)
            self.prefixes.append("")
            self.nodes.append(None)
        else:
            path = self.prefixes[-1] + name
            node = _Node(attrib)
            self.flats[-1].found.setdefault(path, []).append(node)
            self.prefixes.append(path + "/")
            self.nodes.append(node)
            self.buffer = []

    def data(self, text: str) -> None:
        if self.capturing is not None:
            self.buffer.append(text)

    def end(self, tag: str) -> None:
        depth, self.depth = self.depth, self.depth - 1
        if self.capturing is None:
            return
        if depth == 4:
            captured, self.capturing = self.capturing, None
            if captured == "Ntry":
                self.reader.entry(self.flats[0])
            elif captured == "Acct":
                self.reader.account_found(self.flats[0])
            else:
                self.reader.created("".join(self.buffer))
            return
        self.prefixes.pop()
        node = self.nodes.pop()
        if node is None:
            self.flats.pop()
        else:
            node.text = "".join(self.buffer) if self.buffer else None
            self.buffer = []
