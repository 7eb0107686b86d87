"""Phone numbers: parse what staff type, store E.164, show it nicely, search it by digits."""

import phonenumbers
from django.core.exceptions import ValidationError


def _country_words(region: str) -> str:
    from clientdesk.core.geo import country_name

    name = country_name(region)
    return f"the {name}" if name.startswith(("United", "Netherlands", "Czech", "Philippines")) else name


_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.NOT_A_NUMBER: "“%(number)s” is not a phone number: type its digits.",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "“%(number)s” is too short to be a phone number.",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "“%(number)s” is too short to be a phone number.",
    phonenumbers.NumberParseException.TOO_LONG: "“%(number)s” is too long to be a phone number.",
}


def to_e164(raw: str, country: str, *, also_likely: str = "") -> str:
    """Parse `raw` as typed by staff (national format for `country`, or +international) to E.164.

    A national number read for `country` that is also a valid number of `also_likely` (the company's
    own country) is refused with both readings: staff then type the country code, and a US number
    typed for a UK contact is never silently stored as a London one.
    """
    text = (raw or "").strip()
    region = (country or "").upper()
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            message = (
                "“%(number)s” does not start with a country calling code."
                if text.startswith("+")
                else "Type “%(number)s” with its country code (+…): the contact has no country to read it for."
            )
        else:
            message = _PARSE_PROBLEMS.get(exc.error_type, "“%(number)s” is not a phone number.")
        raise ValidationError(message, code="invalid_phone", params={"number": text}) from exc
    if not phonenumbers.is_valid_number(parsed):
        where = "" if text.startswith("+") or not region else f" in {_country_words(region)}"
        raise ValidationError(
            "%(number)s is not a valid phone number%(where)s.",
            code="invalid_phone",
            params={"number": text, "where": where},
        )
    likely = (also_likely or "").upper()
    if likely and likely != region and not text.startswith("+"):
        try:
            other = phonenumbers.parse(text, likely)
        except phonenumbers.NumberParseException:
            other = None
        if other is not None and phonenumbers.is_valid_number(other):
            intl = phonenumbers.PhoneNumberFormat.INTERNATIONAL
            raise ValidationError(
                "“%(number)s” was read as a number in %(here)s (%(as_here)s), but it is also a valid number in "
                "%(there)s (%(as_there)s). Type it with its country code to say which.",
                code="ambiguous_phone",
                params={
                    "number": text,
                    "here": _country_words(region),
                    "as_here": phonenumbers.format_number(parsed, intl),
                    "there": _country_words(likely),
                    "as_there": phonenumbers.format_number(other, intl),
                },
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
