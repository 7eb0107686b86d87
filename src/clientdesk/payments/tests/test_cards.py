"""Card and bank numbers against published test numbers: Luhn, brands, expiry, security codes, ABA checksums."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from clientdesk.payments import cards

# Test numbers the card networks and processors publish (none is a real card).
PUBLISHED = [
    ("4111111111111111", "visa"),
    ("4242424242424242", "visa"),
    ("4012888888881881", "visa"),
    ("4222222222222", "visa"),  # 13 digits
    ("5555555555554444", "mastercard"),
    ("5105105105105100", "mastercard"),
    ("2223003122003222", "mastercard"),  # 2-series
    ("2720992593319364", "mastercard"),  # top of the 2-series
    ("378282246310005", "amex"),
    ("371449635398431", "amex"),
    ("6011111111111117", "discover"),
    ("6011000990139424", "discover"),
    ("6445644564456445", "discover"),
    ("3530111333300000", "jcb"),
    ("3566002020360505", "jcb"),
    ("30569309025904", "diners"),
    ("38520000023237", "diners"),
    ("36227206271667", "diners"),
    ("6200000000000005", "unionpay"),
    ("6205500000000000004", "unionpay"),
    ("6759649826438453", "maestro"),
    ("6799990100000000019", None),  # Maestro UK range outside our table: refused as unknown
]


@pytest.mark.parametrize(("number", "brand"), PUBLISHED)
def test_published_test_numbers_pass_luhn_and_find_their_brand(number: str, brand: str | None) -> None:
    assert cards.luhn_valid(number)
    found = cards.detect_brand(number)
    assert (found.code if found else None) == brand


@pytest.mark.parametrize(
    "typed", ["4242 4242 4242 4242", "4242-4242-4242-4242", " 4242424242424242 ", "4242\t4242 4242-4242"]
)
def test_spaces_and_dashes_are_allowed(typed: str) -> None:
    card = cards.check_card_number(typed)
    assert card.digits == "4242424242424242"
    assert card.brand.code == "visa"
    assert card.last4 == "4242"


def test_a_card_never_shows_its_number_in_its_repr() -> None:
    card = cards.check_card_number("4242424242424242")
    assert "42424242" not in repr(card)
    assert "4242" in repr(card)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "required"),
        ("4242 4242 4242 424x", "invalid"),
        ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", "invalid"),  # Arabic-Indic digits are digits to Python, not to us
        ("4242.4242.4242.4242", "invalid"),
        ("42424242424", "length"),
        ("42424242424242424242", "length"),
        ("4242424242424241", "luhn"),
        ("9999999999999995", "brand"),  # Luhn-valid, no brand
        ("5555555555554", "brand"),  # Mastercard prefix, wrong length
    ],
)
def test_bad_card_numbers_are_refused_with_a_field_error(typed: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cards.check_card_number(typed)
    assert list(caught.value.error_dict) == ["number"]
    assert caught.value.error_dict["number"][0].code == code
    assert typed.strip() not in str(caught.value.message_dict) or not typed.strip()


TODAY = date(2026, 11, 25)


def test_expiry_this_month_or_later_is_accepted() -> None:
    assert cards.check_expiry(11, 2026, today=TODAY) == (11, 2026)
    assert cards.check_expiry("1", "27", today=TODAY) == (1, 2027)


@pytest.mark.parametrize(
    ("month", "year", "field"),
    [(10, 2026, "expiry_year"), (12, 2025, "expiry_year"), (13, 2027, "expiry_month"), (0, 2027, "expiry_month"),
     ("x", 2027, "expiry_month"), (1, 2099, "expiry_year")],
)  # fmt: skip
def test_bad_or_past_expiry_is_refused(month: object, year: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cards.check_expiry(month, year, today=TODAY)  # type: ignore[arg-type]
    assert list(caught.value.error_dict) == [field]


def test_security_code_has_four_digits_on_amex_and_three_elsewhere() -> None:
    amex = cards.check_card_number("378282246310005").brand
    visa = cards.check_card_number("4242424242424242").brand
    assert cards.check_security_code("1234", amex) == "1234"
    assert cards.check_security_code("123", visa) == "123"
    for code, brand in [("123", amex), ("1234", visa), ("12a", visa), ("", visa)]:
        with pytest.raises(ValidationError):
            cards.check_security_code(code, brand)


@pytest.mark.parametrize("routing", ["011000015", "021000021", "111000025", "0110-0001 5"])
def test_published_routing_numbers_pass_the_aba_checksum(routing: str) -> None:
    assert cards.check_routing_number(routing) == routing.replace("-", "").replace(" ", "")


@pytest.mark.parametrize(("routing", "code"), [("011000016", "checksum"), ("12345678", "length"), ("", "required")])
def test_bad_routing_numbers_are_refused(routing: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cards.check_routing_number(routing)
    assert caught.value.error_dict["routing_number"][0].code == code


def test_account_numbers_have_4_to_17_digits() -> None:
    assert cards.check_account_number("0001234") == "0001234"
    for bad in ["123", "1" * 18, "12-34-x"]:
        with pytest.raises(ValidationError):
            cards.check_account_number(bad)
