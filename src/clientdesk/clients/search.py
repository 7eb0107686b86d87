"""The text the client search matches, and how a query is turned into conditions on it.

Every client carries `search_text`: its id code and, for every contact, full name, company,
email, address line 1 and phone digits, normalised (lower-case, accents removed, whitespace
collapsed). On PostgreSQL a trigram GIN index serves `LIKE '%term%'` on it; SQLite scans.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MIN_SUBSTRING = 3
SEPARATOR = " | "
_PHONE_LIKE = re.compile(r"^[\d\s()+\-./]+$")


def normalise(text: str) -> str:
    """Lower-case, strip accents, collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def build_search_text(id_code: str, contacts: Iterable[object]) -> str:
    """The search text of a client from its id code and contacts (with `phone_numbers` loaded)."""
    from clientdesk.clients.phones import search_digits

    parts = [id_code]
    for contact in contacts:
        parts += [
            f"{contact.first_name} {contact.last_name}",  # type: ignore[attr-defined]
            contact.company,  # type: ignore[attr-defined]
            contact.email,  # type: ignore[attr-defined]
            contact.address1,  # type: ignore[attr-defined]
        ]
        for phone in contact.phone_numbers.all():  # type: ignore[attr-defined]
            parts += search_digits(phone.number)
    return SEPARATOR.join(normalise(p) for p in parts if p and normalise(p))


@dataclass(frozen=True)
class ParsedQuery:
    """A search box entry, cleaned: `terms` must all appear in the search text."""

    raw: str
    text: str  # normalised whole query
    terms: tuple[str, ...]  # substring terms (each >= MIN_SUBSTRING), empty when id-code only

    @property
    def id_code_only(self) -> bool:
        return not self.terms


def parse_query(raw: str) -> ParsedQuery:
    """Trim and normalise; a phone-looking query becomes its digits; short words are dropped."""
    text = normalise(raw)
    if not text:
        return ParsedQuery(raw, "", ())
    if _PHONE_LIKE.match(text) and sum(ch.isdigit() for ch in text) >= MIN_SUBSTRING:
        digits = "".join(ch for ch in text if ch.isdigit())
        return ParsedQuery(raw, text, (digits,))
    words = [w for w in text.split(" ") if len(w) >= MIN_SUBSTRING]
    if not words and len(text) >= MIN_SUBSTRING:
        words = [text]
    # Drop terms contained in a longer term: they add work and no precision.
    terms = [w for w in dict.fromkeys(words) if not any(w != o and w in o for o in words)]
    return ParsedQuery(raw, text, tuple(terms))
