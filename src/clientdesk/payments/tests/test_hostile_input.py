"""Hostile input on the payment account pages: markup shows literally, odd numbers are field errors, never a 500."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from clientdesk.payments.models import PaymentAccount

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(1)> {{ 7*7 }} O\'Brien "Q"'


@pytest.fixture(autouse=True)
def _vault(vault_settings):
    """This test's own vault."""


@pytest.fixture
def hostile_card(make_client, make_card):
    from clientdesk.payments.actions import HolderData

    client = make_client()
    return make_card(client, holder=HolderData(first_name=HOSTILE[:100], last_name="Lee", city=HOSTILE[:100]))


@pytest.mark.parametrize(
    "name", ["account_list", "client_accounts", "account_edit", "account_delete", "account_reveal", "history"]
)
def test_a_hostile_holder_shows_literally_everywhere(login_as, admin, hostile_card, name):
    client = hostile_card.client
    if name == "history":
        target = reverse("clients:client_history", args=[client.pk])
    elif name in ("account_list", "client_accounts"):
        target = reverse(f"payments:{name}", args=[client.pk])
    else:
        target = reverse(f"payments:{name}", args=[client.pk, hostile_card.pk])
    html = login_as(admin).get(target).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert ">49<" not in html
    if name != "account_reveal":
        assert escape(HOSTILE[:40]) in html


@pytest.mark.parametrize(
    "number",
    [
        "\uff14\uff12" * 8,  # full-width digits
        "4242 4242 4242 4242 " * 500,  # far too long
        "4242424242424242\u200b",  # a zero-width space
        "42424242424242424242424242424242424242",  # digits, too many
        "0x4242424242424242",
        "4242.4242.4242.4242",
        "' OR 1=1 --",
    ],
)
def test_odd_card_numbers_are_field_errors(login_as, billing, make_client, number):
    client = make_client()
    data = {"first_name": "Ann", "last_name": "Lee", "number": number, "expiry_month": "12", "expiry_year": "2031",
            "security_code": "123"}  # fmt: skip
    response = login_as(billing).post(reverse("payments:card_add", args=[client.pk]), data)
    assert response.status_code == 422
    assert 'id="id_number"' in response.content.decode()
    assert "is-invalid" in response.content.decode()
    assert not PaymentAccount.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("expiry_month", "13"), ("expiry_month", "-1"), ("expiry_year", "99999"), ("country", "XX"), ("state", "US-ZZ")],
)
def test_odd_choices_are_field_errors(login_as, billing, make_client, field, value):
    client = make_client()
    data = {"first_name": "Ann", "last_name": "Lee", "number": "4242424242424242", "expiry_month": "12",
            "expiry_year": "2031", "security_code": "123", "country": "US", field: value}  # fmt: skip
    response = login_as(billing).post(reverse("payments:card_add", args=[client.pk]), data)
    assert response.status_code == 422
    assert not PaymentAccount.objects.exists()


def test_a_copy_from_naming_another_clients_contact_copies_nothing(login_as, billing, make_client):
    mine, theirs = make_client(), make_client(first_name="Secret", city="Hidden")
    stranger = theirs.contacts.get()
    response = login_as(billing).post(
        reverse("payments:card_add", args=[mine.pk]), {"fill": "1", "copy_from": str(stranger.pk)}
    )
    html = response.content.decode()
    assert "Secret" not in html
    assert "Hidden" not in html
