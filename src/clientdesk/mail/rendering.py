"""Rendering staff-edited templates in Jinja2's sandbox, over plain values only.

A template can read the variables documented for it (`catalog.SPECS`) and use Jinja2's filters; it
cannot reach attributes that start with an underscore, methods that change things, Python objects,
settings, the filesystem (there is no loader: `{% import %}`/`{% include %}` find nothing) or run for
ever (`range` is capped). Values in the context are data: text a client or staff member typed is
printed, never evaluated as a template. The HTML part escapes every value; its result is sanitised
like any HTML body.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from clientdesk.mail import html as mail_html

MAX_RANGE = 1000
MAX_OUTPUT = 200_000  # characters of one rendered part


class TemplateRenderError(Exception):
    """A template that cannot be rendered: the message says why, for the staff member who edits it."""


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise TemplateRenderError(f"range() is limited to {MAX_RANGE} items in email templates.")
    return result


STRING_METHODS = frozenset({"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip"})


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's sandbox narrowed further: the context holds dicts of strings, and that is all a template reads.

    Attributes are dict keys (`client.name`) and a few string methods (`name.upper()`); every other
    attribute, method or operator that could build something huge (`'a' * 10**9`, `9**9**9`) is refused.
    """

    intercepted_binops = frozenset({"*", "**"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return isinstance(obj, str) and attr in STRING_METHODS and super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        return None  # no str.format / format_map, even the sandbox's own: is_safe_attribute refuses them

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and (not isinstance(right, int) or abs(right) > 64 or abs(left) > 10**6):
            raise TemplateRenderError("Powers are limited in email templates.")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > MAX_OUTPUT:
                    raise TemplateRenderError(f"The template makes more than {MAX_OUTPUT:,} characters.")
        return super().call_binop(context, operator, left, right)


def _environment(*, autoescape: bool, strict: bool) -> ImmutableSandboxedEnvironment:
    env = _Sandbox(
        autoescape=autoescape,
        undefined=StrictUndefined if strict else Undefined,
        keep_trailing_newline=False,
        auto_reload=False,
        cache_size=0,
    )
    env.globals = {"range": _range}  # no `lipsum`, `cycler`, `joiner`, `namespace`, `dict`
    return env


_ENVIRONMENTS = {
    (autoescape, strict): _environment(autoescape=autoescape, strict=strict)
    for autoescape in (True, False)
    for strict in (True, False)
}


def _variables_used(source: str, env: ImmutableSandboxedEnvironment) -> set[str]:
    """The dotted names a template reads (`client.name`), for the check against the documented ones."""
    used: set[str] = set()
    for node in env.parse(source).find_all((nodes.Getattr, nodes.Name)):
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            used.add(f"{node.node.name}.{node.attr}")
        elif isinstance(node, nodes.Name) and node.ctx == "load":
            used.add(node.name)
    return used


def render_part(source: str, context: Mapping[str, Any], *, html: bool, strict: bool = False) -> str:
    """One part (subject, HTML or text) rendered; raises TemplateRenderError with a readable message."""
    if not source:
        return ""
    env = _ENVIRONMENTS[(html, strict)]
    try:
        result = env.from_string(source).render(dict(context))
    except TemplateRenderError:
        raise
    except TemplateError as exc:
        lineno = getattr(exc, "lineno", None)
        line = f" (line {lineno})" if lineno else ""
        raise TemplateRenderError(f"{exc.message or type(exc).__name__}{line}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, RecursionError) as exc:
        raise TemplateRenderError(f"The template fails: {exc}") from None
    if len(result) > MAX_OUTPUT:
        raise TemplateRenderError(f"The template makes more than {MAX_OUTPUT:,} characters.")
    return result


@dataclass(frozen=True)
class Rendered:
    """An email as a template renders it: a one-line subject, sanitised HTML, and text."""

    subject: str
    html: str
    text: str


def render(*, subject: str, html: str, text: str, context: Mapping[str, Any], strict: bool = False) -> Rendered:
    """Render a template's three parts; the text part is made from the HTML when it is empty."""
    rendered_subject = " ".join(render_part(subject, context, html=False, strict=strict).split())
    rendered_html = mail_html.sanitize(render_part(html, context, html=True, strict=strict))
    rendered_text = render_part(text, context, html=False, strict=strict).strip()
    if not rendered_text and rendered_html:
        rendered_text = mail_html.to_text(rendered_html)
    return Rendered(subject=rendered_subject, html=rendered_html, text=rendered_text)


def check(
    *, subject: str, html: str, text: str, variables: Mapping[str, str], sample: Mapping[str, Any]
) -> dict[str, str]:
    """Field errors of a template being saved: syntax, undocumented variables, and a render of the sample."""
    errors: dict[str, str] = {}
    env = _ENVIRONMENTS[(False, True)]
    allowed = set(variables) | {name.partition(".")[0] for name in variables} | {"range", "loop"}
    for field, source in (("subject", subject), ("html", html), ("text", text)):
        try:
            unknown = sorted(
                name
                for name in _variables_used(source, env)
                if name not in allowed and name.partition(".")[0] not in _locals(source, env)
            )
        except TemplateError as exc:
            errors[field] = f"{exc.message or 'Not a valid template'} (line {getattr(exc, 'lineno', '?')})."
            continue
        if unknown:
            plural = "s" if len(unknown) > 1 else ""
            errors[field] = f"Unknown variable{plural}: {', '.join(unknown)}. Use the variables listed beside the form."
            continue
        try:
            render_part(source, sample, html=field == "html", strict=True)
        except TemplateRenderError as exc:
            errors[field] = str(exc)
    return errors


def _locals(source: str, env: ImmutableSandboxedEnvironment) -> set[str]:
    """Names a template assigns itself (`{% for x in … %}`, `{% set y = … %}`), which it may read."""
    names: set[str] = set()
    for node in env.parse(source).find_all((nodes.For, nodes.Assign)):
        target: nodes.Node = node.target  # type: ignore[attr-defined]  # For and Assign both have one
        for name in [target, *target.find_all(nodes.Name)]:
            if isinstance(name, nodes.Name):
                names.add(name.name)
    return names
