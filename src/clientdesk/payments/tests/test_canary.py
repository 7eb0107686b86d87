"""The canary: known numbers and security codes typed into every form, then searched for everywhere they
could leak — a full dump of the database (the SQLite file with its WAL, or `pg_dump`), the log output,
the cache and the task queue. A number may appear only sealed; a security code nowhere."""

import http.cookiejar
import logging
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.cache.backends import locmem
from django.db import connection
from django.urls import reverse

from clientdesk.core.testing import PASSWORD
from clientdesk.payments.models import PaymentAccount

pytestmark = pytest.mark.django_db(transaction=True)

CARD = "4539628174051268"  # Luhn-valid Visa, made up for this test
CARD_AS_TYPED = "4539 6281-7405 1268"
NEW_CARD = "371469635398439"  # Luhn-valid American Express, the number an edit puts in its place
BANK_ACCOUNT = "58203917466"
API_CARD = "6011000990139424"  # Discover, added through the API
API_NEW_CARD = "5105105105105100"  # Mastercard, the API's edit puts it in place of the Discover
API_BANK_ACCOUNT = "90417735521"
# Security codes with a leading zero: no id, count or sequence value in a dump is written that way.
CVVS = ("0719", "0472")  # the Amex code has 4 digits; the Visa's 3-digit one below
API_CVVS = ("052", "069")
VISA_CVV = "047"
SECRETS_IN_CLEAR = (
    CARD, NEW_CARD, BANK_ACCOUNT, API_CARD, API_NEW_CARD, API_BANK_ACCOUNT,
    "4539 6281 7405 1268", "4539-6281-7405-1268", CARD_AS_TYPED,
)  # fmt: skip


@pytest.fixture(autouse=True)
def _vault(vault_settings):
    """This test's own vault."""


@pytest.fixture(autouse=True)
def _long_ids():
    """Every id (and sequence value) from here on has six digits or more, so none reads as a security code
    in the dump: ids keep counting across a run, and one of 927 looked like the Visa's code."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(format('%I.%I', schemaname, sequencename), GREATEST(last_value, 100000))"
                " FROM pg_sequences"
            )
        else:
            cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, 100000)")
            cursor.execute("SELECT name FROM sqlite_sequence")
            counted = {name for (name,) in cursor.fetchall()}
            tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
            missing = [(table,) for table in tables if table not in counted]
            cursor.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, 100000)", missing)


def isolated(code: str) -> re.Pattern[bytes]:
    """A security code standing alone (not a run of digits inside a longer number, date or base64 text)."""
    return re.compile(rb"(?<![0-9A-Za-z])" + code.encode() + rb"(?![0-9A-Za-z])")


def database_dump(tmp_path: Path) -> bytes:
    """Every byte the database holds: the SQLite file and its WAL as they are on disk, or a full `pg_dump`."""
    if connection.vendor == "sqlite":
        name = Path(connection.settings_dict["NAME"])
        return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal"), Path(f"{name}-journal")) if p.exists())
    params = connection.settings_dict
    out = tmp_path / "dump.sql"
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to read the whole PostgreSQL database"
    command = [
        pg_dump, "--no-owner", "-h", params["HOST"] or "127.0.0.1", "-p", str(params["PORT"] or 5432),
        "-U", params["USER"] or "postgres", "-d", params["NAME"], "-f", str(out),
    ]  # fmt: skip
    subprocess.run(command, check=True, env={"PGPASSWORD": params["PASSWORD"] or ""})  # noqa: S603 -- the test database
    return out.read_bytes()


def cache_contents() -> bytes:
    """Every key and (pickled) value of every local-memory cache of this process."""
    return b"".join(key.encode() + value for store in vars(locmem)["_caches"].values() for key, value in store.items())


def test_numbers_appear_only_sealed_and_security_codes_nowhere(
    login_as, api_as, billing, make_client, make_contact, caplog, capfd, tmp_path, settings
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    settings.DEBUG = True  # every SQL statement and its parameters reach the log
    client = make_client(first_name="Ada", last_name="Lovelace")
    payer = make_contact(client, first_name="Paula", last_name="Payer")
    web = login_as(billing)
    add_card = reverse("payments:card_add", args=[client.pk])
    holder = {"first_name": "Ada", "last_name": "Lovelace", "country": "GB"}
    card = {"number": CARD_AS_TYPED, "expiry_month": "12", "expiry_year": "2031", "security_code": VISA_CVV}
    # A refused add (expired), "Copy contact information" with the number typed, then the add itself.
    assert web.post(add_card, {**holder, **card, "expiry_year": "2020"}).status_code == 422
    assert web.post(add_card, {**card, "fill": "1", "copy_from": str(payer.pk)}, headers={"HX-Request": "true"})
    assert web.post(add_card, {**holder, **card, "copy_from": str(payer.pk)}).status_code == 302
    account = PaymentAccount.objects.get()
    # An edit that replaces the number (with its code), and one that keeps it masked.
    edit = reverse("payments:account_edit", args=[client.pk, account.pk])
    replace = {**holder, **card, "number": NEW_CARD, "security_code": CVVS[0]}
    assert web.post(edit, replace).status_code == 302
    assert web.post(edit, {**holder, **card, "number": "•••••••••••8439", "security_code": ""}).status_code == 302
    # A bank account, and a second card (its code refused: wrong length) then added.
    bank = {**holder, "account_type": "checking", "routing_number": "011000015", "account_number": BANK_ACCOUNT}
    assert web.post(reverse("payments:bank_add", args=[client.pk]), bank).status_code == 302
    again = {**holder, **card, "security_code": CVVS[1]}
    assert web.post(add_card, again).status_code == 422  # a Visa's code has 3 digits
    assert web.post(add_card, {**again, "security_code": VISA_CVV}).status_code == 302
    # Show number (the number is in that answer only) and a refused one.
    reveal = reverse("payments:account_reveal", args=[client.pk, account.pk])
    assert NEW_CARD in web.post(reveal, {"secret": PASSWORD}).content.decode()
    web.post(reveal, {"secret": f"{CARD} {VISA_CVV}"})

    # Through the API: a card (sent twice with one idempotency key), a bank account, an edit to a new number.
    api = api_as(billing)
    listing = f"/api/v1/clients/{client.pk}/payment-accounts/"
    api_holder = {"first_name": "Ada", "last_name": "Lovelace"}
    api_card = {"kind": "card", "holder": api_holder, "number": API_CARD, "expiry_month": 11, "expiry_year": 2032,
                "security_code": API_CVVS[0]}  # fmt: skip
    for _ in range(2):
        assert api.post(listing, api_card, format="json", HTTP_IDEMPOTENCY_KEY="canary-card").status_code == 201
    api_bank = {"kind": "bank", "holder": api_holder, "account_type": "savings", "routing_number": "021000021",
                "account_number": API_BANK_ACCOUNT}  # fmt: skip
    assert api.post(listing, api_bank, format="json", HTTP_IDEMPOTENCY_KEY="canary-bank").status_code == 201
    added = PaymentAccount.objects.get(last4=API_CARD[-4:])
    new_number = {"number": API_NEW_CARD, "security_code": API_CVVS[1]}
    assert api.patch(f"{listing}{added.pk}/", new_number, format="json").status_code == 200
    refused = {**api_card, "number": API_CARD[:-1] + "5"}  # fails Luhn
    assert api.post(listing, refused, format="json", HTTP_IDEMPOTENCY_KEY="canary-bad").status_code == 422

    accounts = list(PaymentAccount.objects.order_by("id"))
    assert len(accounts) == 5
    dump = database_dump(tmp_path)
    out, err = capfd.readouterr()
    logs = (caplog.text + out + err).encode()
    cache = cache_contents()
    places = {"database": dump, "logs": logs, "cache": cache}
    assert b"payments_paymentaccount" in dump  # the search reads the real thing…
    assert b"canary-card" in dump  # …including the API's idempotency records…
    assert b'INSERT INTO "payments_paymentaccount"' in logs  # …and the statements were logged
    for account in accounts:  # each number is there, sealed
        assert account.sealed_number.encode() in dump
        assert account.sealed_number.startswith("v1.")
    for where, content in places.items():
        for number in SECRETS_IN_CLEAR:
            assert number.encode() not in content, f"a number in clear in the {where}"
        for code in (*CVVS, VISA_CVV, *API_CVVS):
            assert not isolated(code).search(content), f"a security code in the {where}"
    # The task queue lives in the database (TASKS_URL db://, dumped above).
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_the_debug_error_page_shows_no_number_or_code(
    live_server, login_as, billing, make_client, settings, monkeypatch
):
    """A crash deep in the add (here: sealing) under DEBUG, served by a real server: the debug page hides the
    form's number fields and every local of the view and of what it called."""
    from clientdesk.payments import vault

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the vault is unwell")

    monkeypatch.setattr(vault, "seal", broken)
    settings.DEBUG = True
    client = make_client()
    web = login_as(billing)
    url = live_server.url + reverse("payments:card_add", args=[client.pk])
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    session = f"{settings.SESSION_COOKIE_NAME}={web.cookies[settings.SESSION_COOKIE_NAME].value}"
    form = opener.open(urllib.request.Request(url, headers={"Cookie": session})).read().decode()  # noqa: S310 -- the live server
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token
    csrf = next(c.value for c in jar if c.name == settings.CSRF_COOKIE_NAME)
    data = {"first_name": "Ada", "last_name": "Lovelace", "number": CARD, "expiry_month": "12", "expiry_year": "2031",
            "security_code": VISA_CVV, "csrfmiddlewaretoken": token.group(1)}  # fmt: skip
    request = urllib.request.Request(  # noqa: S310 -- the live server
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={"Cookie": f"{session}; {settings.CSRF_COOKIE_NAME}={csrf}", "Referer": url},
    )
    with pytest.raises(urllib.error.HTTPError) as crashed:
        opener.open(request)
    page = crashed.value.read().decode()
    assert crashed.value.code == 500
    assert "the vault is unwell" in page  # the debug page, with its frames and their variables
    assert CARD not in page
    assert not isolated(VISA_CVV).search(page.encode())
    assert "********************" in page
