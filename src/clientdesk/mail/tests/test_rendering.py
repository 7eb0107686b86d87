"""The template sandbox: what a template may do, what it can never reach, and how it fails (always safely)."""

import time

import pytest
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from markupsafe import Markup

from clientdesk.mail import rendering
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import SUBJECT_MAX, EmailTemplate, MailStatus, OutboundEmail, TemplateAction
from clientdesk.mail.outbox import send_template_mail
from clientdesk.mail.rendering import TemplateRenderError, check, render, render_part

WELCOME = TemplateAction.ACCOUNT_WELCOME
SPEC = SPECS[WELCOME]
SAMPLE = SPEC.sample

# Templates that try to reach Python, the settings, the filesystem, or to run for ever.
HOSTILE = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''['__class__'] }}",
    "{% import os %}",
    "{% import 'os' as os %}{{ os.environ }}",
    "{% include '/etc/passwd' %}",
    "{% extends '/etc/passwd' %}",
    "{% from 'x' import y %}",
    "{{ self._TemplateReference__context }}",
    "{{ self }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ namespace.__init__.__globals__.os }}",
    "{{ range.__globals__ }}",
    "{{ range }}",
    "{{ range.__class__ }}",
    "{{ config }}",
    "{{ config.items() }}",
    "{{ request }}",
    "{{ request.environ }}",
    "{{ settings.SECRET_KEY }}",
    "{{ client.__dict__ }}",
    "{{ client.items() }}",
    "{{ client.name.upper }}",
    "{{ client.name.format }}",
    "{{ '{0.__class__}'.format(client.name) }}",
    "{{ '%s' % client }}",
    "{{ client|attr('items') }}",
    "{{ client|map('upper')|list }}",
    "{{ client.name|string }}",
    "{{ client|pprint }}",
    "{{ client }}",
    "{{ [client]|join }}",
    "{{ 'x' ~ client }}",
    "{{ loop }}",
    "{% for x in range(2) %}{{ loop.cycle }}{{ loop.__class__ }}{% endfor %}",
    "{% macro m() %}{{ caller }}{% endmacro %}{{ m() }}",
    "{% set x %}{{ client }}{% endset %}{{ x }}",
    "{% filter upper %}{{ client.name }}{% endfilter %}",
    "{% autoescape false %}{{ client.name }}{% endautoescape %}",
    "{{ client.name|safe }}",
    "{% set ns = namespace() %}{% set ns.x = 1 %}",
    "{% for i in range(999999999) %}x{% endfor %}",
    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{% for a in 'x' * 200000 %}{% for b in 'x' * 200000 %}{% endfor %}{% endfor %}",
    "{{ 9**9**9 }}",
    "{{ 9**999999999 }}",
    "{{ (10**64)**64 }}",
    "{{ 'x' * 10**9 }}",
    "{{ 2**64 * 2**64 }}",
    "{{ [1] * 10**9 }}",
    "{% set s = 'x' * 150000 %}{{ s ~ s }}",
    "{% set s = 'x' * 150000 %}{{ s + s }}",
    "{% set s = 'x' * 1000 %}{{ s|replace('', s) }}",
    "{% set l = ['x' * 199999] * 199999 %}{{ l|join }}",
    "{% set s = 'x' * 199999 %}{% for i in range(1000) %}{{ s }}{% endfor %}",
    "{% for i in range(1000) %}{% for j in range(9) %}{{ ('y' * 199999)|replace('y', 'z')|length }}"
    "{% endfor %}{% endfor %}",
    "{{ '%999999999d' % 1 }}",
    "{{ 1" + " + 1" * 5000 + " }}",
    "{{ 1/0 }}",
    "{{ 'abc'|int + 'x' }}",
    "{{ " + "9" * 5000 + " }}",
]
# Odd, but not hostile: they render (or not) without harm.
ODD = [
    "{{ ((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))) }}" * 40,
    "{% if 1 %}" * 30 + "x" + "{% endif %}" * 30,
    "{% for a in range(2) %}" * 25 + "x" + "{% endfor %}" * 25,
    "{{ '" + "x" * 99_000 + "' }}",
    "{{ 10**30 * 10**8 }}",
    "{{ 2 ** -3 }} {{ 2.5 ** 2 }} {{ 1e308 * 10 }}",
    "{% raw %}{{ self }}{% endraw %}",
]
LEAKS = ["<function", "<class", " at 0x", "TemplateReference", "jinja2", "Context", "builtins", "/etc/passwd"]


def assert_harmless(text, source=""):
    """No secret and no Python object in `text` (beyond what the template itself spells, quoted in an error)."""
    assert settings.SECRET_KEY not in text
    for leak in LEAKS:
        assert leak in source or leak not in text, text[:300]


@pytest.mark.parametrize("source", HOSTILE + ODD)
@pytest.mark.parametrize("html", [True, False], ids=["html", "text"])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_a_hostile_template_fails_or_renders_harmlessly_within_its_time_limit(source, html, strict):
    started = time.thread_time()  # CPU time: what the template spends, whatever else the machine does
    try:
        result = render_part(source, SAMPLE, html=html, strict=strict)
    except TemplateRenderError as exc:
        result = str(exc)
    assert time.thread_time() - started < 1.5
    assert len(result) <= rendering.MAX_OUTPUT
    assert_harmless(result, source)


@pytest.mark.parametrize("source", HOSTILE)
def test_a_hostile_template_is_refused_when_saved_with_a_readable_reason(source):
    errors = check(subject=source, html=source, text=source, variables=SPEC.variables, sample=SAMPLE)
    assert set(errors) == {"subject", "html", "text"}, source
    for message in errors.values():
        assert message.endswith("."), message
        assert_harmless(message, source)


@pytest.fixture
def welcome(db):
    template, _ = EmailTemplate.objects.get_or_create(
        action=WELCOME, defaults={"subject": SPEC.subject, "text": SPEC.text, "html": default_html(WELCOME)}
    )
    return template


CONTEXT = {"client": {"id_code": "1500", "name": "Acme"}, "contact": {"first_name": "Grace", "last_name": "Hopper"}}


@pytest.mark.parametrize("source", HOSTILE + ODD)
def test_at_send_time_a_hostile_template_is_a_failed_row_or_a_harmless_email_never_an_error(welcome, source):
    # Saved behind the check's back (as a database edit would), then sent by an action.
    subject = source if len(source) <= SUBJECT_MAX else "Hello"  # the column's own limit
    EmailTemplate.objects.filter(pk=welcome.pk).update(subject=subject, html=source, text=source)
    [pk] = send_template_mail(WELCOME, to=["grace@example.com"], context=CONTEXT)
    email = OutboundEmail.objects.get(pk=pk)
    assert email.status in {MailStatus.QUEUED, MailStatus.FAILED}
    if email.status == MailStatus.FAILED:
        assert email.last_error.startswith("The template could not be rendered: ")
    for text in (email.subject, email.text_body, email.html_body, email.last_error):
        assert_harmless(text, source)


def test_a_failed_send_names_the_part_and_why(welcome):
    EmailTemplate.objects.filter(pk=welcome.pk).update(text="{{ client.name.__class__ }}")
    [pk] = send_template_mail(WELCOME, to=["grace@example.com"], context=CONTEXT)
    email = OutboundEmail.objects.get(pk=pk)
    assert email.status == MailStatus.FAILED
    assert email.last_error == (
        "The template could not be rendered: Text: Line 1: “__class__”: names starting with _ are not available."
    )


def test_at_send_time_a_missing_value_prints_nothing(welcome):
    EmailTemplate.objects.filter(pk=welcome.pk).update(text="Hello {{ contact.first_name }}{{ contact.nickname }}!")
    [pk] = send_template_mail(WELCOME, to=["grace@example.com"], context=CONTEXT)
    assert OutboundEmail.objects.get(pk=pk).text_body == "Hello Grace!"


# --- Values are data ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% include 'x' %}", "{{ settings.SECRET_KEY }}", "${7*7}"])
def test_text_a_client_typed_is_printed_never_evaluated(name):
    rendered = render(
        subject="Hi {{ client.name }}",
        html="<p>{{ client.name }}</p>",
        text="{{ client.name }}",
        context={"client": {"name": name}},
        strict=True,
    )
    assert rendered.subject == f"Hi {name}"
    assert rendered.text == name
    assert "49" not in rendered.html + rendered.text
    assert_harmless(rendered.html + rendered.text)


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        '<a href="https://evil.example">Pay here</a>',
        Markup("<b>bold</b>"),
        mark_safe("<img src=x onerror=alert(1)>"),  # a "safe" string is escaped all the same
    ],
)
def test_client_text_is_escaped_in_the_html_part_even_when_marked_safe(name):
    rendered = render(subject="", html="<p>{{ client.name }}</p>", text="", context={"client": {"name": name}})
    assert "<script" not in rendered.html
    for tag in ("<a ", "<b>", "<img"):
        assert tag not in rendered.html
    assert rendered.html.startswith("<p>&lt;")
    assert rendered.text == str(name)  # made from the HTML: the text reads as typed


def test_a_subject_stays_one_line_whatever_the_values_hold():
    rendered = render(
        subject="Re: {{ ticket.subject }}",
        html="",
        text="x",
        context={"ticket": {"subject": "Hi\r\nBcc: victim@example.com\n\tthere"}},
    )
    assert rendered.subject == "Re: Hi Bcc: victim@example.com there"


def test_the_context_is_plain_values_only():
    class Secretive:
        def __str__(self):
            return settings.SECRET_KEY

    with pytest.raises(TemplateRenderError, match="not a Secretive"):
        render(subject="{{ x }}", html="", text="x", context={"x": Secretive()})
    with pytest.raises(TemplateRenderError, match="not a function"):
        render(subject="{{ x }}", html="", text="x", context={"x": lambda: 1})
    rendered = render(
        subject="{{ x }} {{ n }} {{ none }}", html="", text="x", context={"x": gettext_lazy("Yes"), "n": 3}
    )
    assert rendered.subject == "Yes 3"


def test_a_subject_longer_than_a_header_line_is_refused():
    with pytest.raises(TemplateRenderError, match=r"Subject: The subject comes out longer than 998 characters\."):
        render(subject="{{ client.name * 5 }}", html="", text="x", context={"client": {"name": "x" * 300}})


# --- What templates may do --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ client.name|upper }}", "ACME HOSTING LTD"),
        ("{{ client['name'] }}", "Acme Hosting Ltd"),
        ("{{ contact.first_name ~ ' ' ~ contact.last_name }}", "Grace Hopper"),
        ("{{ contact.first_name + '!' }}", "Grace!"),
        ("{{ ''|default('friend', true) }}", "friend"),
        ("{% if client.id_code|int > 1000 %}big{% else %}small{% endif %}", "big"),
        ("{% for letter in contact.first_name %}{{ loop.index }}{{ letter }}{% endfor %}", "1G2r3a4c5e"),
        ("{% for i in range(3) %}{{ i }}{% if not loop.last %},{% endif %}{% endfor %}", "0,1,2"),
        ("{% set who = contact.first_name %}{{ who|lower }}", "grace"),
        ("{{ client.name|truncate(9) }}", "Acme..."),
        ("{{ client.name|replace('Ltd', 'Limited') }}", "Acme Hosting Limited"),
        ("{{ ['a', 'b']|join(', ') }}", "a, b"),
        ("{{ client.name|length }} {{ 6 * 7 }} {{ 2 ** 10 }} {{ 7 % 3 }}", "16 42 1024 1"),
        ("{{ none }}|{{ client.name is string }}", "|True"),
        ("{% if contact.email is defined %}{{ contact.email|e }}{% endif %}", "grace@acme.example"),
    ],
)
def test_the_documented_kinds_of_template_work(source, expected):
    assert render_part(source, SAMPLE, html=False, strict=True) == expected
    assert check(subject="x", html="", text=source, variables=SPEC.variables, sample=SAMPLE) == {}


def test_the_html_part_escapes_and_is_sanitised_and_the_text_is_made_from_it():
    rendered = render(
        subject="Welcome",
        html='<p onclick="x()">Hi {{ contact.first_name }}</p><script>alert(1)</script>'
        '<p><a href="https://desk.example.com/">Desk</a></p>',
        text="",
        context=SAMPLE,
    )
    assert rendered.html == (
        '<p>Hi Grace</p><p><a href="https://desk.example.com/" rel="noopener noreferrer nofollow">Desk</a></p>'
    )
    assert rendered.text == "Hi Grace\n\nDesk (https://desk.example.com/)"


def test_limits_are_counted_per_render_not_per_process():
    source = "{% for i in range(1000) %}{% for j in range(9) %}{% endfor %}{% endfor %}"
    for _ in range(3):
        assert render_part(source, {}, html=False) == ""


def test_strict_and_lenient_compilations_are_kept_apart():
    assert render_part("{{ nope }}", {}, html=False, strict=False) == ""
    with pytest.raises(TemplateRenderError, match="'nope' is undefined"):
        render_part("{{ nope }}", {}, html=False, strict=True)
