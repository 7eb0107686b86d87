"""Countries (ISO 3166-1) and their subdivisions (ISO 3166-2), from pycountry.

Every cache here has a bound, and only real ISO codes reach one: a value is checked against the
code lists (built once) before it is looked up, so a flood of made-up country strings posted to a
form costs nothing that stays behind.
"""

from functools import lru_cache

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
