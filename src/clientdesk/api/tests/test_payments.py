"""/api/v1/clients/{id}/payment-accounts/ and /payment-types/: the payments actions' rules, through the API.

Every test runs with a vault of its own (`vault_settings`): numbers are sealed locally unless a test
switches the merchant gateway on.
"""

import pytest

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Contact, ContactType
from clientdesk.payments.models import ClientPaymentTypes, OfflineGatewayAccount, PaymentAccount

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("vault_settings")]

NUMBER, CODE = "4000056655665556", "739"
CARD = {"kind": "card", "number": "4000 0566 5566 5556", "expiry_month": 12, "expiry_year": 2031, "security_code": CODE}
HOLDER = {"first_name": "Ann", "last_name": "Lee", "city": "Leeds", "country": "GB"}
ACCOUNT_NUMBER = "98765432101"
BANK = {
    "kind": "bank",
    "account_type": "savings",
    "routing_number": "021000021",
    "account_number": ACCOUNT_NUMBER,
    "holder": HOLDER,
}
FIELDS = {
    "id",
    "url",
    "kind",
    "label",
    "brand",
    "last4",
    "expiry_month",
    "expiry_year",
    "bank_account_type",
    "routing_last4",
    "holder",
    "owner",
    "storage",
    "storage_label",
    "auto_debit",
    "created_at",
    "updated_at",
}


def accounts_url(client):
    return f"/api/v1/clients/{client.pk}/payment-accounts/"


def url(account):
    return f"/api/v1/clients/{account.client_id}/payment-accounts/{account.pk}/"


def writes():
    return PaymentAccount.objects.count(), AuditEvent.objects.count()


def add(api, client, body, key="k1"):
    return api.post(accounts_url(client), body, HTTP_IDEMPOTENCY_KEY=key)


# --- Reading ------------------------------------------------------------------------------------


def test_the_list_is_the_clients_accounts_auto_debit_first(api_as, readonly, grace, make_client, make_card, make_bank):
    bank = make_bank(grace)  # the first: the auto-debit account
    card = make_card(grace)
    make_card(make_client())
    api = api_as(readonly)
    first = api.get(f"{accounts_url(grace)}?page_size=1").json()
    rest = api.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + rest["results"]] == [bank.pk, card.pk]
    assert rest["next"] is None
    row = first["results"][0]
    assert set(row) == FIELDS
    assert (row["kind"], row["label"], row["last4"], row["routing_last4"]) == (
        "bank",
        "Checking account ending 6789",
        "6789",
        "0015",
    )
    assert (row["bank_account_type"], row["brand"], row["expiry_month"], row["auto_debit"]) == (
        "checking",
        "",
        None,
        True,
    )
    assert row["url"] == f"http://testserver{url(bank)}"


def test_an_account_reads_with_its_holder_owner_and_storage(api_as, support, grace, make_card):
    card = make_card(grace)
    body = api_as(support).get(url(card)).json()
    primary = Contact.objects.get(client=grace, contact_type=ContactType.PRIMARY)
    assert (body["label"], body["brand"], body["expiry_month"], body["expiry_year"]) == (
        "Visa ending 4242",
        "visa",
        12,
        2031,
    )
    assert body["holder"] == {
        "first_name": "Ann",
        "last_name": "Lee",
        "address1": "",
        "address2": "",
        "city": "Leeds",
        "state": "",
        "postal_code": "",
        "country": "GB",
    }
    assert body["owner"] == {"id": primary.pk, "name": "Grace Hopper"}
    assert (body["storage"], body["storage_label"]) == ("local", "Stored locally (encrypted)")


def test_an_account_of_another_client_is_not_found_under_this_one(api_as, admin, grace, make_client, make_card):
    other = make_card(make_client())
    elsewhere = f"{accounts_url(grace)}{other.pk}/"
    api = api_as(admin)
    before = writes()
    assert api.get(elsewhere).status_code == 404
    assert api.patch(elsewhere, {"expiry_year": 2033}).status_code == 404
    assert api.post(f"{elsewhere}auto-debit/", {}).status_code == 404
    assert api.delete(elsewhere).status_code == 404
    assert writes() == before


# --- Adding ---------------------------------------------------------------------------------------


def test_add_card_seals_the_number_and_answers_without_it(api_as, billing, grace):
    response = add(api_as(billing), grace, {**CARD, "holder": HOLDER})
    assert response.status_code == 201, response.json()
    account = PaymentAccount.objects.get()
    assert response["Location"] == f"http://testserver{url(account)}"
    body = response.json()
    assert (body["label"], body["storage"], body["auto_debit"]) == ("Visa ending 5556", "local", True)
    assert account.sealed_number.startswith("v1.")
    assert NUMBER not in response.content.decode()
    event = AuditEvent.objects.get(action="payment.add")
    assert event.actor_label.startswith("API token ")
    assert event.changes["account"] == [None, "Visa ending 5556"]


def test_add_bank_account_seals_both_numbers(api_as, admin, grace):
    response = add(api_as(admin), grace, BANK)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["label"], body["routing_last4"], body["bank_account_type"]) == (
        "Savings account ending 2101",
        "0021",
        "savings",
    )
    account = PaymentAccount.objects.get()
    assert account.sealed_number.startswith("v1.")
    assert account.sealed_routing.startswith("v1.")


def test_copy_from_fills_the_holder_left_out_and_owns_the_account(api_as, billing, grace, make_contact):
    ada = make_contact(grace, first_name="Ada", last_name="Byron", address1="1 Mill Lane", city="Bath", country="GB")
    response = add(api_as(billing), grace, {**CARD, "copy_from": ada.pk, "holder": {"last_name": "King"}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == {"id": ada.pk, "name": "Ada Byron"}
    holder = body["holder"]
    assert (holder["first_name"], holder["last_name"], holder["address1"], holder["city"]) == (
        "Ada",
        "King",
        "1 Mill Lane",
        "Bath",
    )


def test_copy_from_must_be_this_clients_primary_or_billing_contact(api_as, billing, grace, make_client, make_contact):
    other = Contact.objects.get(client=make_client(), contact_type=ContactType.PRIMARY)
    technical = make_contact(grace, contact_type="other")
    api = api_as(billing)
    before = writes()
    for i, contact in enumerate((other, technical)):
        response = add(api, grace, {**CARD, "copy_from": contact.pk}, key=f"k{i}")
        assert response.status_code == 422
        assert response.json()["errors"] == {
            "copy_from": ["Copy from the client's primary contact or one of its billing contacts."]
        }
    assert writes() == before


def test_adding_needs_an_idempotency_key_and_writes_nothing_without_one(api_as, billing, grace):
    api = api_as(billing)
    before = writes()
    response = api.post(accounts_url(grace), {**CARD, "holder": HOLDER})
    assert response.status_code == 400
    assert response.json()["type"] == "urn:clientdesk:problem:idempotency-key-missing"
    assert writes() == before


def test_a_retry_with_its_key_adds_the_card_once(api_as, billing, grace):
    api = api_as(billing)
    first = add(api, grace, {**CARD, "holder": HOLDER})
    again = add(api, grace, {**CARD, "holder": HOLDER})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert PaymentAccount.objects.count() == 1


def test_with_the_offline_gateway_only_its_token_is_kept_and_never_returned(api_as, billing, grace, settings):
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    api = api_as(billing)
    response = add(api, grace, {**CARD, "holder": HOLDER})
    assert response.status_code == 201, response.json()
    account = PaymentAccount.objects.get()
    assert (account.storage, account.sealed_number) == ("offline_test", "")
    assert OfflineGatewayAccount.objects.get().token == account.gateway_token != ""
    assert (response.json()["storage"], response.json()["storage_label"]) == ("offline_test", "Offline test gateway")
    for body in (response, api.get(url(account)), api.get(accounts_url(grace))):
        assert account.gateway_token not in body.content.decode()
    refused = add(api, grace, {**CARD, "number": "4000000000009995", "holder": HOLDER}, key="k2")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"number": ["The gateway refused the card: insufficient funds to verify it."]}
    assert PaymentAccount.objects.count() == 1


BAD_ADD = [
    pytest.param(
        {"number": "4000 0566 5566 5557"},
        {"number": ["This card number is not valid: check it for a mistyped digit."]},
        id="luhn",
    ),
    pytest.param(
        {"number": "9999999999999995"},
        {"number": ["The card type is not one we accept, or could not be determined."]},
        id="brand",
    ),
    pytest.param({"expiry_year": 2020}, {"expiry_year": ["This card has expired."]}, id="expired"),
    pytest.param({"expiry_month": 13}, {"expiry_month": ["Choose a month from 1 to 12."]}, id="month"),
    pytest.param(
        {"security_code": "12"}, {"security_code": ["The security code of a Visa card has 3 digits."]}, id="code"
    ),
    pytest.param(
        {"holder": {"first_name": " "}},
        {
            "holder.first_name": ["Enter the holder's first name."],
            "holder.last_name": ["Enter the holder's last name."],
        },
        id="holder",
    ),
    pytest.param(
        {"holder": {**HOLDER, "country": "GBR"}},
        {"holder.country": ["Choose a country from the list."]},
        id="country",
    ),
    pytest.param(
        {"holder": {**HOLDER, "country": "US", "state": "GB-LND"}},
        {"holder.state": ["Choose a state or province of United States."]},
        id="state-of-another-country",
    ),
    pytest.param(
        {"routing_number": "021000021"},
        {"routing_number": ["There is no such field to write here."]},
        id="a-banks-field",
    ),
    pytest.param({"kind": "paypal"}, {"kind": ["Send `card` or `bank`."]}, id="kind"),
    pytest.param({"expiry_month": "soon"}, {"expiry_month": ["A valid integer is required."]}, id="shape"),
]
BAD_BANK = [
    pytest.param(
        {"routing_number": "021000022"},
        {"routing_number": ["This routing number is not valid: check it for a mistyped digit."]},
        id="aba",
    ),
    pytest.param({"routing_number": "12345"}, {"routing_number": ["A routing number has 9 digits."]}, id="aba-length"),
    pytest.param(
        {"account_number": "123"},
        {"account_number": ["A bank account number has 4 to 17 digits."]},
        id="account-length",
    ),
    pytest.param({"account_type": "brokerage"}, {"account_type": ["Choose checking or savings."]}, id="type"),
    pytest.param({"number": NUMBER}, {"number": ["There is no such field to write here."]}, id="a-cards-field"),
]


@pytest.mark.parametrize(("bad", "errors"), BAD_ADD)
def test_a_bad_card_is_refused_with_the_actions_words_and_nothing_is_written(api_as, billing, grace, bad, errors):
    api = api_as(billing)
    before = writes()
    response = add(api, grace, {**CARD, "holder": HOLDER, **bad})
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert writes() == before


@pytest.mark.parametrize(("bad", "errors"), BAD_BANK)
def test_a_bad_bank_account_is_refused_with_the_actions_words_and_nothing_is_written(
    api_as, billing, grace, bad, errors
):
    api = api_as(billing)
    before = writes()
    response = add(api, grace, {**BANK, **bad})
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert writes() == before


def test_a_card_already_on_file_is_refused(api_as, billing, grace, make_card):
    make_card(grace, number=NUMBER)
    api = api_as(billing)
    before = writes()
    response = add(api, grace, {**CARD, "holder": HOLDER})
    assert response.status_code == 422
    assert response.json()["errors"] == {"number": ["This card is already on file for this client."]}
    assert writes() == before


# --- Editing, deleting ----------------------------------------------------------------------------


def test_an_edit_without_a_number_keeps_the_stored_one(api_as, billing, grace, make_card):
    card = make_card(grace)
    response = api_as(billing).patch(url(card), {"expiry_year": 2033, "holder": {"city": "York"}})
    assert response.status_code == 200, response.json()
    kept = PaymentAccount.objects.get()
    assert (kept.sealed_number, kept.fingerprint, kept.last4) == (card.sealed_number, card.fingerprint, "4242")
    assert (kept.expiry_year, kept.city, kept.first_name, kept.country) == (2033, "York", "Ann", "GB")
    assert response.json()["holder"]["city"] == "York"
    assert AuditEvent.objects.get(action="payment.update").changes["expiry"] == ["12/2031", "12/2033"]


def test_an_edit_with_a_new_number_replaces_it(api_as, billing, grace, make_card):
    card = make_card(grace)
    response = api_as(billing).patch(url(card), {"number": NUMBER, "security_code": CODE})
    assert response.status_code == 200, response.json()
    assert response.json()["label"] == "Visa ending 5556"
    replaced = PaymentAccount.objects.get()
    assert replaced.sealed_number != card.sealed_number
    assert replaced.fingerprint != card.fingerprint


def test_a_bad_edit_is_refused_with_the_actions_words(api_as, billing, grace, make_card, make_bank):
    card, bank = make_card(grace), make_bank(grace)
    api = api_as(billing)
    before = writes()
    cases = [
        (
            card,
            {"number": "4242424242424241"},
            {"number": ["This card number is not valid: check it for a mistyped digit."]},
        ),
        (card, {"expiry_year": 2020}, {"expiry_year": ["This card has expired."]}),
        (card, {"account_type": "savings"}, {"account_type": ["A card has no such field (it is a bank account's)."]}),
        (
            bank,
            {"account_number": ACCOUNT_NUMBER},
            {"routing_number": ["Enter the routing number again with the new account number."]},
        ),
        (bank, {"expiry_month": 1}, {"expiry_month": ["A bank account has no such field (it is a card's)."]}),
        (bank, {"holder": {"last_name": ""}}, {"holder.last_name": ["Enter the holder's last name."]}),
    ]
    for account, body, errors in cases:
        response = api.patch(url(account), body)
        assert response.status_code == 422, body
        assert response.json()["errors"] == errors
    assert writes() == before


def test_a_bank_account_takes_a_new_type_and_a_new_pair_of_numbers(api_as, billing, grace, make_bank):
    bank = make_bank(grace)
    api = api_as(billing)
    assert api.patch(url(bank), {"account_type": "savings"}).json()["label"] == "Savings account ending 6789"
    assert PaymentAccount.objects.get().sealed_number == bank.sealed_number
    body = {"routing_number": "021000021", "account_number": ACCOUNT_NUMBER}
    response = api.patch(url(bank), body)
    assert (response.json()["last4"], response.json()["routing_last4"]) == ("2101", "0021")
    assert PaymentAccount.objects.get().sealed_routing != bank.sealed_routing


def test_an_edit_through_the_offline_gateway_keeps_its_token(api_as, billing, grace, make_card, settings):
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    card = make_card(grace)
    response = api_as(billing).patch(url(card), {"number": NUMBER, "security_code": CODE})
    assert response.status_code == 200, response.json()
    assert card.gateway_token not in response.content.decode()
    assert OfflineGatewayAccount.objects.get(token=card.gateway_token).last4 == "5556"


def test_delete_removes_the_account_and_its_sealed_number(api_as, billing, grace, make_card):
    card = make_card(grace)
    response = api_as(billing).delete(url(card))
    assert response.status_code == 204
    assert not PaymentAccount.objects.exists()
    assert AuditEvent.objects.get(action="payment.delete").changes["account"] == ["Visa ending 4242", None]


# --- Auto-debit, accepted types -------------------------------------------------------------------


def test_auto_debit_moves_to_the_account_chosen_and_is_given_up_by_delete(api_as, billing, grace, make_card, make_bank):
    card, bank = make_card(grace), make_bank(grace)
    api = api_as(billing)
    chosen = api.post(f"{url(bank)}auto-debit/", {})
    assert chosen.status_code == 200
    assert chosen.json()["auto_debit"] is True
    assert list(PaymentAccount.objects.filter(auto_debit=True)) == [bank]
    events = AuditEvent.objects.count()
    assert api.delete(f"{url(card)}auto-debit/").status_code == 204  # not the auto-debit one: nothing changes
    assert AuditEvent.objects.count() == events
    assert api.delete(f"{url(bank)}auto-debit/").status_code == 204
    assert not PaymentAccount.objects.filter(auto_debit=True).exists()
    assert AuditEvent.objects.filter(action="payment.auto_debit").latest("pk").changes == {
        "auto_debit": ["Checking account ending 6789", "none"]
    }
    assert api.post(f"{url(card)}auto-debit/", {"extra": 1}).status_code == 422


def test_payment_types_are_both_until_set(api_as, readonly, billing, grace):
    path = f"/api/v1/clients/{grace.pk}/payment-types/"
    assert api_as(readonly).get(path).json() == {"cards": True, "bank_accounts": True}
    api = api_as(billing)
    assert api.put(path, {"cards": True, "bank_accounts": False}).json() == {"cards": True, "bank_accounts": False}
    assert (ClientPaymentTypes.objects.get().cards, ClientPaymentTypes.objects.get().bank_accounts) == (True, False)
    response = api.put(path, {"cards": False})
    assert response.status_code == 422
    assert response.json()["errors"] == {"bank_accounts": ["This field is required."]}


# --- Edits based on a version ------------------------------------------------------------------


def test_an_edit_naming_an_old_version_is_refused_and_writes_nothing(api_as, billing, grace, make_card):
    card = make_card(grace)
    api = api_as(billing)
    read = api.get(url(card))
    old = read["ETag"]
    assert old
    changed = api.patch(url(card), {"expiry_month": 5}, format="json", HTTP_IF_MATCH=old)
    assert changed.status_code == 200
    assert changed["ETag"] != old
    before = writes()
    stale = api.patch(url(card), {"expiry_month": 7}, format="json", HTTP_IF_MATCH=old)
    assert stale.status_code == 409
    assert stale.json()["type"].endswith("edit-conflict")
    assert writes() == before
    card.refresh_from_db()
    assert card.expiry_month == 5
    fresh = api.patch(url(card), {"expiry_month": 7}, format="json", HTTP_IF_MATCH=changed["ETag"])
    assert fresh.status_code == 200


def test_an_if_match_that_is_no_version_of_the_account_is_412(api_as, billing, grace, make_card):
    card, other = make_card(grace), make_card(grace, number="5555555555554444")
    api = api_as(billing)
    assert api.patch(url(card), {"expiry_month": 5}, format="json", HTTP_IF_MATCH='"forged"').status_code == 412
    other_version = api.get(url(other))["ETag"]
    assert api.patch(url(card), {"expiry_month": 5}, format="json", HTTP_IF_MATCH=other_version).status_code == 412
