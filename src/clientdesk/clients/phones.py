"""Phone numbers: parse what staff type, store E.164, show it nicely, search it by digits."""

import phonenumbers
from django.core.exceptions import ValidationError


def to_e164(raw: str, country: str) -> str:
    """Parse `raw` as typed by staff (national format for `country`, or +international) to E.164."""
    text = (raw or "").strip()
    try:
        parsed = phonenumbers.parse(text, (country or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            "Enter a phone number in national format for the contact's country, or starting with +.",
            code="invalid_phone",
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            "%(number)s is not a valid phone number%(where)s.",
            code="invalid_phone",
            params={"number": text, "where": f" for {country.upper()}" if country and not text.startswith("+") else ""},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str, country: str = "") -> str:
    """National format when the number is from `country`, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(parsed)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if country and region == country.upper()
        else (phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )
    return phonenumbers.format_number(parsed, fmt)


def search_digits(e164: str) -> list[str]:
    """The digit strings a number is found by: full international digits and national digits."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ["".join(ch for ch in e164 if ch.isdigit())]
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    variants = ["".join(ch for ch in e164 if ch.isdigit()), "".join(ch for ch in national if ch.isdigit())]
    return list(dict.fromkeys(v for v in variants if v))
