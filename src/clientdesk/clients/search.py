"""The text the client search matches, and how a query is turned into conditions on it.

Every client carries `search_text`: its id code and, for every contact, full name, company,
email, address line 1 and phone digits, normalised (lower-case, accents removed, apostrophes,
quotes and dashes unified, whitespace collapsed), then its *search words* after WORDS_MARK:

    1534 | mei wu | 山田商事 | mei@wu.example | 12 main st | 12025550143 | 2025550143 \\x1e wu 山田 田商 商事 st

Two indexes serve it on PostgreSQL (SQLite scans):

- a trigram GIN index on the whole text serves `LIKE '%term%'` for terms of 3 characters or more;
- a GIN index on the array of search words (`string_to_array(split_part(search_text, E'\\x1e ', 2), ' ')`)
  serves what trigrams cannot: words shorter than 3 characters, matched whole (`wu`, `li`, `ng`),
  and CJK text, held as its bigrams (`山田太郎` → `山田 田太 太郎`), so any substring of two or
  more CJK characters is found by its bigrams, whatever the database's locale (pg_trgm ignores
  CJK under a C ctype), and checked with STRPOS when longer than two.

A CJK name is also written family name first without a space (`山田太郎`, `王伟`), as it is read.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MIN_SUBSTRING = 3
SEPARATOR = " | "
# Starts the search words. \x1e is whitespace to str.split(), so `normalise` never leaves one in a field.
WORDS_MARK = " \x1e "
_PHONE_LIKE = re.compile(r"^[\d\s()+\-./]+$")
# "#1534", "# C-1534 ": the desk writes client ids with a leading #.
_HASH_ID = re.compile(r"^#\s*(\S*\d\S*)$")
# Letters and digits of any script (Python's \w, less the underscore).
_WORD = re.compile(r"[^\W_]+")
_SHORT_WORD = re.compile(r"(?<![^\W_])[^\W_]{1,2}(?![^\W_])")
# Han (with 々〆〇 and the compatibility ideographs), kana, bopomofo and Hangul.
_CJK = re.compile(
    "[\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]+"
)
# Apostrophes and quotes typed in many ways, and dashes, read as their ASCII forms (before NFKD,
# which would turn the acute accent U+00B4 into a space).
_UNIFY = str.maketrans(
    {
        **dict.fromkeys("\u2019\u2018\u02bc\u00b4\u0060\u201b\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


def normalise(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes, quotes and dashes, collapse whitespace."""
    if text.isascii():  # the common case, and the same result: NFKD and casefold change no ASCII
        return " ".join(text.lower().replace("`", "'").split())
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNIFY))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # NFC puts Hangul syllables back together (NFKD splits them into jamo, which are not accents).
    return " ".join(unicodedata.normalize("NFC", stripped.casefold()).split())


def has_cjk(text: str) -> bool:
    """Whether `text` holds a Han, kana or Hangul character."""
    return _CJK.search(text) is not None


def without_cjk(text: str) -> str:
    """`text` with its CJK characters turned into spaces."""
    return _CJK.sub(" ", text)


def _bigrams(run: str) -> list[str]:
    """The two-character pieces of a run of CJK characters (a single character stands for itself)."""
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def search_words(text: str) -> list[str]:
    """The search words of normalised text: words of 1-2 letters whole, and the bigrams of CJK runs.

    Longer words need no entry: the trigram index finds them. Numbers of 1-2 digits are left out
    (house numbers would flood them; short numbers are looked up as client ids).
    """
    if text.isascii():
        return [w for w in _SHORT_WORD.findall(text) if not w.isdigit()]
    words: list[str] = []
    for word in _WORD.findall(text):
        if len(word) < MIN_SUBSTRING and not word.isdigit() and not has_cjk(word):
            words.append(word)
        elif has_cjk(word):
            for run in _CJK.findall(word):
                words += _bigrams(run)
            words += [w for w in _CJK.split(word) if w and len(w) < MIN_SUBSTRING and not w.isdigit()]
    return words


def join_search_text(parts: Iterable[str]) -> str:
    """The search text from its normalised parts: the parts, then the search words (see the module)."""
    text = SEPARATOR.join(p for p in parts if p)
    words = dict.fromkeys(search_words(text))
    return f"{text}{WORDS_MARK}{' '.join(words)}" if words else text


def name_parts(first_name: str, last_name: str) -> list[str]:
    """How a contact's name is searched: "first last", and for a CJK name also family name first, unspaced."""
    parts = [f"{first_name} {last_name}"]
    if has_cjk(first_name) and has_cjk(last_name):
        parts.append(f"{last_name}{first_name}")
    return parts


def build_search_text(id_code: str, contacts: Iterable[object]) -> str:
    """The search text of a client from its id code and contacts (with `phone_numbers` loaded)."""
    from clientdesk.clients.phones import search_digits

    parts = [id_code]
    for contact in contacts:
        parts += name_parts(contact.first_name, contact.last_name)  # type: ignore[attr-defined]
        parts += [
            contact.company,  # type: ignore[attr-defined]
            contact.email,  # type: ignore[attr-defined]
            contact.address1,  # type: ignore[attr-defined]
        ]
        for phone in contact.phone_numbers.all():  # type: ignore[attr-defined]
            parts += search_digits(phone.number)
    return join_search_text(normalise(p) for p in parts if p)


@dataclass(frozen=True)
class ParsedQuery:
    """A search box entry, cleaned.

    A client matches when its search text holds every one of `terms` (substrings) and its search
    words hold every one of `words`. An `id_code_only` query (`#1534`) matches the id code `code`
    alone; a query of one short word also matches the id codes starting with it.
    """

    raw: str
    text: str  # normalised whole query
    terms: tuple[str, ...] = ()  # substrings: words of >= MIN_SUBSTRING characters, CJK words of >= 2
    words: tuple[str, ...] = ()  # whole search words: short words, the bigrams of CJK terms
    code: str = ""  # what is compared with id codes: the query as typed, without a leading #
    id_code_only: bool = False  # "#1534": the client with that id code, nothing else

    @property
    def id_prefix(self) -> bool:
        """One short word: id codes starting with it match too (`15` finds 1500-1599…)."""
        return not self.id_code_only and not self.terms and " " not in self.text and bool(self.text)


def _cjk_term_words(term: str) -> list[str]:
    """The search words a CJK term needs: the bigrams of its CJK runs of two characters or more."""
    return [bigram for run in _CJK.findall(term) if len(run) > 1 for bigram in _bigrams(run)]


def parse_query(raw: str) -> ParsedQuery:
    """Trim and normalise; `#id` is that id; a phone-looking query becomes its digits.

    Words of 3 characters or more, and CJK words of 2 or more, are substrings. Shorter words are
    matched whole when the query has nothing longer (`wu`, `li ng`); beside a longer word they are
    dropped, since they are often a word still being typed (`bob st`).
    """
    code = raw.strip()
    text = normalise(raw)
    if not text:
        return ParsedQuery(raw, "")
    if hashed := _HASH_ID.match(code):
        return ParsedQuery(raw, normalise(hashed[1]), code=hashed[1], id_code_only=True)
    if _PHONE_LIKE.match(text) and sum(ch.isdigit() for ch in text) >= MIN_SUBSTRING:
        digits = "".join(ch for ch in text if ch.isdigit())
        return ParsedQuery(raw, text, (digits,), code=code)
    words = text.split(" ")
    cjk_terms = [w for w in words if len(w) >= 2 and _cjk_term_words(w)]
    long_terms = [w for w in words if len(w) >= MIN_SUBSTRING and w not in cjk_terms]
    if not cjk_terms and not long_terms:
        # Short words only (or single CJK characters): each is a whole search word, split as the
        # search text's words are (numbers are not search words: `15` is the start of an id code).
        return ParsedQuery(raw, text, (), tuple(dict.fromkeys(search_words(text))), code=code)
    terms = [*cjk_terms, *long_terms]
    # Drop terms contained in a longer term: they add work and no precision.
    terms = [w for w in dict.fromkeys(terms) if not any(w != o and w in o for o in terms)]
    bigrams = [b for term in terms for b in _cjk_term_words(term)]
    return ParsedQuery(raw, text, tuple(terms), tuple(dict.fromkeys(bigrams)), code=code)
