"""What the payment accounts API never gives out nor keeps: a number, a security code, sealed text, a gateway's token.

The answers of every payment endpoint, good and bad input alike, replayed ones too, are read whole; the
idempotency table is read as the database holds it.
"""

import hashlib
import json
import re

import pytest
from django.db import connection
from django.utils.crypto import salted_hmac

from clientdesk.api.idempotency import FINGERPRINT_SALT
from clientdesk.api.models import IdempotencyKey
from clientdesk.payments.models import PaymentAccount

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vault_settings")]

NUMBER, NEW_NUMBER, CODE = "4000056655665556", "5555555555554444", "739"
ROUTING, ACCOUNT_NUMBER = "021000021", "98765432101"
HOLDER = {"first_name": "Ann", "last_name": "Lee"}
CARD = {
    "kind": "card",
    "number": NUMBER,
    "expiry_month": 12,
    "expiry_year": 2031,
    "security_code": CODE,
    "holder": HOLDER,
}
BANK = {
    "kind": "bank",
    "account_type": "checking",
    "routing_number": ROUTING,
    "account_number": ACCOUNT_NUMBER,
    "holder": HOLDER,
}
# Every number sent, good or bad.
SENT = [NUMBER, NUMBER[:-1] + "7", NEW_NUMBER, NEW_NUMBER[:-1] + "5", "4111111111111111", "4000000000009995"]
SENT += [ROUTING, "021000022", ACCOUNT_NUMBER, "12345678"]
SEALED = re.compile(r"v1\.[0-9a-zA-Z_-]+\.")


def strings(value):
    """Every string inside a JSON value, keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def assert_holds_no_secret(text, secrets):
    for secret in secrets:
        assert secret not in text, f"{secret!r} is in {text[:300]!r}"
    assert not SEALED.search(text), text[:300]
    assert "tok_" not in text
    data = json.loads(text) if text else None
    assert CODE not in set(strings(data)), text[:300]


def _answers(api, client, settings):
    """Every payment endpoint, answered: adds (sealed and at the gateway), reads, edits, refusals, replays."""
    base = f"/api/v1/clients/{client.pk}/payment-accounts/"
    answers = [
        api.post(base, CARD, HTTP_IDEMPOTENCY_KEY="card"),
        api.post(base, CARD, HTTP_IDEMPOTENCY_KEY="card"),  # replayed
        api.post(base, CARD, HTTP_IDEMPOTENCY_KEY="card-again"),  # already on file
        api.post(base, {**CARD, "number": SENT[1]}, HTTP_IDEMPOTENCY_KEY="luhn"),
        api.post(base, {**CARD, "security_code": "73"}, HTTP_IDEMPOTENCY_KEY="short-code"),
        api.post(base, {**CARD, "number": {"digits": NUMBER}}, HTTP_IDEMPOTENCY_KEY="shape"),
        api.post(base, {**CARD, "routing_number": ROUTING}, HTTP_IDEMPOTENCY_KEY="field"),
        api.post(base, BANK, HTTP_IDEMPOTENCY_KEY="bank"),
        api.post(base, {**BANK, "routing_number": "021000022"}, HTTP_IDEMPOTENCY_KEY="aba"),
        api.post(base, CARD, HTTP_IDEMPOTENCY_KEY="card"),  # the key again, with a stored answer
    ]
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    answers.append(api.post(base, {**CARD, "number": "4111111111111111"}, HTTP_IDEMPOTENCY_KEY="gateway"))
    answers.append(api.post(base, {**CARD, "number": "4000000000009995"}, HTTP_IDEMPOTENCY_KEY="refused"))
    accounts = list(PaymentAccount.objects.filter(client=client))
    answers.append(api.get(base))
    for account in accounts:
        answers.append(api.get(f"{base}{account.pk}/"))
        answers.append(api.post(f"{base}{account.pk}/auto-debit/", {}))
    card, bank, gateway_card = sorted(accounts, key=lambda account: account.pk)
    answers += [
        api.patch(f"{base}{card.pk}/", {"number": NEW_NUMBER, "security_code": CODE}, HTTP_IDEMPOTENCY_KEY="edit"),
        api.patch(f"{base}{card.pk}/", {"number": SENT[3]}),
        api.patch(f"{base}{gateway_card.pk}/", {"number": NUMBER, "security_code": CODE}),
        api.patch(f"{base}{bank.pk}/", {"routing_number": ROUTING, "account_number": "12345678"}),
        api.patch(f"{base}{bank.pk}/", {"account_number": ACCOUNT_NUMBER}),
        api.delete(f"{base}{card.pk}/auto-debit/"),
        api.delete(f"{base}{gateway_card.pk}/", HTTP_IDEMPOTENCY_KEY="delete"),
    ]
    return answers, accounts


def test_no_answer_ever_holds_a_number_a_code_sealed_text_or_a_token(api_as, billing, grace, settings):
    answers, accounts = _answers(api_as(billing), grace, settings)
    assert {answer.status_code for answer in answers} >= {200, 201, 204, 422}
    secrets = list(SENT)
    secrets += [text for account in accounts for text in (account.sealed_number, account.sealed_routing) if text]
    secrets += [account.gateway_token for account in accounts if account.gateway_token]
    assert any(account.gateway_token for account in accounts)
    for answer in answers:
        assert_holds_no_secret(answer.content.decode(), secrets)


def test_the_idempotency_table_holds_neither_the_number_nor_the_code(api_as, billing, grace, settings):
    api = api_as(billing)
    _answers(api, grace, settings)
    assert IdempotencyKey.objects.count() >= 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_idempotencykey")
        table = repr(cursor.fetchall())
    for secret in SENT:
        assert secret not in table
    assert f"'{CODE}'" not in table
    assert f'"{CODE}"' not in table
    assert "tok_" not in table
    assert not SEALED.search(table)


def test_a_keys_fingerprint_is_keyed_so_the_number_cannot_be_tried_against_it(api_as, billing, grace, settings):
    api = api_as(billing)
    path = f"/api/v1/clients/{grace.pk}/payment-accounts/"
    assert api.post(path, CARD, HTTP_IDEMPOTENCY_KEY="card").status_code == 201
    body = json.dumps(CARD, sort_keys=True, separators=(",", ":"))
    request = "\n".join(["POST", path, "", body])
    stored = IdempotencyKey.objects.get(key="card").fingerprint
    assert stored != hashlib.sha256(request.encode()).hexdigest()  # a bare hash could be tried number by number
    assert stored == salted_hmac(FINGERPRINT_SALT, request, algorithm="sha256").hexdigest()
    settings.SECRET_KEY = "another-" + "y" * 50
    assert stored != salted_hmac(FINGERPRINT_SALT, request, algorithm="sha256").hexdigest()
