"""Requests per second and latency of the desk on its production server, beside a bare Django view.

`bench throughput` starts `clientdesk serve` (gunicorn, the workers it computes) on a free loopback
port against the configured database, with the production configuration: DEBUG off, HTTPS on,
behind a TLS proxy (the benchmark sends `X-Forwarded-Proto: https` and `X-Forwarded-For` as the
proxy would), static files collected into a temporary directory. Several signed-in staff sessions
(one per concurrent client, Admin role) then request each page for a fixed time from threads, each
with its own `http.client` connection. The bare view (`bench/urls.py`) goes through the same
middleware, session and user lookup but renders nothing, so page ÷ bare is what the page itself
costs. The load generator runs on the same machine and takes part of its CPU.
"""

import http.client
import math
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.test import Client as TestClient

from bench.measure import sample_clients, staff_admin, update_json
from clientdesk.clients.models import Client, ContactType
from clientdesk.core.management.commands.serve import cpu_count, resolve_options

PROJECT_DIR = Path(__file__).resolve().parent.parent  # bench/ is not installed: the server needs it on its path
BARE_PATH = "/bench/bare/"
PAGES = ("bare view", "client list", "client profile", "search")
CONCURRENCY = 8
PRIMARY = ContactType.PRIMARY.value
READY_SECONDS = 60
# Not passed on to the server: it binds the port given, computes its workers (or takes --workers), trusts loopback.
NOT_INHERITED = ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS")


@dataclass
class PageRun:
    """What the concurrent clients saw on one page during the measured seconds."""

    samples_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    generator_cpu_seconds: float = 0.0  # CPU this process (the clients) used meanwhile

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies (ms)."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else 0.0

    @property
    def rps(self) -> float:
        return len(self.samples_ms) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.samples_ms),
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "mean_ms": round(sum(self.samples_ms) / len(self.samples_ms), 2) if self.samples_ms else 0.0,
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(max(self.samples_ms, default=0.0), 2),
            "load_generator_cores": round(self.generator_cpu_seconds / self.seconds, 2) if self.seconds else 0.0,
            # 0 counts requests that got no HTTP answer (connection refused or reset, timeout).
            "status_codes": {str(code): count for code, count in sorted(self.statuses.items())},
        }


def database_url() -> str:
    """DATABASE_URL naming the database this process uses (the test database under pytest), for the server."""
    parts = urlsplit(settings.DATABASE_URL)
    name = str(connection.settings_dict["NAME"])
    if parts.scheme.startswith("sqlite") and (name == ":memory:" or name.startswith("file:")):
        raise RuntimeError("An in-memory SQLite database cannot be shared with the server: use a file or PostgreSQL.")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{quote(name, safe='/')}{query}"  # urlunsplit drops sqlite's "////"


def server_env(var_dir: Path) -> dict[str, str]:
    """The server's environment: the production configuration, on this database, with this process's key."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env |= {
        "DJANGO_SETTINGS_MODULE": "bench.settings",  # the desk plus the bare view
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")])),
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here are signed with it
        "CLIENTDESK_VAR_DIR": str(var_dir),  # collected static files; nothing else is kept there
        "CLIENTDESK_STATIC_MANIFEST": "1",
        "DEBUG": "0",
        "CLIENTDESK_HTTPS": "1",
        "CLIENTDESK_BEHIND_TLS_PROXY": "1",
        "CLIENTDESK_PROXY_COUNT": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    return env


def free_port() -> int:
    """A TCP port nothing listens on at the moment, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed_in_cookies(count: int) -> list[str]:
    """Session cookies of the benchmark's Admin, one per concurrent client (saved in the database the server reads)."""
    user = staff_admin()
    cookies = []
    for _ in range(count):
        browser = TestClient()
        browser.force_login(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}")
    return cookies


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    """One GET, its body read to the end; 0 when no HTTP answer came."""
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        conn.close()  # reopened by the next request
        return 0
    return response.status


def _headers(cookie: str) -> dict[str, str]:
    """What the TLS proxy in front would pass on."""
    return {"Cookie": cookie, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def drive(port: int, paths: list[str], cookies: list[str], seconds: float) -> PageRun:
    """len(cookies) clients, each in a thread with its own connection, requesting `paths` in turn for `seconds`."""
    run = PageRun()
    lock = threading.Lock()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    deadline = started + seconds
    finished: list[float] = []

    def client(number: int, cookie: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = _headers(cookie)
        samples: list[float] = []
        statuses: Counter[int] = Counter()
        turn = number * 7  # clients start at different rows
        while time.perf_counter() < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            before = time.perf_counter()
            status = _get(conn, path, headers)
            samples.append((time.perf_counter() - before) * 1000)
            statuses[status] += 1
        conn.close()
        with lock:
            run.samples_ms += samples
            run.statuses.update(statuses)
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=client, args=(n, cookie)) for n, cookie in enumerate(cookies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = max(finished, default=deadline) - started
    run.generator_cpu_seconds = _cpu_seconds() - cpu_before
    return run


def _cpu_seconds() -> float:
    """User and system CPU time of this process, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def page_plans(seed: int) -> dict[str, list[str]]:
    """The paths requested for each page: profiles and searches vary across sampled clients."""
    clients = sample_clients(random.Random(seed), 200)
    if not clients:
        raise RuntimeError("No clients to request: run `bench seed --clients N` first (see bench/README.md).")
    surnames = [c.last_name for client in clients for c in client.contacts.all() if c.contact_type == PRIMARY]
    return {
        "bare view": [BARE_PATH],
        "client list": ["/clients/"],
        "client profile": [client.get_absolute_url() for client in clients],
        "search": ["/search/?" + urlencode({"q": surname}) for surname in surnames],
    }


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@contextmanager
def production_server(workers: int | None, cookie: str, say: Callable[[str], None]) -> Iterator[tuple[int, str]]:
    """`clientdesk serve` on a free loopback port, ready for requests: (port, its log so far); stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="clientdesk-throughput-") as tmp:
        env = server_env(Path(tmp) / "var")
        command = [sys.executable, "-m", "clientdesk"]
        collected = subprocess.run(  # noqa: S603 -- our own interpreter and command
            [*command, "collectstatic", "--no-input", "-v", "0"], env=env, capture_output=True, text=True, check=False
        )
        if collected.returncode:
            raise RuntimeError(f"collectstatic failed:\n{collected.stderr}")
        port = free_port()
        log = Path(tmp) / "serve.log"
        serve = [*command, "serve", "--bind", f"127.0.0.1:{port}"]
        if workers:
            serve += ["--workers", str(workers)]
        with log.open("wb") as output:
            server = subprocess.Popen(serve, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
        try:
            _wait_until_ready(server, port, cookie, log)
            say(next((line for line in _tail(log).splitlines() if line.startswith("Serving")), "Serving."))
            yield port, str(log)
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_ready(server: subprocess.Popen[bytes], port: int, cookie: str, log: Path) -> None:
    """Until the bare view answers 200 to a signed-in request; a clear error with the server's log otherwise."""
    deadline = time.monotonic() + READY_SECONDS
    status = 0
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`clientdesk serve` exited with {server.returncode}:\n{_tail(log)}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status = _get(conn, BARE_PATH, _headers(cookie))
        conn.close()
        if status == 200:
            return
        if status:
            raise RuntimeError(f"The bare view answered {status}, not 200, to a signed-in request:\n{_tail(log)}")
        time.sleep(0.1)
    raise RuntimeError(f"`clientdesk serve` did not answer within {READY_SECONDS} s:\n{_tail(log)}")


def run(
    *,
    seconds: float = 10.0,
    warmup: float = 2.0,
    concurrency: int = CONCURRENCY,
    workers: int | None = None,
    json_path: str | None = None,
    seed: int = 1500,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure every page on the production server and print a table; the figures are returned (and written)."""
    plans = page_plans(seed)
    cookies = signed_in_cookies(max(1, concurrency))
    total_clients = Client.objects.count()
    # What `clientdesk serve` will compute (the same function), to report it.
    serve_workers = resolve_options(env={}, cpus=cpu_count(), behind_proxy=True, workers=workers).workers
    say(
        f"Throughput on {connection.vendor} with {total_clients:,} clients: gunicorn with {serve_workers} workers, "
        f"{len(cookies)} concurrent clients, {seconds:g} s per page…"
    )
    load_before = os.getloadavg()
    runs: dict[str, PageRun] = {}
    with production_server(workers, cookies[0], say) as (port, _):
        if warmup > 0:  # every worker: its database connection, templates, caches
            drive(port, [path for plan in plans.values() for path in plan[:20]], cookies, warmup)
        for page in PAGES:
            runs[page] = drive(port, plans[page], cookies, seconds)
    load_after = os.getloadavg()

    bare = runs["bare view"]
    pages: dict[str, Any] = {}
    for page, page_run in runs.items():
        pages[page] = {
            **page_run.summary(),
            "rps_vs_bare": round(page_run.rps / bare.rps, 3) if bare.rps else None,
            "p95_vs_bare": round(page_run.percentile(95) / bare.percentile(95), 1) if bare.samples_ms else None,
            "example": plans[page][0],
        }
    report = {
        "database": connection.vendor,
        "clients": total_clients,
        "cpus": os.cpu_count(),
        "workers": serve_workers,
        "concurrency": len(cookies),
        "seconds_per_page": seconds,
        "warmup_seconds": warmup,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "pages": pages,
    }
    for line in table(report):
        say(line)
    if json_path:
        update_json(json_path, {"throughput": report})
        say(f"Wrote {json_path}")
    return report


def table(report: dict[str, Any]) -> list[str]:
    """The report as a plain-text table."""
    lines = [
        "",
        f"{'page':<16}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'HTTP':>9}"
        f"{'req/s ÷ bare':>14}{'p95 ÷ bare':>12}",
    ]
    for page, row in report["pages"].items():
        statuses = "/".join(row["status_codes"])  # 0: no HTTP answer
        rps_ratio = "" if row["rps_vs_bare"] is None else f"{row['rps_vs_bare']:.2f}"
        p95_ratio = "" if row["p95_vs_bare"] is None else f"{row['p95_vs_bare']:.1f}"
        lines.append(
            f"{page:<16}{row['rps']:9.1f}{row['p50_ms']:9.1f}{row['p95_ms']:9.1f}{row['p99_ms']:9.1f}"
            f"{statuses:>9}{rps_ratio:>14}{p95_ratio:>12}"
        )
    before = " ".join(f"{x:.2f}" for x in report["load_average_before"])
    after = " ".join(f"{x:.2f}" for x in report["load_average_after"])
    generator = max((row["load_generator_cores"] for row in report["pages"].values()), default=0.0)
    lines += [
        "",
        f"{report['cpus']} CPUs, {report['workers']} gunicorn workers, {report['concurrency']} concurrent clients; "
        f"load average {before} before, {after} after.",
        f"The load generator (this process, on the same CPUs) used at most {generator:.2f} cores.",
    ]
    return lines
