"""Rendering staff-edited templates in Jinja2's sandbox, over plain values only.

A template reads the values it is given (`catalog.SPECS`: text and numbers, in groups such as
`client`) and uses a short list of filters (`|upper`, `|default(…)`) and tests. Nothing else is
within reach: no attribute of a Python object (only a group's own values and `loop.index`…), no
method, no call but `range()`, no `self`, no `{% include %}`/`{% import %}`/`{% extends %}` (and no
loader behind them), no `{% macro %}`, no `{% autoescape false %}`, no `|safe`. What a template may
not do is refused when it is parsed, with the line, so the edit page says why before it is saved;
the same check runs again when an email is sent.

A template cannot run for ever or build something huge either: loops are counted, `range()`,
`*`, `**`, `+` and `~` are capped, text cannot be formatted with `%`, every filter's result is
measured, and the output stops at MAX_OUTPUT. Values in the context are data: text a client or staff
member typed is printed, never evaluated as a template, and the HTML part escapes it. The HTML part's
result is sanitised like any HTML body.
"""

import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, wraps
from typing import Any, cast

from django.utils.functional import Promise
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, Undefined, nodes, pass_eval_context
from jinja2 import filters as jinja_filters
from jinja2 import tests as jinja_tests
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, LoopContext, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from clientdesk.mail import html as mail_html
from clientdesk.mail.models import SUBJECT_MAX

logger = logging.getLogger(__name__)

MAX_SOURCE = 100_000  # characters of one part as staff write it
MAX_OUTPUT = 200_000  # characters of one rendered part, and of any value made on the way
MAX_RANGE = 1_000  # items of one range()
MAX_ITERATIONS = 10_000  # loop rounds of one email (or part), all loops together
MAX_SECONDS = 0.5  # of CPU, to render one email (or part): a real template takes milliseconds
MAX_BITS = 128  # of a number made by * or **: an email has no use for longer ones
TOO_LONG = f"The template makes more than {MAX_OUTPUT:,} characters."
LOOP_ATTRIBUTES = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem"}
)


class TemplateRenderError(Exception):
    """A template that cannot be rendered: the message says why, for the staff member who edits it."""


# --- Limits while a part renders ------------------------------------------------------------------


@dataclass
class _Run:
    deadline: float
    iterations: int = 0

    def tick(self) -> None:
        if time.thread_time() > self.deadline:
            raise TemplateRenderError(f"The template takes too long to render (over {MAX_SECONDS:g} s).")


_RUN: ContextVar[_Run | None] = ContextVar("clientdesk_mail_render", default=None)


def _tick() -> None:
    if (run := _RUN.get()) is not None:
        run.tick()


class _Counted(Iterator[Any]):
    """What a `{% for %}` iterates: every round counts against MAX_ITERATIONS and the time limit."""

    def __init__(self, iterable: Any) -> None:
        self._items = iter(iterable)

    def __next__(self) -> Any:
        item = next(self._items)
        if (run := _RUN.get()) is not None:
            run.iterations += 1
            if run.iterations > MAX_ITERATIONS:
                raise TemplateRenderError(f"The template's loops go round more than {MAX_ITERATIONS:,} times.")
            run.tick()
        return item


def _sized[T](value: T) -> T:
    if isinstance(value, str | list | tuple) and len(value) > MAX_OUTPUT:
        raise TemplateRenderError(TOO_LONG)
    return value


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "group of values"
    if isinstance(value, list | tuple | range):
        return "list"
    return "value that is not text"


def _text(value: Any) -> Any:
    """`value`, if it is text or a number (what filters and `~` work on); a group or a list is refused."""
    if value is None or isinstance(value, str | int | float | Decimal | Undefined):
        return value
    raise TemplateRenderError(f"A {_kind(value)} cannot be used as text: use one of its values (as in client.name).")


def _finalize(value: Any) -> Any:
    """What `{{ … }}` prints: text and numbers (None prints nothing); anything else is refused."""
    if value is None:
        return ""
    if isinstance(value, str | int | float | Decimal | Undefined):
        return value
    raise TemplateRenderError(f"{{{{ … }}}} prints a {_kind(value)}: print one of its values (as in client.name).")


def _range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise TemplateRenderError(f"range() is limited to {MAX_RANGE:,} items in email templates.")
    return result


# --- Filters and tests ----------------------------------------------------------------------------


def _guarded(fn: Callable[..., Any], *, text: bool) -> Callable[..., Any]:
    """A Jinja2 filter that checks the time, takes text only (when `text`) and is refused a huge result."""
    at = 1 if getattr(fn, "jinja_pass_arg", None) is not None else 0  # after the eval context it is passed

    @wraps(fn)  # keeps `jinja_pass_arg`
    def run(*args: Any, **kwargs: Any) -> Any:
        _tick()
        if text:
            for value in (*args[at:], *kwargs.values()):
                _text(value)
        return _sized(fn(*args, **kwargs))

    return run


@pass_eval_context
def _replace(eval_ctx: EvalContext, value: Any, old: Any, new: Any, count: int | None = None) -> Any:
    for item in (value, old, new):
        _text(item)
    source, old_text = str(value), str(old)
    found = source.count(old_text) if old_text else len(source) + 1
    if count is not None and count >= 0:
        found = min(found, count)
    if len(source) + found * (len(str(new)) - len(old_text)) > MAX_OUTPUT:
        raise TemplateRenderError(TOO_LONG)
    return _sized(jinja_filters.do_replace(eval_ctx, value, old, new, count))


@pass_eval_context
def _join(eval_ctx: EvalContext, value: Any, d: Any = "") -> Any:
    items = _text_or_list(value)
    size = len(str(_text(d))) * max(len(items) - 1, 0)
    for item in items:
        size += len(str(_text(item)))
        if size > MAX_OUTPUT:
            raise TemplateRenderError(TOO_LONG)
    return _sized(jinja_filters.sync_do_join(eval_ctx, items, d))


def _text_or_list(value: Any) -> list[Any]:
    _tick()
    if isinstance(value, Mapping):
        raise TemplateRenderError("A group of values cannot be joined: join a list or text.")
    return list(value)


@pass_eval_context
def _concat(eval_ctx: EvalContext, parts: list[Any]) -> Any:
    """`a ~ b ~ c`, measured before it is made."""
    _tick()
    if sum(len(str(_text(part))) for part in parts) > MAX_OUTPUT:
        raise TemplateRenderError(TOO_LONG)
    return _sized(markup_join(parts) if eval_ctx.autoescape else str_join(parts))


def _loop(value: Any) -> Iterator[Any]:
    return _Counted(value)


TEXT_FILTERS = (
    "abs", "capitalize", "e", "escape", "float", "int", "lower", "round", "striptags", "title", "trim",
    "truncate", "upper", "urlencode", "wordcount",
)  # fmt: skip
FILTERS: dict[str, Callable[..., Any]] = {
    **{name: _guarded(jinja_filters.FILTERS[name], text=True) for name in TEXT_FILTERS},
    **{name: _guarded(jinja_filters.FILTERS[name], text=False) for name in ("d", "default", "length", "count")},
    "first": _guarded(jinja_filters.sync_do_first, text=False),
    "last": _guarded(jinja_filters.do_last, text=False),
    "join": _join,
    "replace": _replace,
}
TESTS = {
    name: jinja_tests.TESTS[name]
    for name in (
        "defined", "undefined", "none", "number", "string", "even", "odd", "divisibleby", "eq", "ne", "lt",
        "le", "gt", "ge", "in", "true", "false", "lower", "upper",
    )
}  # fmt: skip
_INTERNAL_FILTERS = {"__concat__": _concat, "__loop__": _loop}


# --- The sandbox --------------------------------------------------------------------------------


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's sandbox narrowed to plain values: a group's values, `loop`'s counters, and nothing else."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return isinstance(obj, LoopContext) and attr in LOOP_ATTRIBUTES

    def is_safe_callable(self, obj: Any) -> bool:
        return obj is _range

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's names
        # Inside a loop Jinja2 passes its own `_loop_vars`; a template's keyword arguments are refused when parsed.
        if __obj is not _range or any(not name.startswith("_") for name in kwargs):
            raise SecurityError("Only range() can be called in email templates.")
        return _range(*args)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        if isinstance(obj, Mapping):
            return obj[attribute] if attribute in obj else self.undefined(obj=obj, name=attribute)
        if isinstance(obj, LoopContext) and attribute in LOOP_ATTRIBUTES:
            return getattr(obj, attribute)
        if isinstance(obj, Undefined):
            raise UndefinedError(f"{getattr(obj, '_undefined_name', None) or 'That'} is not a variable of this email.")
        what = "Text" if isinstance(obj, str) else f"A {_kind(obj)}"
        return self.undefined(
            f"{what} has no “{attribute}”: use a filter instead (as in |upper).",
            obj=obj,
            name=attribute,
            exc=SecurityError,
        )

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        if isinstance(obj, Mapping):
            return obj[argument] if isinstance(argument, str) and argument in obj else self.undefined(obj=obj)
        if isinstance(obj, str | list | tuple) and isinstance(argument, int | slice):
            try:
                return obj[argument]
            except IndexError:
                return self.undefined(obj=obj)
        if isinstance(obj, Undefined):
            raise UndefinedError(f"{getattr(obj, '_undefined_name', None) or 'That'} is not a variable of this email.")
        return self.undefined(f"A {_kind(obj)} has no item {argument!r}.", obj=obj, exc=SecurityError)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "%" and isinstance(left, str):
            raise TemplateRenderError("% does not format text in email templates: join text with ~.")
        if operator == "**" and not (
            isinstance(right, int | float)
            and abs(right) <= MAX_BITS
            and (not isinstance(left, int) or left.bit_length() * abs(right) <= MAX_BITS)
        ):
            raise TemplateRenderError("Powers are limited in email templates.")
        if operator == "*":
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
                raise TemplateRenderError("Numbers are limited in email templates.")
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > MAX_OUTPUT:
                    raise TemplateRenderError(TOO_LONG)
        sequences = isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple)
        if operator == "+" and sequences and len(left) + len(right) > MAX_OUTPUT:
            raise TemplateRenderError(TOO_LONG)
        return _sized(super().call_binop(context, operator, left, right))


def _environment(*, autoescape: bool, strict: bool) -> _Sandbox:
    env = _Sandbox(
        autoescape=autoescape,
        undefined=StrictUndefined if strict else Undefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=0,
    )
    env.globals = {"range": _range}  # no `lipsum`, `cycler`, `joiner`, `namespace`, `dict`
    env.filters = {**FILTERS, **_INTERNAL_FILTERS}
    env.tests = dict(TESTS)
    return env


_ENVIRONMENTS = {
    (autoescape, strict): _environment(autoescape=autoescape, strict=strict)
    for autoescape in (True, False)
    for strict in (True, False)
}


# --- What a template may do, checked when it is parsed -----------------------------------------------

ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.For, nodes.If, nodes.With, nodes.Assign,
    nodes.Name, nodes.Const, nodes.Tuple, nodes.List, nodes.Dict, nodes.Pair, nodes.Keyword, nodes.CondExpr,
    nodes.Filter, nodes.Test, nodes.Call, nodes.Getitem, nodes.Getattr, nodes.Slice, nodes.Concat,
    nodes.Compare, nodes.Operand, nodes.BinExpr, nodes.UnaryExpr,
)  # fmt: skip
REFUSED_TAGS = {
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Block: "{% block %}",
    nodes.Extends: "{% extends %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.AssignBlock: "{% set %}…{% endset %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
    nodes.NSRef: "namespace()",
    nodes.Scope: "{% autoescape %}",
}


@dataclass(frozen=True)
class Use:
    """A variable a template reads (`client.name`, `company_name`), and where."""

    name: str
    lineno: int


def _refuse(node: nodes.Node, message: str) -> TemplateRenderError:
    lineno = node.lineno or next((child.lineno for child in node.find_all(nodes.Node) if child.lineno), None)
    return TemplateRenderError(f"Line {lineno}: {message}" if lineno else message)


def _name_use(node: nodes.Name, parent: nodes.Node | None) -> Use | None:
    """What reading `node` (a name) means: a variable, `range(…)`, `loop.index`…; refused otherwise."""
    if node.name == "self":
        raise _refuse(node, "“self” is not available in email templates.")
    if node.name == "range":
        if isinstance(parent, nodes.Call) and parent.node is node:
            return None
        raise _refuse(node, "range can only be called, as in range(3).")
    if node.name == "loop":
        if isinstance(parent, nodes.Getattr) and parent.node is node and parent.attr in LOOP_ATTRIBUTES:
            return None
        counters = ", ".join(f"loop.{name}" for name in sorted(LOOP_ATTRIBUTES))
        raise _refuse(node, f"loop is read through its counters: {counters}.")
    if isinstance(parent, nodes.Getattr) and parent.node is node:
        return Use(f"{node.name}.{parent.attr}", node.lineno)
    key = parent.arg.value if isinstance(parent, nodes.Getitem) and isinstance(parent.arg, nodes.Const) else None
    if isinstance(parent, nodes.Getitem) and parent.node is node and isinstance(key, str):
        return Use(f"{node.name}.{key}", node.lineno)
    return Use(node.name, node.lineno)


def _rooted(node: nodes.Node) -> bool:
    while isinstance(node, nodes.Getattr | nodes.Getitem):
        node = node.node
    return isinstance(node, nodes.Name)


def _inspect(tree: nodes.Template) -> tuple[list[Use], frozenset[str]]:
    """Refuse what a template may not do; the variables it reads, and the names it sets itself."""
    uses: list[Use] = []

    def visit(node: nodes.Node, parent: nodes.Node | None) -> None:
        if not isinstance(node, ALLOWED_NODES):
            tag = REFUSED_TAGS.get(type(node), type(node).__name__)
            raise _refuse(node, f"{tag} is not available in email templates.")
        if isinstance(node, nodes.Name) and node.ctx == "load":
            if (use := _name_use(node, parent)) is not None:
                uses.append(use)
        elif isinstance(node, nodes.Getattr):
            if node.attr.startswith("_"):
                raise _refuse(node, f"“{node.attr}”: names starting with _ are not available.")
            if not _rooted(node):
                raise _refuse(node, f"Only variables have parts such as “.{node.attr}”: use a filter (as in |upper).")
        elif isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and str(node.arg.value).startswith("_"):
                raise _refuse(node, "Names starting with _ are not available.")
        elif isinstance(node, nodes.Call):
            if not (isinstance(node.node, nodes.Name) and node.node.name == "range") or node.kwargs:
                raise _refuse(node, "Only range() can be called: use a filter instead (as in |upper).")
        elif isinstance(node, nodes.Filter) and node.name not in FILTERS:
            raise _refuse(node, f"There is no filter |{node.name}. Filters: {', '.join(sorted(FILTERS))}.")
        elif isinstance(node, nodes.Test) and node.name not in TESTS:
            raise _refuse(node, f"There is no test “is {node.name}”. Tests: {', '.join(sorted(TESTS))}.")
        elif isinstance(node, nodes.For) and node.recursive:
            raise _refuse(node, "Recursive loops are not available in email templates.")
        for child in node.iter_child_nodes():
            visit(child, node)

    visit(tree, None)
    own = frozenset(n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param"))
    return uses, own


class _Guard(NodeTransformer):
    """Loops counted, `~` measured: both through internal filters the template itself cannot name."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 - NodeTransformer dispatches on class names
        self.generic_visit(node)
        node.iter = nodes.Filter(node.iter, "__loop__", [], [], None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        parts = nodes.List(node.nodes, lineno=node.lineno)
        return nodes.Filter(parts, "__concat__", [], [], None, None, lineno=node.lineno)


@dataclass(frozen=True)
class Compiled:
    """A template that passed the checks, ready to render, with what it reads and sets."""

    template: Template
    uses: tuple[Use, ...]
    own: frozenset[str]


def _template_error(exc: TemplateError) -> str:
    message = (exc.message or "").strip() or type(exc).__name__
    message = message[0].upper() + message[1:].rstrip(".") + "."
    lineno = getattr(exc, "lineno", None) if isinstance(exc, TemplateSyntaxError) else None
    return f"Line {lineno}: {message}" if lineno else message


@lru_cache(maxsize=128)
def compile_part(source: str, *, html: bool, strict: bool) -> Compiled:
    """`source` parsed, checked and compiled; raises TemplateRenderError saying (with the line) what is wrong."""
    if len(source) > MAX_SOURCE:
        raise TemplateRenderError(f"Keep each part under {MAX_SOURCE:,} characters.")
    env = _ENVIRONMENTS[(html, strict)]
    try:
        tree = env.parse(source)
        uses, own = _inspect(tree)
        guarded = _Guard().visit(tree)
        guarded.set_environment(env)
        template = env.from_string(guarded)
    except TemplateRenderError:
        raise
    except TemplateError as exc:
        raise TemplateRenderError(_template_error(exc)) from None
    except (RecursionError, MemoryError):
        raise TemplateRenderError("The template is nested too deeply.") from None
    except ValueError as exc:
        if "digits" in str(exc):  # Jinja2's lexer reads numbers with int(): Python refuses 4,300 digits and more
            raise TemplateRenderError("The template holds a number too long to read.") from None
        logger.exception("An email template could not be compiled.")
        raise TemplateRenderError("The template cannot be read.") from None
    except Exception:
        logger.exception("An email template could not be compiled.")
        raise TemplateRenderError("The template cannot be read.") from None
    return Compiled(template, tuple(uses), own)


# --- Rendering --------------------------------------------------------------------------------------


def _plain(value: Any, depth: int = 0) -> Any:
    """The context as templates see it: text, numbers, and groups and lists of them; anything else refused."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a plain str: a "safe" string (Markup, SafeString) is escaped like any other
    if isinstance(value, Promise):
        return str(value)
    if depth < 4 and isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return {key: _plain(item, depth + 1) for key, item in value.items()}
    if depth < 4 and isinstance(value, list | tuple):
        return tuple(_plain(item, depth + 1) for item in value)
    raise TemplateRenderError(f"Email templates are given text and numbers, not a {type(value).__name__}.")


def render_part(source: str, context: Mapping[str, Any], *, html: bool, strict: bool = False) -> str:
    """One part (subject, HTML or text) rendered; raises TemplateRenderError with a readable message."""
    if not source:
        return ""
    compiled = compile_part(source, html=html, strict=strict)
    run = _RUN.get() or _Run(deadline=time.thread_time() + MAX_SECONDS)  # render() gives its parts one budget
    token = _RUN.set(run)
    chunks: list[str] = []
    size = 0
    output = cast(Generator[str], compiled.template.generate(_plain(context)))  # a generator, typed as an iterator
    try:
        for chunk in output:
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateRenderError(TOO_LONG)
            chunks.append(chunk)
            run.tick()
    except TemplateRenderError:
        raise
    except TemplateError as exc:
        raise TemplateRenderError(_template_error(exc)) from None
    except (RecursionError, MemoryError):
        raise TemplateRenderError("The template is nested too deeply.") from None
    except Exception as exc:  # 1/0, int('x'), 'a' + 1: the template's own mistakes
        raise TemplateRenderError(f"The template fails: {str(exc).rstrip('.')}.") from None
    finally:
        output.close()
        _RUN.reset(token)
    return "".join(chunks)


@dataclass(frozen=True)
class Rendered:
    """An email as a template renders it: a one-line subject, sanitised HTML, and text."""

    subject: str
    html: str
    text: str


PARTS = {"subject": "Subject", "html": "HTML", "text": "Text"}


def render(*, subject: str, html: str, text: str, context: Mapping[str, Any], strict: bool = False) -> Rendered:
    """Render a template's three parts; the text part is made from the HTML when it is empty.

    Raises TemplateRenderError, naming the part, and nothing else: a template's mistake never becomes
    the sending action's error.
    """
    part = ""
    token = None
    try:
        values = _plain(context)
        for part, source in (("subject", subject), ("html", html), ("text", text)):
            if source:  # compiled first (and cached): the time limit is the rendering's
                compile_part(source, html=part == "html", strict=strict)
        token = _RUN.set(_Run(deadline=time.thread_time() + MAX_SECONDS))
        part = "subject"
        rendered_subject = " ".join(render_part(subject, values, html=False, strict=strict).split())
        if len(rendered_subject) > SUBJECT_MAX:
            raise TemplateRenderError(f"The subject comes out longer than {SUBJECT_MAX} characters.")
        part = "html"
        rendered_html = mail_html.sanitize(render_part(html, values, html=True, strict=strict))
        part = "text"
        rendered_text = render_part(text, values, html=False, strict=strict).strip()
        if not rendered_text and rendered_html:
            rendered_text = mail_html.to_text(rendered_html)
    except TemplateRenderError as exc:
        raise TemplateRenderError(f"{PARTS[part]}: {exc}" if part else str(exc)) from None
    except Exception:
        logger.exception("An email template failed to render.")
        raise TemplateRenderError(f"{PARTS.get(part, 'The email')}: the template could not be rendered.") from None
    finally:
        if token is not None:
            _RUN.reset(token)
    return Rendered(subject=rendered_subject, html=rendered_html, text=rendered_text)


def _undocumented(compiled: Compiled, variables: Mapping[str, str]) -> str:
    """Why the variables a part reads are not all documented ones; "" when they are."""
    groups = {name.partition(".")[0] for name in variables if "." in name}
    unknown: list[str] = []
    for use in compiled.uses:
        root = use.name.partition(".")[0]
        if use.name in variables or root in compiled.own:
            continue
        if use.name in groups:
            example = next(name for name in variables if name.startswith(f"{use.name}."))
            return f"Line {use.lineno}: {use.name} is a group of values: use one of them, as in {{{{ {example} }}}}."
        unknown.append(f"{{{{ {use.name} }}}} (line {use.lineno})")
    if not unknown:
        return ""
    unknown = list(dict.fromkeys(unknown))
    plural = "s" if len(unknown) > 1 else ""
    return f"Unknown variable{plural}: {', '.join(unknown)}. Use the variables listed beside the form."


def check(
    *, subject: str, html: str, text: str, variables: Mapping[str, str], sample: Mapping[str, Any]
) -> dict[str, str]:
    """Field errors of a template being saved: what it may not do, undocumented variables, a render of the sample."""
    errors: dict[str, str] = {}
    for field, source in (("subject", subject), ("html", html), ("text", text)):
        if not source:
            continue
        try:
            compiled = compile_part(source, html=field == "html", strict=True)
            if problem := _undocumented(compiled, variables):
                errors[field] = problem
                continue
            rendered = render_part(source, sample, html=field == "html", strict=True)
        except TemplateRenderError as exc:
            errors[field] = str(exc)
            continue
        if field == "subject" and len(" ".join(rendered.split())) > SUBJECT_MAX:
            errors[field] = f"The subject comes out longer than {SUBJECT_MAX} characters."
    return errors
