"""Postal addresses laid out per country (core.geo.address_lines) and the `postal_address` filter."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template

from clientdesk.core.geo import address_lines


def lines(**fields):
    return address_lines(**fields)


def test_a_german_address_puts_the_postal_code_before_the_city_and_leaves_out_the_land():
    assert lines(
        name="Jürgen Müller",
        company="Müller GmbH",
        address1="Hauptstraße 5",
        city="Berlin",
        state_code="DE-BE",
        postal_code="10115",
        country_code="DE",
    ) == ["Jürgen Müller", "Müller GmbH", "Hauptstraße 5", "10115 Berlin", "Germany"]


def test_a_uk_address_gives_the_postcode_a_line_of_its_own():
    assert lines(
        address1="10 Downing Street", city="London", state_code="GB-LND", postal_code="SW1A 2AA", country_code="GB"
    ) == ["10 Downing Street", "London", "SW1A 2AA", "United Kingdom"]


def test_a_us_address_writes_the_state_as_its_abbreviation():
    assert lines(
        address1="1 Harbor Way",
        address2="Suite 100",
        city="Arlington",
        state_code="US-VA",
        postal_code="22201",
        country_code="US",
    ) == ["1 Harbor Way", "Suite 100", "Arlington, VA 22201", "United States"]


def test_a_japanese_address_in_japanese_starts_with_the_postal_code_and_the_prefecture():
    assert lines(
        name="山田太郎",
        company="山田商事",
        address1="渋谷2-21-1",
        city="渋谷区",
        state_code="JP-13",
        postal_code="150-0002",
        country_code="JP",
    ) == ["〒150-0002", "東京都", "渋谷区", "渋谷2-21-1", "山田商事", "山田太郎", "Japan"]


def test_a_japanese_address_in_latin_letters_names_the_prefecture_in_latin_letters():
    assert lines(
        address1="2-21-1 Shibuya", city="Shibuya-ku", state_code="JP-13", postal_code="150-0002", country_code="JP"
    ) == ["2-21-1 Shibuya", "Shibuya-ku, Tokyo", "150-0002", "Japan"]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {"address1": "1 Queen St", "city": "Toronto", "state_code": "CA-ON", "postal_code": "M5H 2N2"},
            ["1 Queen St", "Toronto ON M5H 2N2", "Canada"],
            id="canada",
        ),
        pytest.param(
            {"address1": "Via Roma 1", "city": "Milano", "state_code": "IT-MI", "postal_code": "20121"},
            ["Via Roma 1", "20121 Milano MI", "Italy"],
            id="italy-province-code",
        ),
        pytest.param(
            {"address1": "Calle Mayor 1", "city": "Madrid", "state_code": "ES-M", "postal_code": "28013"},
            ["Calle Mayor 1", "28013 Madrid", "Spain"],
            id="spain-province-named-once",
        ),
        pytest.param(
            {"address1": "Bahnhofstrasse 1", "city": "Zürich", "state_code": "CH-ZH", "postal_code": "8001"},
            ["Bahnhofstrasse 1", "CH-8001 Zürich", "Switzerland"],
            id="switzerland-prefix",
        ),
    ],
)
def test_other_countries_follow_their_own_format(fields, expected):
    country = expected[-1]
    codes = {"Canada": "CA", "Italy": "IT", "Spain": "ES", "Switzerland": "CH"}
    assert lines(**fields, country_code=codes[country]) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"city": "Arlington", "state_code": "US-VA"}, ["Arlington, VA", "United States"], id="no-zip"),
        pytest.param({"postal_code": "22201"}, ["22201", "United States"], id="zip-only"),
        pytest.param({"address1": "1 Harbor Way"}, ["1 Harbor Way", "United States"], id="street-only"),
        pytest.param({}, ["United States"], id="country-only"),
        pytest.param(
            {"city": "Arlington", "postal_code": "22201"}, ["Arlington 22201", "United States"], id="blank-state"
        ),
        pytest.param(
            {"city": "Arlington", "state_code": "US-ZZ", "postal_code": "22201"},
            ["Arlington, ZZ 22201", "United States"],
            id="unknown-state-shown-as-stored",
        ),
        pytest.param(
            {"city": "Arlington", "state_code": "CA-ON", "postal_code": "22201"},
            ["Arlington, Ontario 22201", "United States"],
            id="another-countrys-state-by-its-name",
        ),
    ],
)
def test_missing_parts_leave_no_blank_line_or_stray_separator(fields, expected):
    assert lines(**fields, country_code="US") == expected


def test_a_city_or_postal_code_the_format_has_no_place_for_still_shows():
    # Hong Kong's format has no postal code; Singapore's no city (its name is in the format).
    assert lines(address1="1 Nathan Rd", city="Kowloon", postal_code="999077", country_code="HK") == [
        "1 Nathan Rd",
        "Kowloon",
        "999077",
        "Hong Kong",
    ]
    assert lines(address1="1 Raffles Place", city="Singapore", postal_code="048616", country_code="SG") == [
        "1 Raffles Place",
        "SINGAPORE 048616",
        "Singapore",
    ]


@pytest.mark.parametrize("country", ["", "ZZ", "zz", "XX", "USA", "ß", "x" * 10_000, None])
def test_odd_data_never_raises_and_falls_back_to_a_plain_layout(country):
    result = lines(
        address1="1 Main St", city="Springfield", state_code="US-IL", postal_code="62701", country_code=country
    )
    assert result[:2] == ["1 Main St", "Springfield, Illinois 62701"]
    assert len(result) == (2 if not country else 3)


def test_odd_values_never_raise():
    assert lines(address1=None, city=None, state_code=None, postal_code=None, country_code=None) == []
    assert lines(address1="  two \n lines ", city="x", state_code="US-" + "9" * 500, country_code="us") == [
        "two lines",
        "x, " + "9" * 500,
        "United States",
    ]


def test_a_failure_inside_the_layout_falls_back_to_the_plain_one(monkeypatch):
    from clientdesk.core import geo

    def broken(*args, **kwargs):
        raise RuntimeError("bad data")

    monkeypatch.setattr(geo, "_country_lines", broken)
    assert lines(address1="Hauptstraße 5", city="Berlin", postal_code="10115", country_code="DE") == [
        "Hauptstraße 5",
        "Berlin, 10115",
        "Germany",
    ]


# --- The template filter -----------------------------------------------------------------------------


def render(contact, arg=""):
    template = Template("{% load desk %}{{ contact|postal_address" + (f':"{arg}"' if arg else "") + " }}")
    return template.render(Context({"contact": contact}))


def contact(**fields):
    defaults = dict.fromkeys(
        ("first_name", "last_name", "company", "address1", "address2", "city", "state", "postal_code", "country"), ""
    )
    return SimpleNamespace(**{**defaults, **fields})


def test_the_filter_joins_the_lines_with_br():
    berlin = contact(address1="Hauptstraße 5", city="Berlin", postal_code="10115", country="DE")
    assert render(berlin) == "Hauptstraße 5<br>10115 Berlin<br>Germany"


def test_the_filter_escapes_every_line():
    hostile = contact(address1="<script>alert(1)</script>", city="A & B", postal_code='"1"', country="GB")
    html = render(hostile)
    assert "<script>" not in html
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt;<br>A &amp; B<br>&quot;1&quot;<br>United Kingdom"


def test_the_filter_adds_the_name_and_company_only_when_asked():
    ann = contact(first_name="Ann", last_name="Lee", company="Lee & Co", address1="1 Main St", country="GB")
    assert render(ann) == "1 Main St<br>United Kingdom"
    assert render(ann, "with_name") == "Ann Lee<br>Lee &amp; Co<br>1 Main St<br>United Kingdom"
