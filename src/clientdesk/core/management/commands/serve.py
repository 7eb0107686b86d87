"""`clientdesk serve`: the desk in production, on gunicorn (a pre-forking WSGI server), behind a TLS proxy.

It checks what a production start needs (DEBUG off, static files collected, Django's deployment
checks), works out the gunicorn command line from the machine and the environment, and replaces
itself with gunicorn (exec), so a supervisor such as systemd signals gunicorn directly.
"""

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

APP = "clientdesk.wsgi:application"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Gunicorn's advice is twice the cores plus one worker, and that 4-12 handle thousands of requests a second.
# Each worker keeps its own PostgreSQL connection, so the default stops at 12 (max_connections is 100).
MAX_DEFAULT_WORKERS = 12
TIMEOUT = 30  # seconds a worker may stay silent before gunicorn replaces it; also the graceful-stop time
LOOPBACK = "127.0.0.1,::1"  # the proxy is on this machine unless FORWARDED_ALLOW_IPS says otherwise
COLLECTSTATIC = "CLIENTDESK_STATIC_MANIFEST=1 clientdesk collectstatic --no-input"


@dataclass(frozen=True)
class ServeOptions:
    """What gunicorn is started with."""

    bind: str
    workers: int
    timeout: int
    # Peers whose X-Forwarded-Proto gunicorn believes; "" believes no one (no proxy in front).
    forwarded_allow_ips: str
    pythonpath: str | None = None


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask, which containers narrow), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(cpus: int) -> int:
    """Twice the CPUs plus one worker processes, at most MAX_DEFAULT_WORKERS."""
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


def _positive_int(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise CommandError(f"{name} must be a whole number above 0, not {value!r}.")
    return number


def resolve_options(
    *,
    env: Mapping[str, str],
    cpus: int,
    behind_proxy: bool,
    bind: str | None = None,
    workers: int | None = None,
    timeout: int = TIMEOUT,
    forwarded_allow_ips: str | None = None,
    pythonpath: str | None = None,
) -> ServeOptions:
    """Options from the command line, else from PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS, else defaults."""
    if bind is None:
        port = _positive_int(env["PORT"], "PORT") if env.get("PORT") else DEFAULT_PORT
        bind = f"{DEFAULT_HOST}:{port}"
    if workers is None:
        concurrency = env.get("WEB_CONCURRENCY")
        workers = _positive_int(concurrency, "WEB_CONCURRENCY") if concurrency else default_workers(cpus)
    elif workers < 1:
        raise CommandError(f"--workers must be above 0, not {workers}.")
    trusted = (forwarded_allow_ips or env.get("FORWARDED_ALLOW_IPS") or LOOPBACK) if behind_proxy else ""
    return ServeOptions(bind=bind, workers=workers, timeout=timeout, forwarded_allow_ips=trusted, pythonpath=pythonpath)


def gunicorn_argv(options: ServeOptions, python: str = sys.executable) -> list[str]:
    """The gunicorn command line, run by this interpreter (so the virtualenv's gunicorn, whatever PATH says)."""
    argv = [
        python,
        "-m",
        "gunicorn",
        "--bind",
        options.bind,
        "--workers",
        str(options.workers),
        "--timeout",
        str(options.timeout),
        "--graceful-timeout",
        str(options.timeout),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        options.forwarded_allow_ips,
        # Gunicorn's control socket has one default path per user, so a second server would take it over.
        "--no-control-socket",
    ]
    if options.pythonpath:
        argv += ["--pythonpath", options.pythonpath]
    return [*argv, APP]


def behind_proxy() -> bool:
    """True when the settings say a proxy is in front (CLIENTDESK_BEHIND_TLS_PROXY or CLIENTDESK_PROXY_COUNT)."""
    return bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None)) or settings.CLIENTDESK_PROXY_COUNT > 0


class Command(BaseCommand):
    """`clientdesk serve [--bind ADDRESS] [--workers N] [--timeout S] [--forwarded-allow-ips IPS]`."""

    help = "Serve the desk with gunicorn, for production behind a TLS proxy (checks the configuration first)."
    requires_system_checks: list[str] = []  # run below, deployment checks included

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", default=None, help=f"host:port or unix:PATH (default {DEFAULT_HOST}:$PORT, PORT default 8000)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (default $WEB_CONCURRENCY, else twice the CPUs plus one, at most 12).",
        )
        parser.add_argument("--timeout", type=int, default=TIMEOUT, help=f"Worker timeout in seconds ({TIMEOUT}).")
        parser.add_argument(
            "--forwarded-allow-ips",
            default=None,
            help="Proxy addresses trusted for X-Forwarded-Proto when a proxy is configured "
            f"(default $FORWARDED_ALLOW_IPS, else {LOOPBACK}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.DEBUG:
            raise CommandError(
                "DEBUG is on: its error pages show settings and source code to anyone. "
                "Unset DEBUG (or DEBUG=0) to serve; `make demo` runs the development server."
            )
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if not manifest.exists():
            raise CommandError(f"Static files are not collected (no {manifest}). Run `{COLLECTSTATIC}` first.")
        # Django's deployment checks: warnings (plain HTTP, no HSTS…) are printed, errors stop here.
        self.check(include_deployment_checks=True)
        if not os.environ.get("SECRET_KEY"):
            self.stderr.write(
                self.style.WARNING(
                    f"SECRET_KEY is not set: using the key generated into {settings.VAR_DIR / 'secret_key'}. "
                    "Set SECRET_KEY in the environment (the same on every server), so sessions and signed "
                    "links survive a new var directory and hold across servers."
                )
            )
        serve = resolve_options(
            env=os.environ,
            cpus=cpu_count(),
            behind_proxy=behind_proxy(),
            bind=options["bind"],
            workers=options["workers"],
            timeout=options["timeout"],
            forwarded_allow_ips=options["forwarded_allow_ips"],
            pythonpath=options.get("pythonpath"),
        )
        trusted = serve.forwarded_allow_ips
        proxy = f"X-Forwarded-Proto trusted from {trusted}" if trusted else "no proxy"
        self.stdout.write(f"Serving Clientdesk with gunicorn on {serve.bind}: {serve.workers} workers, {proxy}.")
        self.stdout.flush()
        self.stderr.flush()
        argv = gunicorn_argv(serve)
        os.execv(argv[0], argv)  # noqa: S606 -- our own interpreter, running gunicorn
