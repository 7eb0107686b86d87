"""Phone numbers as staff type them: clear messages, and no number silently read in the wrong country."""

import pytest
from django.core.exceptions import ValidationError

from clientdesk.clients.phones import to_e164


def message(raw, country, **kwargs):
    with pytest.raises(ValidationError) as exc:
        to_e164(raw, country, **kwargs)
    return exc.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+999 123", "US", "“+999 123” does not start with a country calling code."),
        ("call me", "US", "“call me” is not a phone number: type its digits."),
        ("12", "US", "12 is not a valid phone number in the United States."),
        ("+1 202", "GB", "+1 202 is not a valid phone number."),
        ("0123 456 789 012 345 678 9", "GB", "too long to be a phone number"),
    ],
)
def test_a_number_that_cannot_be_read_says_why(raw, country, expected):
    assert expected in message(raw, country)


def test_a_us_number_typed_for_a_uk_contact_is_not_stored_as_a_london_number():
    text = message("203 555 0143", "GB", also_likely="US")
    assert "read as a number in the United Kingdom (+44 20 3555 0143)" in text
    assert "also a valid number in the United States (+1 203-555-0143)" in text
    assert "country code" in text


def test_typed_with_its_country_code_the_same_number_is_taken():
    assert to_e164("+1 202 555 0143", "GB", also_likely="US") == "+12025550143"


def test_a_national_number_valid_only_in_the_contacts_country_is_taken():
    assert to_e164("020 7946 0958", "GB", also_likely="US") == "+442079460958"
    assert to_e164("(202) 555-0143", "US", also_likely="US") == "+12025550143"


def test_the_contact_form_shows_the_reading_to_the_staff_member(login_as, billing):
    from django.urls import reverse

    from clientdesk.clients.models import Client

    data = {
        "first_name": "Ann",
        "last_name": "Hopper",
        "email": "ann@example.test",
        "country": "GB",
        "currency": "GBP",
        "language": "en",
        "invoice_method": "email",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-type": "phone",
        "phones-0-location": "work",
        "phones-0-number": "203 555 0143",
    }
    response = login_as(billing).post(reverse("clients:client_add"), data)
    assert response.status_code == 422
    assert "also a valid number in the United States" in response.content.decode()
    assert not Client.objects.exists()
