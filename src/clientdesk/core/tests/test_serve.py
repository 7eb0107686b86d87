import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clientdesk.core.management.commands import serve
from clientdesk.core.management.commands.serve import (
    APP,
    ServeOptions,
    default_workers,
    gunicorn_argv,
    resolve_options,
)

ONE_YEAR_AND_MORE = "max-age=315360000"
# Set for the browser tests (core/browser_testing.py); Django's deployment checks refuse it, and so does `serve`.
TEST_ONLY_ENV = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


@pytest.fixture(autouse=True)
def _production_environment(monkeypatch, settings):
    for name in TEST_ONLY_ENV:
        monkeypatch.delenv(name, raising=False)
    # The test runner swaps the mailer for its in-memory one, which the deployment checks refuse.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}


def test_workers_default_to_twice_the_cpus_plus_one_and_stop_at_twelve():
    assert [default_workers(cpus) for cpus in (1, 2, 4, 5, 6, 64)] == [3, 5, 9, 11, 12, 12]


def test_the_argv_runs_this_interpreters_gunicorn_with_the_desk_application():
    options = resolve_options(env={}, cpus=2, behind_proxy=False)
    assert options == ServeOptions(bind="127.0.0.1:8000", workers=5, timeout=30, forwarded_allow_ips="")
    assert gunicorn_argv(options, python="/venv/bin/python") == [
        "/venv/bin/python",
        "-m",
        "gunicorn",
        "--bind",
        "127.0.0.1:8000",
        "--workers",
        "5",
        "--timeout",
        "30",
        "--graceful-timeout",
        "30",
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        "",
        "--no-control-socket",
        APP,
    ]


def test_port_and_web_concurrency_from_the_environment_set_the_address_and_the_workers():
    options = resolve_options(env={"PORT": "9000", "WEB_CONCURRENCY": "3"}, cpus=8, behind_proxy=False)
    assert (options.bind, options.workers) == ("127.0.0.1:9000", 3)


def test_the_command_line_beats_the_environment():
    env = {"PORT": "9000", "WEB_CONCURRENCY": "3", "FORWARDED_ALLOW_IPS": "10.0.0.2"}
    options = resolve_options(
        env=env,
        cpus=8,
        behind_proxy=True,
        bind="unix:/run/clientdesk/gunicorn.sock",
        workers=7,
        timeout=60,
        forwarded_allow_ips="10.0.0.3",
        pythonpath="/srv/extra",
    )
    assert options == ServeOptions(
        bind="unix:/run/clientdesk/gunicorn.sock",
        workers=7,
        timeout=60,
        forwarded_allow_ips="10.0.0.3",
        pythonpath="/srv/extra",
    )
    argv = gunicorn_argv(options)
    assert argv[argv.index("--bind") + 1] == "unix:/run/clientdesk/gunicorn.sock"
    assert argv[argv.index("--graceful-timeout") + 1] == "60"
    assert argv[-3:] == ["--pythonpath", "/srv/extra", APP]


def test_proxy_headers_are_trusted_from_the_local_proxy_only_when_a_proxy_is_configured():
    assert resolve_options(env={}, cpus=1, behind_proxy=False).forwarded_allow_ips == ""
    env = {"FORWARDED_ALLOW_IPS": "10.0.0.0/24"}
    assert resolve_options(env=env, cpus=1, behind_proxy=False).forwarded_allow_ips == ""
    assert resolve_options(env={}, cpus=1, behind_proxy=True).forwarded_allow_ips == "127.0.0.1,::1"
    assert resolve_options(env=env, cpus=1, behind_proxy=True).forwarded_allow_ips == "10.0.0.0/24"


@pytest.mark.parametrize(
    ("env", "workers", "message"),
    [
        ({"PORT": "http"}, None, "PORT must be a whole number"),
        ({"WEB_CONCURRENCY": "0"}, None, "WEB_CONCURRENCY must be a whole number above 0"),
        ({}, 0, "--workers must be above 0"),
    ],
)
def test_a_bad_port_or_worker_count_is_refused_by_name(env, workers, message):
    with pytest.raises(CommandError, match=message):
        resolve_options(env=env, cpus=2, behind_proxy=False, workers=workers)


@pytest.fixture
def collected(settings, tmp_path):
    """A STATIC_ROOT where `collectstatic` has written its manifest."""
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    return tmp_path


@pytest.fixture
def execs(monkeypatch):
    """The argv `serve` would exec, instead of exec'ing it."""
    calls: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append(argv))
    return calls


def run_serve(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("serve", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_serve_refuses_to_start_with_debug_on(settings, collected, execs):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="DEBUG is on"):
        run_serve()
    assert execs == []


def test_serve_refuses_to_start_before_collectstatic_and_says_what_to_run(settings, tmp_path, execs):
    settings.STATIC_ROOT = tmp_path
    with pytest.raises(CommandError, match=r"Run `CLIENTDESK_STATIC_MANIFEST=1 clientdesk collectstatic --no-input`"):
        run_serve()
    assert execs == []


@pytest.mark.django_db  # the system checks ask the database what it supports
def test_serve_execs_gunicorn_trusting_the_local_proxy_when_one_is_configured(settings, collected, execs, monkeypatch):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    monkeypatch.setattr(serve, "cpu_count", lambda: 2)
    for name in ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    out, _ = run_serve("--bind", "127.0.0.1:8123")
    assert "on 127.0.0.1:8123: 5 workers, X-Forwarded-Proto trusted from 127.0.0.1,::1" in out
    [argv] = execs
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "127.0.0.1,::1"
    assert argv[-1] == APP


@pytest.mark.django_db  # the system checks ask the database what it supports
def test_serve_warns_that_the_generated_secret_key_is_in_use(collected, execs, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    _, err = run_serve()
    assert "SECRET_KEY is not set: using the key generated into" in err
    assert len(execs) == 1


@pytest.mark.django_db  # the system checks ask the database what it supports
def test_serve_prints_the_deployment_warnings_of_a_plain_http_configuration(collected, execs):
    _, err = run_serve()  # the tests run with CLIENTDESK_HTTPS=0
    assert "security.W008" in err
    assert len(execs) == 1


# --- The real server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clientdesk(*args: str, env: dict[str, str], **kwargs: object) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "clientdesk", *args]
    return subprocess.Popen(command, env=env, **kwargs)  # type: ignore[call-overload]  # noqa: S603 -- our own command


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def wait_until_listening(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`clientdesk serve` exited with {server.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.05)
        else:
            return
    pytest.fail(f"`clientdesk serve` did not listen on port {port} within 30 s:\n{log.read_text()}")


def test_serve_answers_the_sign_in_page_and_hashed_static_files_then_stops_cleanly(tmp_path):
    """A production start on a temporary SQLite database: migrate, collectstatic, serve, two GETs, SIGTERM."""
    left_out = {"PORT", "WEB_CONCURRENCY", "CLIENTDESK_BEHIND_TLS_PROXY", "CLIENTDESK_PROXY_COUNT", *TEST_ONLY_ENV}
    env = {key: value for key, value in os.environ.items() if key not in left_out}
    env |= {
        "DJANGO_SETTINGS_MODULE": "clientdesk.settings",
        "CLIENTDESK_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'desk.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": "serve-test-" + "k" * 50,
        "CLIENTDESK_HTTPS": "0",
        "CLIENTDESK_STATIC_MANIFEST": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    setup = [
        clientdesk("migrate", "--no-input", "-v", "0", env=env),
        clientdesk("collectstatic", "--no-input", "-v", "0", env=env),
    ]
    assert [step.wait(timeout=60) for step in setup] == [0, 0]

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = clientdesk(
            "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_until_listening(server, port, log)
        status, headers, body = get(port, "/accounts/sign-in/")
        assert status == 200
        assert headers["server"] == "gunicorn"
        stylesheet = re.search(rb'href="(/static/clientdesk/app\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, "the page links the hashed name from the manifest"

        status, headers, _ = get(port, stylesheet[1].decode(), {"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["cache-control"] == f"{ONE_YEAR_AND_MORE}, public, immutable"
        assert headers["content-encoding"] == "gzip"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()
    output_text = log.read_text()
    assert '"GET /accounts/sign-in/ HTTP/1.1" 200' in output_text  # the access log, on stdout
    assert "Shutting down: Master" in output_text
