"""Load on the director portal: uvicorn on loopback, driven from this (second) process.

50 concurrent clients, each signed in as its own director over a keep-alive connection, send a
bounded number of requests: first the jobs page, then update submissions. Reports req/s and
p50/p99 per phase and checks that every submission was stored exactly once; `--while-refreshing`
measures the same while refreshes run on the same two cores. Not a timed test.
Run: `python -m tests.benchmarks.portal_bench` (see --help).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import psutil

from portal.links import LinkSigner
from portal.store import connect, director_jobs, director_updates
from portal.store.director_jobs import DirectorJob
from tests.benchmarks.refreshing import Refreshing

SECRET = "portal-bench-secret-key-0123456789abcdefghijklmnop"
STATUSES = ["Will pay", "Disputed", "Blocked", "Already paid"]
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class Phase:
    """Latencies of one phase, in seconds, and its wall time."""

    name: str
    latencies: list[float]
    seconds: float
    server_cpu_seconds: float

    def summary(self) -> dict[str, float | int | str]:
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return {
            "phase": self.name,
            "requests": len(ordered),
            "seconds": round(self.seconds, 2),
            "req_per_s": round(len(ordered) / self.seconds),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
            # CPU the portal process spent per request: what it costs apart from contention
            "server_cpu_ms_per_req": round(self.server_cpu_seconds / len(ordered) * 1000, 3),
        }


def publish(db_url: str, directors: int, jobs_per_director: int) -> list[str]:
    """Publish `directors` x `jobs_per_director` jobs; returns the director emails."""
    store = connect(db_url)
    emails = [f"director{d:04d}@example.com" for d in range(directors)]
    director_jobs.publish(
        store,
        (
            DirectorJob(
                director_email=email,
                director_name=f"Director {d}",
                invoice_key=f"office-{d % 7}|{d:04d}{j:03d}",
                invoice_number=f"INV-{d:04d}{j:03d}",
                office=f"Office {d % 7}",
                account_name=f"Customer {j} of {d}",
                project=f"Project {d}-{j}",
                currency="USD",
                amount=Decimal("12345.67"),
                balance=Decimal("2345.67"),
                due_date=dt.date(2026, 9, 1),
                days_past_due=83 - j,
                aging_bucket="61-90",
                stage="Follow Up",
                collector="Chris",
                question="Is the client waiting on anything from us?",
                last_answer=None,
                last_answer_at=None,
            )
            for d, email in enumerate(emails)
            for j in range(jobs_per_director)
        ),
        STATUSES,
    )
    store.close()
    return emails


def start_portal(home: Path, port: int) -> subprocess.Popen:
    """`ledgerloop portal` in its own process; returns once /healthz answers."""
    env = {
        **os.environ,
        "LEDGERLOOP_HOME": str(home),
        "LEDGERLOOP_SECRET_KEY": SECRET,
        "LEDGERLOOP_PORTAL_DB_URL": "",
        "LEDGERLOOP_PORTAL_URL": f"http://127.0.0.1:{port}",
    }
    code = "from orchestration.cli.portal import portal_command; portal_command()"
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"portal exited: {process.stderr.read()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("portal did not answer /healthz within 30 s")


async def sign_in(client: httpx.AsyncClient, token: str) -> dict[str, str]:
    """Open the link, load the jobs page, and return the first form's hidden fields."""
    opened = await client.get(f"/d/{token}")
    if opened.status_code != 200:
        raise SystemExit(f"link refused: {opened.status_code}")
    page = await client.get("/jobs")
    if page.status_code != 200:
        raise SystemExit(f"jobs page: {page.status_code}")
    return dict(_HIDDEN.findall(page.text.split("</form>", 1)[0]))


async def run_phase(
    name: str,
    clients: list[httpx.AsyncClient],
    forms: list[dict[str, str]],
    total: int,
    submit: bool,
    server: psutil.Process,
) -> Phase:
    """`total` requests shared by the clients, each client one request at a time."""
    remaining = [total]
    latencies: list[float] = []

    async def worker(client: httpx.AsyncClient, form: dict[str, str]) -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            started = time.perf_counter()
            if submit:
                data = {**form, "submission_id": uuid.uuid4().hex, "status": "Will pay", "note": "bench"}
                response = await client.post("/updates", data=data)
                expected = 303
            else:
                response = await client.get("/jobs")
                expected = 200
            latencies.append(time.perf_counter() - started)
            if response.status_code != expected:
                raise SystemExit(f"{name}: HTTP {response.status_code}: {response.text[:300]}")

    cpu_before = sum(server.cpu_times()[:2])
    started = time.perf_counter()
    await asyncio.gather(*(worker(c, f) for c, f in zip(clients, forms, strict=True)))
    seconds = time.perf_counter() - started
    return Phase(name, latencies, seconds, sum(server.cpu_times()[:2]) - cpu_before)


async def drive(
    base_url: str, tokens: list[str], requests: int, submits: int, server: psutil.Process
) -> list[Phase]:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=base_url, limits=limits, follow_redirects=False, timeout=30)
        for _ in tokens
    ]
    try:
        forms = await asyncio.gather(*(sign_in(c, t) for c, t in zip(clients, tokens, strict=True)))
        await run_phase("warm-up", clients, forms, len(clients) * 4, submit=False, server=server)
        return [
            await run_phase("jobs page", clients, forms, requests, submit=False, server=server),
            await run_phase("submit", clients, forms, submits, submit=True, server=server),
        ]
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def wrk_jobs_page(base_url: str, token: str, clients: int, seconds: int) -> dict[str, object]:
    """Cross-check with Debian's `wrk` (C, so the load generator takes little of the 2 cores)."""
    with httpx.Client(base_url=base_url) as client:
        client.get(f"/d/{token}")
        client.get("/jobs")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, f"{base_url}/jobs"], capture_output=True, text=True, check=True).stdout
    found = {
        "req_per_s": re.search(r"Requests/sec:\s+([\d.]+)", output),
        "p50": re.search(r"^\s+50%\s+(\S+)", output, flags=re.M),
        "p99": re.search(r"^\s+99%\s+(\S+)", output, flags=re.M),
        "requests": re.search(r"(\d+) requests in", output),
        "non_2xx": re.search(r"Non-2xx or 3xx responses: (\d+)", output),
    }
    if not all(found[k] for k in ("req_per_s", "p50", "p99", "requests")):
        raise SystemExit(f"could not read wrk output:\n{output}")
    return {
        "phase": "jobs page (wrk)",
        "requests": int(found["requests"].group(1)),
        "seconds": seconds,
        "req_per_s": round(float(found["req_per_s"].group(1))),
        "p50": found["p50"].group(1),
        "p99": found["p99"].group(1),
        "non_2xx": int(found["non_2xx"].group(1)) if found["non_2xx"] else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--requests", type=int, default=10_000, help="jobs-page requests (default 10000)")
    parser.add_argument("--submits", type=int, default=2_000, help="update submissions (default 2000)")
    parser.add_argument("--directors", type=int, default=500, help="directors in the store (default 500)")
    parser.add_argument("--jobs-per-director", type=int, default=5, help="jobs each (default 5)")
    parser.add_argument(
        "--wrk-seconds",
        type=int,
        default=0,
        help="also drive the jobs page with wrk for N seconds (needs wrk)",
    )
    parser.add_argument(
        "--while-refreshing",
        action="store_true",
        help="measure while `ledgerloop run` refreshes a 5,000-invoice demo back to back",
    )
    args = parser.parse_args()

    background = Refreshing() if args.while_refreshing else nullcontext()
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp, background as refreshing:
        home = Path(tmp)
        db_url = f"sqlite:///{home / 'portal.sqlite3'}"
        emails = publish(db_url, args.directors, args.jobs_per_director)
        signer = LinkSigner(SECRET, 3600)
        tokens = [signer.mint(emails[i % len(emails)], 1) for i in range(args.clients)]
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = start_portal(home, port)
        try:
            phases = asyncio.run(
                drive(
                    f"http://127.0.0.1:{port}",
                    tokens,
                    args.requests,
                    args.submits,
                    psutil.Process(server.pid),
                )
            )
            results = [p.summary() for p in phases]
            if args.wrk_seconds and shutil.which("wrk") is None:
                print(
                    "wrk is not installed (apt-get install -y wrk): skipping the wrk cross-check",
                    file=sys.stderr,
                )
            elif args.wrk_seconds:
                results.append(
                    wrk_jobs_page(f"http://127.0.0.1:{port}", tokens[0], args.clients, args.wrk_seconds)
                )
        finally:
            server.terminate()
            server.wait(timeout=10)
        store = connect(db_url)
        stored = len(director_updates.after(store, 0, args.submits * 2 + 1))
        store.close()
    if refreshing is not None:
        results = [{**result, "while": "refreshing"} for result in results]
        results.append({"refreshes_meanwhile": len(refreshing.seconds),
                        "refresh_seconds": [round(s, 1) for s in refreshing.seconds]})
    for result in results:
        print(json.dumps(result))
    print(
        json.dumps(
            {
                "submissions_sent": args.submits,
                "updates_stored": stored,
                "clients": args.clients,
                "cpus": os.cpu_count(),
            }
        )
    )
    if any(r.get("non_2xx") for r in results):
        raise SystemExit("wrk saw error responses")
    if stored != args.submits:
        raise SystemExit(f"{args.submits} submissions but {stored} updates stored")


if __name__ == "__main__":
    main()
