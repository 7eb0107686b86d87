"""HTML of email bodies: sanitised with nh3 before it is stored or sent, and turned into text.

What survives: formatting (paragraphs, headings, lists, emphasis, tables, quotes, code), links to
http(s) and mailto addresses, and images embedded as `data:` URLs. Scripts, styles, event handlers,
forms, frames, `javascript:` and every remote load (images, stylesheets, fonts) never do.
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
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _keep(tag: str, attribute: str, value: str) -> str | None:
    """Images only as embedded data (a remote image tells the sender that, and when, mail was read)."""
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith("data:image/") else None
    return value


def sanitize(body: str) -> str:
    """The HTML with only what an email may carry (see the module's docstring)."""
    if not body or not body.strip():
        return ""
    return nh3.clean(
        body,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES | {"data"}),
        attribute_filter=_keep,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote", "pre", "hr"}
)


class _Text(HTMLParser):
    """Text of an HTML body: blocks on their own lines, list items bulleted, links followed by their URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in {"td", "th"}:
            self.parts.append("\t")
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip = max(0, self.skip - 1)
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://")) and self.parts[-1:] != [href]:
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def to_text(body: str) -> str:
    """A plain-text version of an HTML body (the Text part when staff leave it empty)."""
    parser = _Text()
    parser.feed(body or "")
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.replace("\t", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
