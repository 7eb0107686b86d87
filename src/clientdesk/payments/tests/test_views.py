"""The payment account pages: who may do what, the forms' rules, Show number, and nothing leaked."""

import re
from html import unescape

import pytest
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD
from clientdesk.payments import vault
from clientdesk.payments.models import ClientPaymentTypes, PaymentAccount

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NUMBER = "4111 1111 1111 1111"
DIGITS = "4111111111111111"


@pytest.fixture(autouse=True)
def _vault(vault_settings):
    """Every test here has its own vault."""


@pytest.fixture
def grace(make_client):
    return make_client(first_name="Grace", last_name="Hopper", city="Arlington", state="US-VA", postal_code="22201")


@pytest.fixture
def card(grace, make_card):
    return make_card(grace)


def url(name, client, account=None):
    return reverse(f"payments:{name}", args=[client.pk] if account is None else [client.pk, account.pk])


def card_data(**overrides):
    data = {
        "copy_from": "",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "country": "GB",
        "number": NUMBER,
        "expiry_month": "12",
        "expiry_year": "2031",
        "security_code": "737",
    }
    return {**data, **overrides}


def bank_data(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "country": "US",
        "account_type": "savings",
        "routing_number": "011000015",
        "account_number": "987654321",
    }
    return {**data, **overrides}


def primary(client):
    return client.contacts.get(contact_type="primary")


def payment_events():
    return AuditEvent.objects.filter(action__startswith="payment.")


# --- Who may do what ------------------------------------------------------------------------

GETS = ["account_list", "client_accounts", "card_add", "bank_add", "payment_types"]
ACCOUNT_GETS = ["account_edit", "account_delete", "account_reveal"]


@pytest.mark.parametrize("name", GETS + ACCOUNT_GETS)
def test_anonymous_is_sent_to_sign_in(client, card, name):
    target = url(name, card.client, card if name in ACCOUNT_GETS else None)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize("name", GETS + ACCOUNT_GETS)
def test_staff_without_a_role_gets_403(login_as, outsider, card, name):
    web = login_as(outsider)
    target = url(name, card.client, card if name in ACCOUNT_GETS else None)
    assert web.get(target).status_code == 403
    assert web.post(target, card_data()).status_code in (403, 405)


@pytest.mark.parametrize("persona", ["support", "readonly"])
def test_support_and_read_only_see_brand_and_last_four_only(request, login_as, card, persona):
    web = login_as(request.getfixturevalue(persona))
    page = web.get(url("account_list", card.client)).content.decode()
    widget = web.get(url("client_accounts", card.client), headers=HTMX).content.decode()
    for html in (page, widget):
        assert "Visa ending 4242" in html
        assert "4242424242424242" not in html
    assert "Show number" not in page
    assert url("card_add", card.client) not in page
    assert "/edit/" not in page
    assert "/delete/" not in page
    assert 'name="account"' not in page  # no auto-debit radios


@pytest.mark.parametrize("persona", ["support", "readonly"])
def test_support_and_read_only_cannot_add_change_delete_or_reveal(request, login_as, card, persona):
    web = login_as(request.getfixturevalue(persona))
    before = payment_events().count()
    client = card.client
    assert web.get(url("card_add", client)).status_code == 403
    assert web.post(url("card_add", client), card_data()).status_code == 403
    assert web.post(url("bank_add", client), bank_data()).status_code == 403
    assert web.post(url("account_edit", client, card), card_data()).status_code == 403
    assert web.post(url("account_delete", client, card)).status_code == 403
    assert web.post(url("account_reveal", client, card), {"secret": PASSWORD}).status_code == 403
    assert web.post(url("auto_debit", client), {"account": "none"}).status_code == 403
    assert web.post(url("payment_types", client), {}).status_code == 403
    assert PaymentAccount.objects.count() == 1
    assert payment_events().count() == before  # not even a refused reveal: they never got that far


def test_an_account_of_another_client_is_404(login_as, billing, card, make_client):
    other = make_client()
    web = login_as(billing)
    for name in ACCOUNT_GETS:
        assert web.get(reverse(f"payments:{name}", args=[other.pk, card.pk])).status_code == 404
    assert web.post(reverse("payments:account_delete", args=[other.pk, card.pk])).status_code == 404
    assert PaymentAccount.objects.filter(pk=card.pk).exists()


def test_the_profile_offers_payment_accounts_to_those_who_may_see_them(login_as, billing, readonly, card):
    profile = login_as(billing).get(card.client.get_absolute_url()).content.decode()
    assert url("client_accounts", card.client) in profile
    assert url("card_add", card.client) in profile
    assert url("bank_add", card.client) in profile
    profile = login_as(readonly).get(card.client.get_absolute_url()).content.decode()
    assert url("client_accounts", card.client) in profile
    assert url("card_add", card.client) not in profile


# --- Add CC account / Add ACH account -------------------------------------------------------


def test_billing_adds_a_card_copied_from_a_billing_contact(login_as, billing, grace, make_contact):
    payer = make_contact(grace, first_name="Paula", last_name="Payer", city="Boston", postal_code="02110")
    web = login_as(billing)
    response = web.post(url("card_add", grace), card_data(copy_from=str(payer.pk), first_name="Paula"))
    assert response.status_code == 302
    assert response["Location"] == url("account_list", grace)
    account = PaymentAccount.objects.get()
    assert (account.contact, account.brand, account.last4, account.auto_debit) == (payer, "visa", "1111", True)
    assert vault.open_sealed(account.sealed_number, vault.CARD_NUMBER) == DIGITS
    listing = web.get(url("account_list", grace)).content.decode()
    assert "The credit card account has been created." in listing
    assert "Visa ending 1111" in listing
    assert "Paula Payer" in listing


def test_copy_contact_information_fills_the_holder_in_place(login_as, billing, grace, make_contact):
    payer = make_contact(grace, first_name="Paula", last_name="Payer", address1="1 Main St", city="Boston")
    response = login_as(billing).post(
        url("card_add", grace), {"fill": "1", "copy_from": str(payer.pk), "number": NUMBER}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset class="card card-body" id="holder">')
    assert 'value="Paula"' in html
    assert 'value="1 Main St"' in html
    assert 'value="Boston"' in html
    assert "who will own this account" in html
    assert DIGITS not in html
    assert NUMBER not in html
    assert not PaymentAccount.objects.exists()


def test_copy_from_the_primary_contact_works_without_htmx(login_as, billing, grace):
    response = login_as(billing).post(url("bank_add", grace), {"fill": "1", "copy_from": str(primary(grace).pk)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Grace"' in html
    assert 'value="Arlington"' in html
    assert 'value="22201"' in html
    assert '<option value="US-VA" selected>' in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"number": "4111 1111 1111 1112"}, "number", "card number"),
        ({"number": "9999 9999 9999 9995"}, "number", ""),
        ({"expiry_year": "2020"}, "expiry_year", ""),
        ({"security_code": "12"}, "security_code", ""),
        ({"security_code": ""}, "security_code", "Enter the security code from the card."),
        ({"first_name": ""}, "first_name", "Enter the holder's first name."),
    ],
)
def test_a_bad_card_is_refused_with_its_field_error_and_nothing_written(
    login_as, billing, grace, overrides, field, message
):
    before = payment_events().count()
    response = login_as(billing).post(url("card_add", grace), card_data(**overrides))
    html = unescape(response.content.decode())
    assert response.status_code == 422
    tag = re.search(rf'<(?:input|select)[^>]*id="id_{field}"[^>]*>', html)
    assert tag
    assert "is-invalid" in tag.group(0)
    assert message in html
    assert not PaymentAccount.objects.exists()
    assert payment_events().count() == before
    # What was typed is not sent back: neither the number nor the security code.
    assert DIGITS not in html
    assert NUMBER not in html
    assert "737" not in html


def test_a_bad_bank_account_is_refused_with_field_errors(login_as, billing, grace):
    response = login_as(billing).post(
        url("bank_add", grace), bank_data(routing_number="011000016", account_number="12")
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "routing number" in html.lower()
    assert not PaymentAccount.objects.exists()
    assert "011000016" not in html


def test_billing_adds_a_bank_account(login_as, billing, grace):
    response = login_as(billing).post(url("bank_add", grace), bank_data())
    assert response.status_code == 302
    account = PaymentAccount.objects.get()
    assert account.label == "Savings account ending 4321"
    assert account.contact == primary(grace)  # "none" copied: the primary contact owns it
    assert vault.open_sealed(account.sealed_routing, vault.ROUTING) == "011000015"


def test_a_card_goes_to_the_merchant_gateway_when_it_stores_accounts(login_as, billing, grace, settings):
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    assert login_as(billing).post(url("card_add", grace), card_data()).status_code == 302
    account = PaymentAccount.objects.get()
    assert (account.storage, account.sealed_number) == ("offline_test", "")
    listing = login_as(billing).get(url("account_list", grace)).content.decode()
    assert "Offline test gateway" in listing
    assert account.gateway_token not in listing
    assert url("account_reveal", grace, account) not in listing


def test_a_type_the_client_does_not_accept_is_warned_about_but_still_works(login_as, billing, grace):
    web = login_as(billing)
    assert web.post(url("payment_types", grace), {"bank_accounts": "on"}).status_code == 302
    assert ClientPaymentTypes.objects.get(client=grace).cards is False
    assert "does not accept cards" in web.get(url("card_add", grace)).content.decode()
    assert web.post(url("card_add", grace), card_data()).status_code == 302


# --- Edit and delete ------------------------------------------------------------------------


def test_the_edit_form_shows_the_number_masked_and_keeps_it(login_as, billing, card):
    web = login_as(billing)
    html = web.get(url("account_edit", card.client, card)).content.decode()
    masked = re.search(r'name="number" value="([^"]+)"', html)
    assert masked
    assert masked.group(1).endswith("4242")
    assert "•" in masked.group(1)
    assert "4242424242424242" not in html
    sealed = card.sealed_number
    data = card_data(number=masked.group(1), expiry_month="3", expiry_year="2032", security_code="")
    assert web.post(url("account_edit", card.client, card), data).status_code == 302
    card.refresh_from_db()
    assert (card.expiry_month, card.expiry_year, card.sealed_number) == (3, 2032, sealed)
    assert (card.first_name, card.last_name) == ("Ada", "Lovelace")


def test_an_edit_with_a_new_number_replaces_it(login_as, billing, card):
    data = card_data(number="5555 5555 5555 4444", security_code="")
    assert login_as(billing).post(url("account_edit", card.client, card), data).status_code == 302
    card.refresh_from_db()
    assert card.label == "Mastercard ending 4444"
    assert vault.open_sealed(card.sealed_number, vault.CARD_NUMBER) == "5555555555554444"


def test_a_bank_account_edit_page_masks_both_numbers(login_as, billing, grace, make_bank):
    account = make_bank(grace)
    html = login_as(billing).get(url("account_edit", grace, account)).content.decode()
    assert "000123456789" not in html
    assert "011000015" not in html
    assert re.search(r'name="account_number" value="•+6789"', html)


def test_delete_asks_then_destroys_the_account(login_as, billing, card):
    web = login_as(billing)
    confirm = web.get(url("account_delete", card.client, card)).content.decode()
    assert "Delete Visa ending 4242?" in confirm
    assert "auto-debit" in confirm
    assert web.get(url("account_delete", card.client, card)).status_code == 200
    response = web.post(url("account_delete", card.client, card))
    assert response.status_code == 302
    assert not PaymentAccount.objects.exists()
    assert payment_events().filter(action="payment.delete").count() == 1


# --- Auto-debit and accepted types ----------------------------------------------------------


def test_auto_debit_moves_to_the_chosen_account_and_to_none(login_as, billing, grace, make_card, make_bank):
    first = make_card(grace)
    bank = make_bank(grace)
    web = login_as(billing)
    response = web.post(url("auto_debit", grace), {"account": str(bank.pk)}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "paymentAccountsChanged, clientChanged"
    assert re.search(rf'value="{bank.pk}" id="auto-debit-{bank.pk}" checked', response.content.decode())
    assert list(PaymentAccount.objects.filter(auto_debit=True)) == [bank]
    web.post(url("auto_debit", grace), {"account": "none"})
    assert not PaymentAccount.objects.filter(auto_debit=True).exists()
    first.refresh_from_db()
    assert first.auto_debit is False


def test_auto_debit_refuses_another_clients_account(login_as, billing, grace, make_client, make_card):
    mine = make_card(grace)
    theirs = make_card(make_client(), number="5555555555554444")
    web = login_as(billing)
    web.post(url("auto_debit", grace), {"account": str(theirs.pk)})
    mine.refresh_from_db()
    assert mine.auto_debit is True
    assert "no longer on file" in web.get(url("account_list", grace)).content.decode()


def test_accepted_types_are_saved_and_shown(login_as, billing, grace):
    web = login_as(billing)
    web.post(url("payment_types", grace), {"cards": "on"})
    types = ClientPaymentTypes.objects.get(client=grace)
    assert (types.cards, types.bank_accounts) == (True, False)
    assert "Bank accounts: not accepted" in web.get(url("account_list", grace)).content.decode()


# --- Show number ----------------------------------------------------------------------------


def test_show_number_after_the_password(login_as, billing, card):
    web = login_as(billing)
    form = web.get(url("account_reveal", card.client, card), headers=HTMX)
    assert "Your password" in form.content.decode()
    response = web.post(url("account_reveal", card.client, card), {"secret": PASSWORD}, headers=HTMX)
    assert response.status_code == 200
    assert "4242424242424242" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert payment_events().filter(action="payment.reveal").count() == 1


def test_show_number_with_a_wrong_password_is_refused_and_audited(login_as, billing, card):
    web = login_as(billing)
    response = web.post(url("account_reveal", card.client, card), {"secret": "wrong"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "That is not your password." in html
    assert "4242424242424242" not in html
    assert payment_events().filter(action="payment.reveal_refused").count() == 1


def test_show_number_asks_for_the_passphrase_when_one_is_set(login_as, billing, card):
    vault.rewrap(current_passphrase=None, new_passphrase="a long company passphrase")
    web = login_as(billing)
    assert "Company encryption passphrase" in web.get(url("account_reveal", card.client, card)).content.decode()
    refused = web.post(url("account_reveal", card.client, card), {"secret": PASSWORD})
    assert refused.status_code == 422
    shown = web.post(url("account_reveal", card.client, card), {"secret": "a long company passphrase"})
    assert "4242424242424242" in shown.content.decode()


def test_a_gateway_account_has_no_number_to_show(login_as, billing, grace, make_card, settings):
    settings.CLIENTDESK_MERCHANT_GATEWAY = "offline_test"
    account = make_card(grace)
    response = login_as(billing).post(url("account_reveal", grace, account), {"secret": PASSWORD})
    assert "cannot be shown here" in response.content.decode()
    assert not payment_events().filter(action__startswith="payment.reveal").exists()


# --- Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 6])
def test_the_list_and_widget_take_a_fixed_number_of_queries(
    login_as, billing, grace, make_card, make_contact, django_assert_num_queries, rows
):
    payer = make_contact(grace)
    numbers = ["4242424242424242", "5555555555554444", "378282246310005", "6011111111111117", "3530111333300000",
               "4012888888881881"]  # fmt: skip
    for number in numbers[:rows]:
        make_card(
            grace, number=number, copy_from=payer, security_code="1234" if number.startswith(("34", "37")) else "123"
        )
    web = login_as(billing)
    # session, staff member, their permissions (2), client, accounts with owners, payment types
    with django_assert_num_queries(7):
        page = web.get(url("account_list", grace))
    assert page.content.decode().count('name="account" value="') == rows + 1
    with django_assert_num_queries(6):
        widget = web.get(url("client_accounts", grace), headers=HTMX)
    assert widget.content.decode().count("list-group-item") == rows


def test_history_tells_what_happened_in_words_with_brand_and_last_four_only(login_as, billing, grace):
    web = login_as(billing)
    web.post(url("card_add", grace), card_data())
    account = PaymentAccount.objects.get()
    web.post(url("account_reveal", grace, account), {"secret": PASSWORD})
    web.post(url("account_delete", grace, account))
    history = web.get(reverse("clients:client_history", args=[grace.pk])).content.decode()
    for words in ("Added payment account", "Revealed account number", "Deleted payment account", "Visa ending 1111"):
        assert words in history
    assert DIGITS not in history
    assert "v1." not in history


def test_an_edit_of_an_account_someone_saved_meanwhile_is_refused(login_as, billing, card):
    web = login_as(billing)
    html = web.get(url("account_edit", card.client, card)).content.decode()
    loaded = re.search(r'name="loaded_at" value="([^"]+)"', html)
    assert loaded
    # Someone else changes the expiry meanwhile.
    web.post(url("account_edit", card.client, card), card_data(number="", expiry_month="5", loaded_at=loaded.group(1)))
    response = web.post(
        url("account_edit", card.client, card),
        card_data(number="", first_name="Zed", expiry_month="7", loaded_at=loaded.group(1)),
    )
    assert response.status_code == 409
    assert "Someone else saved this payment account after you opened this form." in unescape(response.content.decode())
    card.refresh_from_db()
    assert (card.first_name, card.expiry_month) == ("Ada", 5)
