"""A new client's currency follows its country, where the company bills in that country's currency."""

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from clientdesk.clients.forms import ClientForm, country_default_currency
from clientdesk.clients.models import Client
from clientdesk.clients.tests.test_views import form_data
from clientdesk.core import geo

pytestmark = pytest.mark.django_db

EURO_AREA = ["AT", "BE", "BG", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR"]
EURO_AREA += ["IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK"]


# --- The table -------------------------------------------------------------------------------------


def test_every_currency_the_company_bills_in_has_its_countries():
    listed = geo.currency_countries()
    assert {c for c in settings.CLIENTDESK_CURRENCIES if not listed.get(c)} == set()


def test_the_table_names_real_countries_each_once():
    codes = [code for countries in geo.currency_countries().values() for code in countries]
    assert len(codes) == len(set(codes))
    assert [code for code in codes if not geo.is_country(code)] == []


@pytest.mark.parametrize("country", EURO_AREA)
def test_the_euro_area_pays_in_euros(country):
    assert geo.country_currency(country) == "EUR"


@pytest.mark.parametrize(
    ("country", "currency"),
    [("de", "EUR"), ("GB", "GBP"), ("JE", "GBP"), ("CH", "CHF"), ("LI", "CHF"), ("JP", "JPY"), ("PR", "USD")],
)
def test_a_country_pays_in_its_currency(country, currency):
    assert geo.country_currency(country) == currency


@pytest.mark.parametrize("country", ["MX", "CN", "", "ZZ", "Deutschland", None])
def test_a_country_not_listed_has_no_currency(country):
    assert geo.country_currency(country) is None


@pytest.mark.parametrize(
    ("country", "currency"), [("DE", "EUR"), ("SE", "SEK"), ("MX", "USD"), ("CN", "USD"), ("", "USD"), ("ZZ", "USD")]
)
def test_a_new_client_starts_with_its_countrys_currency_or_the_default(country, currency):
    assert country_default_currency(country) == currency


@override_settings(CLIENTDESK_CURRENCIES=["USD", "EUR"], CLIENTDESK_DEFAULT_CURRENCY="EUR")
def test_a_currency_the_company_does_not_bill_in_gives_the_default():
    assert country_default_currency("JP") == "EUR"
    assert country_default_currency("US") == "USD"


# --- Add client, on the server ---------------------------------------------------------------------


def add(web, **overrides):
    response = web.post(reverse("clients:client_add"), form_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Client.objects.get(email=form_data(**overrides)["email"])


GERMAN = {"country": "DE", "state": "DE-BE", "city": "Berlin", "postal_code": "10115", "phones-0-number": ""}


def test_a_currency_left_as_the_page_chose_it_follows_the_country(login_as, billing):
    client = add(login_as(billing), **GERMAN, currency="USD", currency_auto="USD")
    assert client.currency == "EUR"


def test_a_currency_left_at_the_default_follows_the_country_without_the_pages_hint(login_as, billing):
    client = add(login_as(billing), **GERMAN, currency="USD")  # a page from before: no currency_auto
    assert client.currency == "EUR"


def test_a_currency_the_staff_member_picked_is_kept(login_as, billing):
    client = add(login_as(billing), **GERMAN, currency="GBP", currency_auto="USD")
    assert client.currency == "GBP"


def test_the_default_currency_picked_after_the_page_moved_it_is_kept(login_as, billing):
    # The page moved the select to EUR for Germany, then the staff member chose USD.
    client = add(login_as(billing), **GERMAN, currency="USD", currency_auto="EUR")
    assert client.currency == "USD"


def test_a_country_whose_currency_the_company_does_not_bill_in_keeps_the_default(login_as, billing):
    mexican = {**GERMAN, "country": "MX", "state": "MX-CMX"}
    client = add(login_as(billing), **mexican, currency="USD", currency_auto="USD")
    assert client.currency == "USD"


def test_the_form_shown_again_after_an_error_shows_the_currency_it_will_save(login_as, billing):
    response = login_as(billing).post(
        reverse("clients:client_add"), form_data(**GERMAN, email="", currency="USD", currency_auto="USD")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'<option value="EUR" selected>EUR</option>', html)
    assert 'name="currency_auto" value="EUR"' in html


@override_settings(CLIENTDESK_DEFAULT_COUNTRY="SE")
def test_the_add_form_starts_with_the_default_countrys_currency(login_as, billing):
    html = login_as(billing).get(reverse("clients:client_add")).content.decode()
    assert '<option value="SEK" selected>SEK</option>' in html
    assert 'name="currency_auto" value="SEK"' in html
    assert 'aria-describedby="currency-follows"' in html
    assert 'id="currency-follows"' in html


def test_a_form_without_billing_settings_has_no_currency_to_follow():
    form = ClientForm(billing=False)
    assert "currency" not in form.fields
    assert "currency_auto" not in form.fields
    assert "hx-include" not in form.fields["country"].widget.attrs


# --- Edit client never changes the currency by itself ---------------------------------------------


def test_the_edit_form_has_no_currency_to_follow(login_as, billing, grace):
    html = login_as(billing).get(reverse("clients:client_edit", args=[grace.pk])).content.decode()
    assert "currency_auto" not in html
    assert "#id_currency" not in html  # the country's change sends no currency


def test_moving_a_client_to_another_country_keeps_its_currency(login_as, billing, grace):
    from clientdesk.clients.tests.test_views import loaded

    web = login_as(billing)
    data = form_data(**GERMAN, currency="USD", currency_auto="USD", loaded=loaded(web, grace))
    response = web.post(reverse("clients:client_edit", args=[grace.pk]), data)
    assert response.status_code == 302
    grace.refresh_from_db()
    assert (grace.country, grace.currency) == ("DE", "USD")


# --- The page: the country's change moves the currency select (htmx, out of band) -----------------


def state_options(web, **params):
    return web.get(reverse("clients:state_options"), params).content.decode()


def test_changing_the_country_moves_a_currency_the_desk_chose(login_as, billing):
    html = state_options(login_as(billing), country="DE", currency="USD", currency_auto="USD")
    assert '<option value="DE-BE">Berlin</option>' in html
    oob = re.search(r'<div hx-swap-oob="innerHTML:#id_currency">(.*?)</div>', html, re.S)
    assert oob
    assert '<option value="EUR" selected>EUR</option>' in oob[1]
    assert oob[1].count("<option") == len(settings.CLIENTDESK_CURRENCIES)
    assert '<input type="hidden" name="currency_auto" value="EUR" id="id_currency_auto" hx-swap-oob="true">' in html
    assert "Preferred currency changed to EUR." in html  # said aloud by the live region


def test_changing_to_a_country_with_the_same_currency_says_nothing(login_as, billing):
    html = state_options(login_as(billing), country="AT", currency="EUR", currency_auto="EUR")
    assert '<option value="EUR" selected>EUR</option>' in html
    assert "changed to" not in html


def test_changing_the_country_leaves_a_currency_the_staff_member_picked(login_as, billing):
    html = state_options(login_as(billing), country="DE", currency="GBP", currency_auto="USD")
    assert '<option value="DE-BE">Berlin</option>' in html
    assert "hx-swap-oob" not in html


def test_the_edit_page_country_change_sends_no_currency_and_gets_none(login_as, billing):
    html = state_options(login_as(billing), country="DE")
    assert "hx-swap-oob" not in html


def test_a_country_without_a_billed_currency_moves_the_select_back_to_the_default(login_as, billing):
    html = state_options(login_as(billing), country="MX", currency="EUR", currency_auto="EUR")
    assert '<option value="USD" selected>USD</option>' in html
    assert "Preferred currency changed to USD." in html
