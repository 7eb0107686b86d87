"""What a security probe sent the client pages: none of it may answer 500, be stored, or grow the server."""

import re

import pytest
from django.urls import reverse

from clientdesk.clients.models import Client, Contact
from clientdesk.clients.tests.test_views import HTMX, form_data
from clientdesk.core import geo

pytestmark = pytest.mark.django_db

TYPEAHEAD = {**HTMX, "HX-Target": "search-suggest"}

# NUL, other C0 controls (not tab, CR, LF), DEL and C1 controls: invisible, and NUL breaks PostgreSQL.
CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f"]


# --- Search past the end ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["2", "3", "99999999999999999999"])
def test_a_page_past_the_first_of_a_search_without_results_says_no_client_matches(login_as, readonly, number):
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": "zzzzqqqq", "page": number})
    assert response.status_code == 200
    assert "No client matches “zzzzqqqq”" in response.content.decode()


# --- Control characters -------------------------------------------------------------------


@pytest.mark.parametrize("char", CONTROL)
def test_the_search_box_ignores_control_characters(login_as, readonly, make_client, char):
    c = make_client(first_name="Unique", last_name="Zebra")
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": f"ze{char}bra"})
    assert response.status_code == 302
    assert response["Location"] == c.get_absolute_url()


@pytest.mark.parametrize("query", ["%00", "%2500", "a%00b%00c", "%00%00%00zebra", "%1B[31mred", "%C2%85%C2%9F"])
@pytest.mark.parametrize("headers", [{}, TYPEAHEAD], ids=["search box", "type-ahead"])
def test_a_search_holding_nul_and_escape_bytes_never_fails(login_as, readonly, query, headers):
    response = login_as(readonly).get(reverse("clients:client_search") + "?q=" + query, headers=headers)
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


@pytest.mark.parametrize("char", CONTROL)
def test_the_typeahead_ignores_control_characters(login_as, readonly, make_client, char):
    make_client(first_name="Unique", last_name="Zebra")
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": f"zeb{char}ra"}, headers=TYPEAHEAD)
    assert response.status_code == 200
    assert "Zebra" in response.content.decode()


@pytest.mark.parametrize("char", CONTROL)
def test_the_list_filters_ignore_control_characters(login_as, readonly, make_client, char):
    make_client(first_name="Grace", last_name="Hopper", company="Cobol Works")
    make_client(first_name="Alan", last_name="Turing", company="Bletchley")
    params = {"name": f"Gra{char}ce", "company": f"Co{char}bol", "email": f"{char}person", "sort": f"na{char}me"}
    response = login_as(readonly).get(reverse("clients:client_list"), params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Grace Hopper" in html
    assert "Alan Turing" not in html


@pytest.mark.parametrize("char", CONTROL)
def test_add_client_stores_no_control_character(login_as, billing, char):
    data = form_data(
        first_name=f"Gr{char}ace",
        company=f"Cobol{char} Works",
        city=f"Arling{char}ton",
        **{"phones-0-number": f"(202) 555-{char}0143", f"x{char}": "ignored"},
    )
    response = login_as(billing).post(reverse("clients:client_add"), data)
    assert response.status_code == 302
    client = Client.objects.get()
    contact = Contact.objects.get()
    assert (client.name, client.company, contact.city) == ("Grace Hopper", "Cobol Works", "Arlington")
    assert client.search_text.find(char) == -1
    assert contact.phone_numbers.get().number == "+12025550143"


@pytest.mark.parametrize("char", CONTROL)
def test_edit_client_stores_no_control_character(login_as, billing, grace, char):
    web = login_as(billing)
    url = reverse("clients:client_edit", args=[grace.pk])
    loaded = re.search(r'name="loaded" value="([^"]+)"', web.get(url).content.decode())
    assert loaded
    response = web.post(url, form_data(last_name=f"Hop{char}per-Mouse", loaded=loaded.group(1)))
    assert response.status_code == 302
    assert Contact.objects.get(client=grace).last_name == "Hopper-Mouse"


# --- Phone rows -----------------------------------------------------------------------------

BAD_TOTALS = ["abc", "1e2", "0x10", "-1", "99999999999999999999", "", " ", "٣", "1" * 5000, "\x00"]


@pytest.mark.parametrize("total", BAD_TOTALS)
@pytest.mark.parametrize("htmx", [False, True])
def test_add_another_number_with_a_bad_row_count_shows_the_form_again(login_as, billing, total, htmx):
    response = login_as(billing).post(
        reverse("clients:client_add"),
        form_data(add_phone="1", **{"phones-TOTAL_FORMS": total}),
        headers=HTMX if htmx else {},
    )
    html = response.content.decode()
    assert response.status_code == 200
    rows = len(re.findall(r'name="phones-\d+-number"', html))
    assert 1 <= rows <= 50
    assert not Client.objects.exists()


@pytest.mark.parametrize("total", BAD_TOTALS)
def test_edit_client_add_another_number_with_a_bad_row_count_shows_the_form_again(login_as, billing, grace, total):
    response = login_as(billing).post(
        reverse("clients:client_edit", args=[grace.pk]), form_data(add_phone="1", **{"phones-TOTAL_FORMS": total})
    )
    assert response.status_code == 200
    assert 1 <= len(re.findall(r'name="phones-\d+-number"', response.content.decode())) <= 50


def test_an_unreadable_row_count_keeps_the_numbers_already_typed(login_as, billing):
    response = login_as(billing).post(
        reverse("clients:client_add"),
        form_data(add_phone="1", **{"phones-TOTAL_FORMS": "abc", "phones-1-number": "555 0100"}),
    )
    html = response.content.decode()
    assert 'value="(202) 555-0143"' in html
    assert 'value="555 0100"' in html
    assert 'name="phones-2-number"' in html


# --- Country values and the caches of core.geo ----------------------------------------------


def geo_caches():
    return {name: f for name, f in vars(geo).items() if callable(f) and hasattr(f, "cache_info")}


@pytest.fixture
def empty_geo_caches():
    for f in geo_caches().values():
        f.cache_clear()


def test_every_cache_of_core_geo_has_a_bound():
    assert geo_caches()
    assert {name: f.cache_info().maxsize for name, f in geo_caches().items() if f.cache_info().maxsize is None} == {}


def bogus_countries(n):
    # Two characters (what the state-options view keeps), long strings, odd cases and near-misses.
    return [chr(0x4E00 + i) + "x" for i in range(n)] + ["x" * (1000 + i) for i in range(n)] + ["ZZ", "U", "0"]


def test_a_flood_of_bogus_countries_to_the_state_options_leaves_the_caches_small(login_as, billing, empty_geo_caches):
    web = login_as(billing)
    for country in bogus_countries(60):
        response = web.get(reverse("clients:state_options"), {"country": country})
        assert response.status_code == 200
        assert '<option value="">—</option>' in response.content.decode()
    assert web.get(reverse("clients:state_options"), {"country": "ca"}).content.decode().count("CA-") == 13
    assert {name: f.cache_info().currsize for name, f in geo_caches().items() if f.cache_info().currsize > 1} == {}


def test_a_flood_of_bogus_countries_to_add_client_leaves_the_caches_small(login_as, billing, empty_geo_caches):
    web = login_as(billing)
    for country in [*bogus_countries(20), "x" * 2_400_000]:
        response = web.post(reverse("clients:client_add"), form_data(country=country))
        assert response.status_code == 422
    assert not Client.objects.exists()
    # The form's own country list is one entry; no bogus value is cached.
    assert {name: f.cache_info().currsize for name, f in geo_caches().items() if f.cache_info().currsize > 1} == {}


def test_real_countries_are_cached_in_any_case_once_each(empty_geo_caches):
    assert geo.subdivision_choices("de") == geo.subdivision_choices("DE")
    assert ("DE-BY", "Bayern") in geo.subdivision_choices("De")
    assert geo.subdivision_choices("XX") == []
    assert geo.country_name("de") == "Germany"
    assert geo.country_name("x" * 100) == "x" * 100
    assert geo.subdivision_name("DE-BY") == "Bayern"
    assert geo.subdivision_name("de-by") == "Bayern"
    assert geo.subdivision_name("DE-XX") == "DE-XX"
    assert geo.is_country("de")
    assert not geo.is_country("ß")
    assert geo.is_subdivision_of("DE-BY", "DE")
    assert not geo.is_subdivision_of("DE-BY", "AT")
