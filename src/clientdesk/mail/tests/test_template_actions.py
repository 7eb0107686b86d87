"""template_update and template_reset: what they save, what they record, what they refuse and why."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from clientdesk.audit.models import AuditEvent
from clientdesk.mail import rendering
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import SUBJECT_MAX, EmailTemplate, TemplateAction
from clientdesk.mail.template_actions import TemplateChangedError, template_reset, template_update

pytestmark = pytest.mark.django_db

WELCOME = TemplateAction.ACCOUNT_WELCOME
INVOICE = TemplateAction.INVOICE_DELIVERY


@pytest.fixture
def templates(db):
    """Every automatic email's template, as the data migration installs them (a flushed database has none)."""
    for action, spec in SPECS.items():
        EmailTemplate.objects.get_or_create(
            action=action, defaults={"subject": spec.subject, "text": spec.text, "html": default_html(action)}
        )
    return {t.action: t for t in EmailTemplate.objects.all()}


@pytest.fixture
def welcome(templates):
    return templates[WELCOME]


def events():
    return AuditEvent.objects.filter(action__startswith="mail.template")


def update(template, actor=None, **changes):
    values = {"subject": template.subject, "html": template.html, "text": template.text, "active": template.active}
    return template_update(actor=actor, template=template, **{**values, **changes})


def test_every_default_template_passes_the_check_and_renders_its_sample():
    for action, spec in SPECS.items():
        html = default_html(action)
        assert (
            rendering.check(
                subject=spec.subject, html=html, text=spec.text, variables=spec.variables, sample=spec.sample
            )
            == {}
        ), action
        rendered = rendering.render(subject=spec.subject, html=html, text=spec.text, context=spec.sample, strict=True)
        assert rendered.subject, action
        assert rendered.text, action
        assert rendered.html.startswith("<p>"), action
        assert "{{" not in rendered.text + rendered.subject + rendered.html, action


@pytest.mark.parametrize("action", list(SPECS))
def test_every_documented_variable_has_a_sample_value_so_any_of_them_can_be_saved(action):
    spec = SPECS[action]
    text = " ".join(f"{{{{ {name} }}}}" for name in spec.variables)
    assert rendering.check(subject="x", html="", text=text, variables=spec.variables, sample=spec.sample) == {}


def test_update_saves_the_parts_and_records_what_changed(admin, welcome):
    saved = update(
        welcome,
        actor=admin,
        subject="  Welcome,\n {{ contact.first_name }}  ",
        html="<p>Hi {{ contact.first_name }}</p>\r\n",
        text="Hi {{ contact.first_name }}\r\nBye\r\n",
        active=False,
    )
    welcome.refresh_from_db()
    assert (welcome.subject, welcome.html, welcome.text, welcome.active) == (
        "Welcome, {{ contact.first_name }}",  # one line, spaces as one
        "<p>Hi {{ contact.first_name }}</p>",
        "Hi {{ contact.first_name }}\nBye",  # line breaks as \n, trimmed
        False,
    )
    assert saved.updated_at == welcome.updated_at
    event = events().get()
    assert (event.action, event.actor_user, event.target_model, event.target_pk) == (
        "mail.template_update",
        admin,
        "mail.emailtemplate",
        str(welcome.pk),
    )
    spec = SPECS[WELCOME]
    assert event.changes == {
        "subject": [spec.subject, "Welcome, {{ contact.first_name }}"],
        "html": [default_html(WELCOME), "<p>Hi {{ contact.first_name }}</p>"],
        "text": [spec.text, "Hi {{ contact.first_name }}\nBye"],
        "active": [True, False],
    }


def test_update_records_only_the_fields_that_changed(welcome):
    update(welcome, text="Just the text, {{ contact.first_name }}.")
    assert set(events().get().changes) == {"text"}


def test_update_with_nothing_changed_writes_and_records_nothing(welcome):
    before = welcome.updated_at
    update(welcome, subject=f"  {welcome.subject}  ", text=welcome.text + "\n")  # what is saved is the same
    welcome.refresh_from_db()
    assert welcome.updated_at == before
    assert not events().exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"subject": "   "}, "subject", "Enter a subject."),
        ({"subject": "x" * (SUBJECT_MAX + 1)}, "subject", f"Keep the subject to {SUBJECT_MAX} characters."),
        ({"subject": "{{ contact.first_name * 1000 }}"}, "subject", "The subject comes out longer than 998"),
        ({"html": "", "text": ""}, "text", "Write the email's text, its HTML, or both."),
        ({"subject": "Hi {{ staff.email }}"}, "subject", "Unknown variable: {{ staff.email }} (line 1)."),
        ({"html": "<p>{{ client }}</p>"}, "html", "Line 1: client is a group of values: use one of them"),
        ({"html": "<p>{{ client.name|safe }}</p>"}, "html", "Line 1: There is no filter |safe."),
        ({"text": "{% autoescape false %}x{% endautoescape %}"}, "text", "{% autoescape %} is not available"),
        ({"text": "{{ client.name.upper() }}"}, "text", "Only range() can be called"),
        ({"text": "{% if %}"}, "text", "Line 1: "),
        ({"text": "{{ 'x' * 10**9 }}"}, "text", "The template makes more than 200,000 characters."),
        ({"text": "x" * 100_001}, "text", "Keep each part under 100,000 characters."),
    ],
)
def test_update_refuses_a_bad_part_by_its_field_and_saves_nothing(welcome, changes, field, message):
    with pytest.raises(ValidationError) as refused:
        update(welcome, **changes)
    assert field in refused.value.message_dict
    assert message in refused.value.message_dict[field][0]
    welcome.refresh_from_db()
    assert welcome.subject == SPECS[WELCOME].subject
    assert not events().exists()


def test_update_refuses_every_bad_part_at_once(welcome):
    with pytest.raises(ValidationError) as refused:
        update(welcome, subject="{{ nope }}", html="<p>{% include 'x' %}</p>", text="{{ 1 +}}")
    assert set(refused.value.message_dict) == {"subject", "html", "text"}


def test_a_variable_of_another_template_is_unknown_here(templates):
    update(templates[INVOICE], text="{{ invoice.number }} {{ invoice.total }}")  # its own: fine
    with pytest.raises(ValidationError, match=re.escape("Unknown variable: {{ invoice.number }}")):
        update(templates[WELCOME], text="{{ invoice.number }}")


def test_names_a_template_sets_itself_are_not_unknown(welcome):
    update(
        welcome,
        text="{% set greeting = 'Hello' %}{% for letter in contact.first_name %}{{ letter }}{{ loop.index }}"
        "{% endfor %}{% with who = client.name %}{{ greeting }} {{ who|upper }}{% endwith %}",
    )
    welcome.refresh_from_db()
    assert welcome.text.startswith("{% set greeting")


def test_a_save_over_someone_elses_newer_one_is_refused(welcome):
    loaded_at = welcome.updated_at
    EmailTemplate.objects.filter(pk=welcome.pk).update(subject="Theirs", updated_at=loaded_at + timedelta(seconds=1))
    with pytest.raises(TemplateChangedError) as refused:
        update(welcome, subject="Mine", loaded_at=loaded_at)
    assert refused.value.code == "conflict"
    welcome.refresh_from_db()
    assert welcome.subject == "Theirs"
    assert not events().exists()


def test_a_save_loaded_from_the_current_version_goes_through(welcome):
    update(welcome, subject="Mine", loaded_at=welcome.updated_at)
    welcome.refresh_from_db()
    assert welcome.subject == "Mine"


def test_reset_puts_the_default_back_keeps_active_and_records_it(admin, welcome):
    EmailTemplate.objects.filter(pk=welcome.pk).update(subject="Custom", html="<p>Custom</p>", active=False)
    template_reset(actor=admin, template=welcome)
    welcome.refresh_from_db()
    spec = SPECS[WELCOME]
    assert (welcome.subject, welcome.html, welcome.text, welcome.active) == (
        spec.subject,
        default_html(WELCOME),
        spec.text,
        False,
    )
    event = events().get()
    assert event.action == "mail.template_reset"
    assert event.changes == {"subject": ["Custom", spec.subject], "html": ["<p>Custom</p>", default_html(WELCOME)]}


def test_reset_of_a_default_template_records_nothing(welcome):
    template_reset(actor=None, template=welcome)
    assert not events().exists()
