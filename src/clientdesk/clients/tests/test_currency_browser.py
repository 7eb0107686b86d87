"""Add client in real Chromium: the currency select follows the country until the staff member picks one."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clientdesk.clients.models import Client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_contact(page, email):
    page.get_by_label("First name").fill("Greta")
    page.get_by_label("Last name").fill("Lindqvist")
    page.get_by_role("textbox", name="Email").fill(email)


def test_the_currency_follows_the_country_and_is_saved(page, sign_in, billing, check_a11y):
    sign_in(billing)
    page.goto(reverse("clients:client_add"))
    currency = page.get_by_label("Preferred currency")
    expect(currency).to_have_value("USD")
    fill_contact(page, "greta@follows.example")
    page.get_by_label("Country").select_option("SE")
    expect(currency).to_have_value("SEK")
    expect(page.locator("#currency-status")).to_have_text("Preferred currency changed to SEK.")
    page.get_by_label("Country").select_option("DE")
    expect(page.locator("#id_state option[value='DE-BE']")).to_have_count(1)
    expect(currency).to_have_value("EUR")
    check_a11y(page)
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("heading", name="Client #1500")).to_be_visible()
    assert Client.objects.get(email="greta@follows.example").currency == "EUR"


def test_a_currency_the_staff_member_picked_stays_when_the_country_changes(page, sign_in, billing):
    sign_in(billing)
    page.goto(reverse("clients:client_add"))
    fill_contact(page, "greta@picked.example")
    page.get_by_label("Country").select_option("DE")
    currency = page.get_by_label("Preferred currency")
    expect(currency).to_have_value("EUR")
    currency.select_option("USD")
    page.get_by_label("Country").select_option("CH")
    expect(page.locator("#id_state option[value='CH-ZH']")).to_have_count(1)
    expect(currency).to_have_value("USD")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("heading", name="Client #1500")).to_be_visible()
    assert Client.objects.get(email="greta@picked.example").currency == "USD"
