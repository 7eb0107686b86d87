"""HTML of email bodies: sanitised with nh3 before it is stored or sent, and turned into text.

What survives: formatting (paragraphs, headings, lists, emphasis, tables, quotes, code), links to
http(s) and mailto addresses, and images embedded as `data:` URLs of a raster type. Scripts, styles
(elements and attributes), event handlers, forms, frames, objects, SVG, `<base>`, `<meta>`, every
other kind of link (`javascript:`, `vbscript:`, `data:`, relative) and every remote load (images,
stylesheets, fonts) never do, however they are spelt (mixed case, entities, tabs inside the scheme).
"""

import re
from html.parser import HTMLParser

import nh3

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start"}),
}
LINKS = ("http://", "https://", "mailto:")
# A remote image tells the sender that, and when, the mail was read: images travel inside the email.
# SVG is left out: it is a document that can carry scripts, not a picture.
IMAGES = ("data:image/png;", "data:image/png,", "data:image/jpeg", "data:image/gif", "data:image/webp")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")  # what browsers drop inside a URL, or around it


def _url_starts(value: str, prefixes: tuple[str, ...]) -> bool:
    """`value` (entities already decoded by the parser) begins with one of `prefixes`, as a browser reads it."""
    return _INVISIBLE.sub("", value).lower().startswith(prefixes)


def _keep(tag: str, attribute: str, value: str) -> str | None:
    """An attribute's value, or None to drop it: links only to the web and to addresses, images only embedded."""
    if attribute == "href":
        return value.strip() if _url_starts(value, LINKS) else None
    if tag == "img" and attribute == "src":
        return value.strip() if _url_starts(value, IMAGES) else None
    return value


def sanitize(body: str) -> str:
    """The HTML with only what an email may carry (see the module's docstring)."""
    if not body or not body.strip():
        return ""
    return nh3.clean(
        body,
        tags=set(TAGS),
        clean_content_tags={"script", "style", "title", "template", "noscript", "textarea", "select", "option"},
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto", "data"},
        attribute_filter=_keep,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


class _Removed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, None] = {}
        self.dropped = 0  # inside an element whose content goes too

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.found[f"<{tag}>"] = None
            return
        for name, value in attrs:
            if name not in ATTRIBUTES.get(tag, ()):
                self.found[f"the {name} attribute of <{tag}>"] = None
            elif _keep(tag, name, value or "") is None:
                what = "a link that is not http(s) or mailto" if name == "href" else "an image that is not embedded"
                self.found[f"{what} ({(value or '').strip()[:40]})"] = None


def removed(body: str) -> list[str]:
    """What `sanitize` takes out of `body`, in words for the staff member who wrote it."""
    parser = _Removed()
    parser.feed(body or "")
    parser.close()
    return list(parser.found)


# --- Text ---------------------------------------------------------------------------------------

BLOCKS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "table", "address", "article", "aside", "dl", "dd",
        "dt", "figure", "figcaption", "footer", "header", "main", "nav", "section", "caption",
    }
)  # fmt: skip
SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _Text(HTMLParser):
    """Text of an HTML body: blocks apart by a blank line, list items bulleted or numbered, quotes
    prefixed with "> ", <pre> kept as it is, links followed by their address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities decoded exactly once
        self.lines: list[str] = []
        self.words: list[str] = []  # the line being made
        self.gap = False  # a blank line before the next line
        self.lists: list[list[int]] = []  # [ordered, items so far] of each open list
        self.marker = ""  # the bullet of a list item whose first line is not out yet
        self.indent = ""  # continuation lines of a list item
        self.quote = 0
        self.pre = 0
        self.skip = 0
        self.links: list[tuple[str, list[str]]] = []  # open links: href, their text so far

    def _emit(self, text: str) -> None:
        quote = "> " * self.quote
        if self.gap and self.lines and self.lines[-1].strip("> "):
            # Inside a quote the blank line is quoted too, unless the quote starts here.
            self.lines.append(quote.rstrip() if quote and self.lines[-1].startswith(quote) else "")
        self.gap = False
        if self.marker:
            self.lines.append(quote + self.indent[: -len(self.marker)] + self.marker + text)
            self.marker = ""
        else:
            self.lines.append(quote + self.indent + text)

    def _line(self, *, blank: bool = False) -> None:
        """End the line being made; with `blank`, an empty line still counts (<br><br>)."""
        text = "".join(self.words)
        self.words = []
        if not self.pre:
            text = " ".join(text.split())
        if text.strip() or (blank and self.pre):
            self._emit(text.rstrip())
        elif blank and self.lines:
            self.lines.append(("> " * self.quote).rstrip())

    def _indent(self) -> str:
        """The continuation indent of the innermost open list's item: 3 spaces a level, then its bullet's width."""
        if not self.lists:
            return ""
        ordered, count = self.lists[-1]
        return "   " * (len(self.lists) - 1) + " " * (len(f"{count}. ") if ordered else 2)

    def _block(self) -> None:
        self._line()
        self.gap = not self.lists

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip += 1
        elif tag == "br":
            self._line(blank=True)
        elif tag == "hr":
            self._block()
            self._emit("---")
            self.gap = True
        elif tag in {"ul", "ol"}:
            self._block()
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._line()
            if self.lists:
                self.lists[-1][1] += 1
                ordered, count = self.lists[-1]
                self.marker = f"{count}. " if ordered else "- "
                self.indent = self._indent()
        elif tag == "blockquote":
            self._block()
            self.quote += 1
        elif tag == "pre":
            self._block()
            self.pre += 1
        elif tag == "tr":
            self._line()
        elif tag in {"td", "th"}:
            self.words.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not self.skip:
                self.handle_data(alt)
        elif tag == "a":
            self.links.append((dict(attrs).get("href") or "", []))
        elif tag in BLOCKS:
            self._block()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in {"ul", "ol"}:
            self._line()
            if self.lists:
                self.lists.pop()
            self.indent = self._indent()
            self.gap = not self.lists
        elif tag == "li":
            self._line()
        elif tag == "blockquote":
            self._block()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self._line()
            self.pre = max(0, self.pre - 1)
            self.gap = not self.lists
        elif tag == "tr":
            self._line()
        elif tag == "a" and self.links:
            self._end_link(*self.links.pop())
        elif tag in BLOCKS:
            self._block()

    def _end_link(self, href: str, words: list[str]) -> None:
        text = " ".join("".join(words).split())
        url = _INVISIBLE.sub("", href)
        if url.lower().startswith("mailto:"):
            url = url[7:].partition("?")[0]
        elif not url.lower().startswith(("http://", "https://")):
            return
        if url and text.rstrip("/") != url.rstrip("/"):
            self.words.append(f" ({url})" if text else url)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        for _href, words in self.links:
            words.append(data)
        if not self.pre:
            self.words.append(data)
            return
        first, *rest = data.split("\n")
        self.words.append(first)
        for line in rest:
            self._line(blank=True)
            self.words.append(line)

    def text(self) -> str:
        self._line()
        lines = [line.rstrip() for line in self.lines]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def to_text(body: str) -> str:
    """A plain-text version of an HTML body (the Text part when staff leave it empty)."""
    parser = _Text()
    parser.feed(body or "")
    parser.close()
    return parser.text()
