"""Countries (ISO 3166-1) and their subdivisions (ISO 3166-2), from pycountry."""

from functools import cache

import pycountry


@cache
def country_choices() -> list[tuple[str, str]]:
    """Every country as (alpha-2, name), sorted by name."""
    return sorted(((c.alpha_2, getattr(c, "common_name", c.name)) for c in pycountry.countries), key=lambda c: c[1])


@cache
def country_name(code: str) -> str:
    """The country's common name, or the code itself when unknown."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def is_country(code: str) -> bool:
    """True when `code` is an ISO 3166-1 alpha-2 code."""
    return bool(code) and pycountry.countries.get(alpha_2=code.upper()) is not None


@cache
def subdivision_choices(country: str) -> list[tuple[str, str]]:
    """The country's ISO 3166-2 subdivisions as (code, name), sorted by name."""
    if not is_country(country):
        return []
    subdivisions = pycountry.subdivisions.get(country_code=country.upper()) or []
    return sorted(((s.code, s.name) for s in subdivisions), key=lambda s: s[1])


def is_subdivision_of(code: str, country: str) -> bool:
    """True when `code` is an ISO 3166-2 subdivision of `country`."""
    return any(code == c for c, _ in subdivision_choices(country))


@cache
def subdivision_name(code: str) -> str:
    """The subdivision's name, or the code itself when unknown."""
    subdivision = pycountry.subdivisions.get(code=code) if code else None
    return subdivision.name if subdivision else code
