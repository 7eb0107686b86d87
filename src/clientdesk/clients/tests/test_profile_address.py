"""The client profile lays the primary contact's address out for its country."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def address_block(html: str) -> str:
    """The lines of the profile's <address>, joined by <br> (the whitespace around them dropped)."""
    match = re.search(r"<address[^>]*>(.*?)</address>", html, re.S)
    assert match, "the profile shows an address"
    return "<br>".join(line.strip() for line in match[1].split("<br>") if line.strip())


def test_the_profile_shows_a_german_address_postal_code_first(login_as, readonly, make_client):
    client = make_client(
        first_name="Jürgen",
        last_name="Müller",
        address1="Hauptstraße 5",
        city="Berlin",
        state="DE-BE",
        postal_code="10115",
        country="DE",
    )
    html = login_as(readonly).get(reverse("clients:client_detail", args=[client.pk])).content.decode()
    assert address_block(html) == "Hauptstraße 5<br>10115 Berlin<br>Germany"


def test_the_profile_shows_a_us_address_with_the_state_abbreviation(login_as, readonly, grace):
    html = login_as(readonly).get(reverse("clients:client_detail", args=[grace.pk])).content.decode()
    assert address_block(html) == "Arlington, VA 22201<br>United States"


def test_the_profile_escapes_the_address(login_as, readonly, make_client):
    client = make_client(address1="<b>1 Main St</b>", city="A&B", country="GB")
    html = login_as(readonly).get(reverse("clients:client_detail", args=[client.pk])).content.decode()
    assert address_block(html) == "&lt;b&gt;1 Main St&lt;/b&gt;<br>A&amp;B<br>United Kingdom"
