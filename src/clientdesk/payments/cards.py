"""Card and bank numbers as staff type them: cleaned, checked (Luhn, brand, expiry, ABA checksum), never kept.

Nothing here stores or logs a number: these functions take what was typed and say whether it will do.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.us import rtn


@dataclass(frozen=True)
class Brand:
    """A card brand: its name, the IIN prefixes (as inclusive ranges of their leading digits) and lengths."""

    code: str
    label: str
    prefixes: tuple[tuple[int, int], ...]
    lengths: tuple[int, ...]

    def matches(self, digits: str) -> bool:
        """Whether a number of these digits is this brand's (prefix and length)."""
        if len(digits) not in self.lengths:
            return False
        for low, high in self.prefixes:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return True
        return False


# Most specific first: Discover's UnionPay co-brand range before UnionPay, Maestro's before Mastercard's.
BRANDS: tuple[Brand, ...] = (
    Brand("amex", "American Express", ((34, 34), (37, 37)), (15,)),
    Brand("diners", "Diners Club", ((300, 305), (3095, 3095), (36, 36), (38, 39)), (14, 15, 16, 17, 18, 19)),
    Brand("jcb", "JCB", ((3528, 3589),), (16, 17, 18, 19)),
    Brand(
        "discover",
        "Discover",
        ((6011, 6011), (622126, 622925), (644, 649), (65, 65)),
        (16, 17, 18, 19),
    ),
    Brand("unionpay", "UnionPay", ((62, 62), (81, 81)), (16, 17, 18, 19)),
    Brand(
        "maestro",
        "Maestro",
        ((5018, 5018), (5020, 5020), (5038, 5038), (5893, 5893), (6304, 6304), (6759, 6759), (6761, 6763)),
        (12, 13, 14, 15, 16, 17, 18, 19),
    ),
    Brand("mastercard", "Mastercard", ((51, 55), (2221, 2720)), (16,)),
    Brand("visa", "Visa", ((4, 4),), (13, 16, 19)),
)
BRAND_LABELS = {brand.code: brand.label for brand in BRANDS}

SEPARATORS = re.compile(r"[\s\-]+")


def _refuse(field: str, message: str, code: str) -> ValidationError:
    """A field error carrying its code (tests and the API tell refusals apart by it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def digits_of(value: str, field: str, *, what: str) -> str:
    """The digits of a number typed with spaces or dashes; anything else is refused (keyed by `field`)."""
    digits = SEPARATORS.sub("", value or "")
    if not digits:
        raise _refuse(field, f"Enter the {what}.", "required")
    if not digits.isascii() or not digits.isdigit():
        raise _refuse(field, f"The {what} has only digits (spaces and dashes are fine).", "invalid")
    return digits


def luhn_valid(digits: str) -> bool:
    """Whether the digits pass the Luhn check (the last digit is the check digit)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def detect_brand(digits: str) -> Brand | None:
    """The brand a card number belongs to, from its prefix and length; None when no brand fits."""
    return next((brand for brand in BRANDS if brand.matches(digits)), None)


@dataclass(frozen=True)
class CheckedCard:
    """A card number that will do: its digits (kept only in memory), brand and last four."""

    digits: str
    brand: Brand

    @property
    def last4(self) -> str:
        """The last four digits, the only part ever shown."""
        return self.digits[-4:]

    def __repr__(self) -> str:  # never the number, should this land in a log or a traceback
        return f"CheckedCard(brand={self.brand.code!r}, last4={self.last4!r})"


def check_card_number(value: str, field: str = "number") -> CheckedCard:
    """The card number, cleaned and checked: digits, Luhn, a known brand (field errors keyed by `field`)."""
    digits = digits_of(value, field, what="card number")
    if not 12 <= len(digits) <= 19:
        raise _refuse(field, "A card number has 12 to 19 digits.", "length")
    if not luhn_valid(digits):
        raise _refuse(field, "This card number is not valid: check it for a mistyped digit.", "luhn")
    brand = detect_brand(digits)
    if brand is None:
        raise _refuse(field, "The card type is not one we accept, or could not be determined.", "brand")
    return CheckedCard(digits=digits, brand=brand)


def check_expiry(month: int | str, year: int | str, *, today: date | None = None) -> tuple[int, int]:
    """The expiry (month, four-digit year), refused when not a real month or already past."""
    today = today or date.today()
    try:
        month_number, year_number = int(month), int(year)
    except (TypeError, ValueError):
        raise _refuse("expiry_month", "Choose the month and year the card expires.", "invalid") from None
    if year_number < 100:
        year_number += 2000
    if not 1 <= month_number <= 12:
        raise _refuse("expiry_month", "Choose a month from 1 to 12.", "invalid")
    if (year_number, month_number) < (today.year, today.month):
        raise _refuse("expiry_year", "This card has expired.", "expired")
    if year_number > today.year + 20:
        raise _refuse("expiry_year", "Check the year: cards expire within 20 years.", "invalid")
    return month_number, year_number


def check_security_code(value: str, brand: Brand, field: str = "security_code") -> str:
    """The card's security code, checked for shape only (4 digits on American Express, else 3)."""
    code = (value or "").strip()
    expected = 4 if brand.code == "amex" else 3
    if not code:
        raise _refuse(field, "Enter the security code from the card.", "required")
    if not (code.isascii() and code.isdigit() and len(code) == expected):
        raise _refuse(field, f"The security code of a {brand.label} card has {expected} digits.", "invalid")
    return code


def check_routing_number(value: str, field: str = "routing_number") -> str:
    """A US bank routing (ABA) number: nine digits with a valid checksum."""
    digits = digits_of(value, field, what="routing number")
    if len(digits) != 9:
        raise _refuse(field, "A routing number has 9 digits.", "length")
    try:
        return str(rtn.validate(digits))
    except StdnumValidationError:
        raise _refuse(field, "This routing number is not valid: check it for a mistyped digit.", "checksum") from None


def check_account_number(value: str, field: str = "account_number") -> str:
    """A bank account number: 4 to 17 digits."""
    digits = digits_of(value, field, what="account number")
    if not 4 <= len(digits) <= 17:
        raise _refuse(field, "A bank account number has 4 to 17 digits.", "length")
    return digits
