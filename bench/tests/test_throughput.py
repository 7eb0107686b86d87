import json
from io import StringIO

import dj_database_url
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser

from bench.measure import staff_admin
from bench.throughput import BARE_PATH, PAGES, PageRun, database_url


@pytest.fixture(autouse=True)
def _production_environment(monkeypatch):
    # Set for the browser tests (core/browser_testing.py); `clientdesk serve` refuses it as Django's checks do.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


@pytest.mark.django_db(transaction=True)  # the server is another process: it sees committed rows only
def test_throughput_serves_every_page_on_the_production_server_and_prints_the_table(make_client, tmp_path):
    for n in range(3):
        make_client(last_name="Throughput", email=f"throughput{n}@example.test")
    path = tmp_path / "results.json"
    out = StringIO()
    call_command(
        "bench",
        *("throughput", "--seconds", "1", "--warmup", "0.2", "--workers", "2", "--json", str(path)),
        stdout=out,
    )
    text = out.getvalue()
    assert "Serving Clientdesk with gunicorn on 127.0.0.1:" in text
    assert "2 workers, X-Forwarded-Proto trusted from 127.0.0.1,::1" in text
    for page in PAGES:
        assert any(line.startswith(page) for line in text.splitlines()), page
    assert "load average" in text

    report = json.loads(path.read_text())["throughput"]
    assert (report["clients"], report["workers"], report["concurrency"]) == (3, 2, 8)
    assert list(report["pages"]) == list(PAGES)
    for page, row in report["pages"].items():
        assert row["requests"] > 0, page
        assert set(row["status_codes"]) == {"200"}, page  # signed in, over "https", every search with 3 hits
        assert row["p95_ms"] > 0
    assert report["pages"]["bare view"]["rps_vs_bare"] == 1.0


@pytest.mark.django_db
def test_the_bare_view_answers_a_signed_in_staff_member_and_sends_others_to_sign_in():
    browser = Browser()
    assert browser.get(BARE_PATH).status_code == 302
    browser.force_login(staff_admin())
    response = browser.get(BARE_PATH)
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db
def test_the_server_is_given_the_database_this_process_uses_under_its_test_name():
    parsed = dj_database_url.parse(database_url())
    assert (parsed["ENGINE"], parsed["NAME"]) == (connection.settings_dict["ENGINE"], connection.settings_dict["NAME"])
    assert parsed["NAME"] != dj_database_url.parse(settings.DATABASE_URL)["NAME"]


def test_rates_and_percentiles_come_from_the_samples_and_the_measured_seconds():
    run = PageRun(samples_ms=[float(ms) for ms in range(1, 101)], seconds=2.0)
    assert (run.rps, run.percentile(50), run.percentile(95)) == (50.0, 50.0, 95.0)
    assert PageRun().summary()["rps"] == 0.0
