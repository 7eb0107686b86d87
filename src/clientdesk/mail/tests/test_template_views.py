"""Settings → Email templates: who may use the pages, the list, edit with preview, stale saves, Restore default."""

import dataclasses
import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import EmailTemplate, TemplateAction

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
WELCOME = TemplateAction.ACCOUNT_WELCOME


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


def url(name, action=WELCOME):
    if name == "emailtemplate_list":
        return reverse("mail_templates:emailtemplate_list")
    return reverse(f"mail_templates:{name}", args=[action])


def found(pattern, text, group=1):
    """The group of `pattern`'s first match in `text` (the test fails when there is none)."""
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(group)


def template_events():
    return AuditEvent.objects.filter(action__startswith="mail.template")


def loaded_form(web, action=WELCOME, **overrides):
    """The edit form as the page serves it, with `overrides` typed in (None unticks / leaves out)."""
    page = web.get(url("emailtemplate_edit", action)).content.decode()

    def value(name):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        return html.unescape(found.group(1)) if found else ""

    def textarea(name):
        found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
        return html.unescape(found.group(1)) if found else ""

    data = {
        "subject": value("subject"),
        "html": textarea("html"),
        "text": textarea("text"),
        "loaded_at": value("loaded_at"),
    }
    if re.search(r'name="active"[^>]*checked', page):
        data["active"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Permissions: anonymous → sign-in, every role but Admin → 403 ------------------------------------

PAGES = [
    ("emailtemplate_list", "get"),
    ("emailtemplate_edit", "get"),
    ("emailtemplate_edit", "post"),
    ("emailtemplate_preview", "post"),
    ("emailtemplate_reset", "get"),
    ("emailtemplate_reset", "post"),
]
POSTED = {"subject": "Hacked", "html": "", "text": "Hacked", "active": "on"}


@pytest.mark.parametrize(("name", "method"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, welcome, name, method):
    response = getattr(client, method)(url(name), POSTED if method == "post" else {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    welcome.refresh_from_db()
    assert welcome.subject == SPECS[WELCOME].subject


@pytest.mark.parametrize("who", ["outsider", "readonly", "support", "billing"])
@pytest.mark.parametrize(("name", "method"), PAGES)
def test_everyone_but_admin_gets_403(request, login_as, welcome, who, name, method):
    web = login_as(request.getfixturevalue(who))
    response = getattr(web, method)(url(name), POSTED if method == "post" else {})
    assert response.status_code == 403
    assert "Can change email template" in response.content.decode()
    welcome.refresh_from_db()
    assert welcome.subject == SPECS[WELCOME].subject
    assert not template_events().exists()


def test_an_unknown_template_is_404(login_as, admin, templates):
    web = login_as(admin)
    assert web.get(url("emailtemplate_edit", "no_such_email")).status_code == 404
    assert web.post(url("emailtemplate_reset", "no_such_email")).status_code == 404
    EmailTemplate.objects.filter(action=WELCOME).delete()
    assert web.get(url("emailtemplate_edit")).status_code == 404


def test_the_writes_take_no_get_where_they_should_not(login_as, admin, welcome):
    assert login_as(admin).get(url("emailtemplate_preview")).status_code == 405


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_every_template_with_its_recipients_state_and_last_change(login_as, admin, templates):
    EmailTemplate.objects.filter(action=TemplateAction.TICKET_UPDATED).update(active=False)
    response = login_as(admin).get(url("emailtemplate_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<tr>\n      <th scope="row"') == len(SPECS) == 11
    for action, spec in SPECS.items():
        assert f'href="{url("emailtemplate_edit", action)}"' in page
        assert html.escape(spec.recipients) in page
    assert page.count("Off: not sent") == 1
    assert page.count(">Active</span>") == 10
    # In the order of the catalog: welcome first, the staff emails last.
    assert page.index(">Welcome</a>") < page.index(">Invoice delivery</a>") < page.index(">Staff password reset</a>")


# --- Edit ----------------------------------------------------------------------------------------


def test_the_edit_page_shows_the_template_its_recipients_and_its_documented_variables(login_as, admin, welcome):
    page = login_as(admin).get(url("emailtemplate_edit")).content.decode()
    assert "Edit the “Welcome” email" in page
    assert html.escape(SPECS[WELCOME].recipients) in page
    assert 'class="font-monospace form-control"' in page
    for name, description in SPECS[WELCOME].variables.items():
        assert f"<code>{{{{ {name} }}}}</code>" in page
        assert html.escape(description) in page
    assert "Sample: Acme Hosting Ltd" in page
    assert f'value="{welcome.updated_at.isoformat()}"' in page
    assert "service.name" not in page  # another template's variable


def test_save_changes_the_template_and_goes_back_to_the_list(login_as, admin, welcome):
    web = login_as(admin)
    data = loaded_form(web, subject="Welcome aboard, {{ contact.first_name }}", text="Hi {{ contact.first_name }}!")
    response = web.post(url("emailtemplate_edit"), data, follow=True)
    assert response.redirect_chain == [(url("emailtemplate_list"), 302)]
    assert "The “Welcome” email was saved." in response.content.decode()
    welcome.refresh_from_db()
    assert (welcome.subject, welcome.text, welcome.active) == (
        "Welcome aboard, {{ contact.first_name }}",
        "Hi {{ contact.first_name }}!",
        True,
    )
    event = template_events().get()
    assert (event.action, event.actor_user, event.target_pk) == ("mail.template_update", admin, str(welcome.pk))


def test_unticking_active_switches_the_email_off(login_as, admin, welcome):
    web = login_as(admin)
    web.post(url("emailtemplate_edit"), loaded_form(web, active=None))
    welcome.refresh_from_db()
    assert welcome.active is False
    assert template_events().get().changes == {"active": [True, False]}


def test_saving_what_is_there_changes_nothing_and_says_so(login_as, admin, welcome):
    web = login_as(admin)
    before = welcome.updated_at
    response = web.post(url("emailtemplate_edit"), loaded_form(web), follow=True)
    assert "No changes to save" in response.content.decode()
    welcome.refresh_from_db()
    assert welcome.updated_at == before
    assert not template_events().exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "", "Enter a subject."),
        ("subject", "Hi {{ config }}", "Unknown variable: {{ config }} (line 1)."),
        ("html", "<p>{{ client.name.__class__ }}</p>", "names starting with _ are not available"),
        ("html", "<p>{% include '/etc/passwd' %}</p>", "{% include %} is not available"),
        ("text", "{{ settings.SECRET_KEY }}", "Unknown variable: {{ settings.SECRET_KEY }}"),
        ("text", "{% for i in range(999999999) %}x{% endfor %}", "range() is limited to 1,000 items"),
        ("text", "Hello {{ contact.first_name", "Line 1: Unexpected end of template"),
    ],
)
def test_a_template_error_is_shown_on_its_field_and_nothing_is_saved(login_as, admin, welcome, field, value, message):
    web = login_as(admin)
    response = web.post(url("emailtemplate_edit"), loaded_form(web, **{field: value}))
    page = response.content.decode()
    assert response.status_code == 422
    errors = re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', page, re.S)
    assert any(message in html.unescape(error) for error in errors), errors
    assert re.search(rf'name="{field}"[^>]*class="font-monospace form-control is-invalid"', page)
    welcome.refresh_from_db()
    assert welcome.subject == SPECS[WELCOME].subject
    assert not template_events().exists()


def test_a_stale_save_is_refused_with_409_and_a_second_save_replaces_the_other_version(login_as, admin, welcome):
    web = login_as(admin)
    data = loaded_form(web, subject="Mine")
    EmailTemplate.objects.filter(pk=welcome.pk).update(
        subject="Theirs", updated_at=welcome.updated_at + timedelta(seconds=5)
    )
    response = web.post(url("emailtemplate_edit"), data)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this template after you opened it." in page
    assert 'value="Mine"' in page  # what the staff member typed is kept
    welcome.refresh_from_db()
    assert welcome.subject == "Theirs"
    assert not template_events().exists()
    # The form now carries their save's time: saving again, on purpose, replaces it.
    loaded = found(r'name="loaded_at" value="([^"]+)"', page)
    assert loaded == welcome.updated_at.isoformat()
    assert web.post(url("emailtemplate_edit"), {**data, "loaded_at": loaded}).status_code == 302
    welcome.refresh_from_db()
    assert welcome.subject == "Mine"


@pytest.mark.parametrize("loaded_at", ["", "yesterday", "2026-01-01T10:00:00"])
def test_a_form_without_a_readable_loaded_at_is_refused(login_as, admin, welcome, loaded_at):
    web = login_as(admin)
    response = web.post(url("emailtemplate_edit"), loaded_form(web, subject="Changed", loaded_at=loaded_at))
    assert response.status_code == 422
    assert "This form could not be read back." in response.content.decode()
    welcome.refresh_from_db()
    assert welcome.subject == SPECS[WELCOME].subject


# --- Preview ---------------------------------------------------------------------------------------


def test_preview_renders_the_form_as_typed_with_the_sample_values_in_place(login_as, admin, welcome):
    web = login_as(admin)
    data = loaded_form(
        web,
        subject="Hi {{ contact.first_name }}",
        html='<p>Welcome, <b>{{ client.name }}</b> <a href="javascript:alert(1)">x</a></p><script>alert(1)</script>',
        text="",
    )
    response = web.post(url("emailtemplate_preview"), data, headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # the partial, not the page
    assert '<dd class="col-sm-10" id="preview-subject">Hi Grace</dd>' in page
    frame = found(r"<iframe ([^>]*)>", page)
    assert 'sandbox=""' in frame
    document = html.unescape(found(r'srcdoc="([^"]*)"', frame))
    assert "<b>Acme Hosting Ltd</b>" in document
    assert "<script" not in document
    assert "javascript:" not in document
    assert "Removed when sent: a link that is not http(s) or mailto (javascript:alert(1)), &lt;script&gt;." in page
    assert 'id="preview-text">Welcome, Acme Hosting Ltd x</div>' in page
    assert '<p id="preview-status" class="visually-hidden" role="status" hx-swap-oob="true">' in page
    welcome.refresh_from_db()
    assert welcome.subject == SPECS[WELCOME].subject  # a preview saves nothing
    assert not template_events().exists()


def test_preview_lists_each_parts_errors_instead(login_as, admin, welcome):
    web = login_as(admin)
    data = loaded_form(web, subject="{{ request }}", html="<p>{{ ''.__class__ }}</p>")
    page = web.post(url("emailtemplate_preview"), data, headers=HTMX).content.decode()
    assert "The preview cannot be made" in page
    assert "<li>Subject: Unknown variable: {{ request }} (line 1)." in html.unescape(page)
    assert "<li>HTML: Line 1: “__class__”: names starting with _ are not available.</li>" in html.unescape(page)
    assert "<iframe" not in page


def test_preview_without_htmx_shows_the_edit_page_with_the_preview_and_what_was_typed(login_as, admin, welcome):
    web = login_as(admin)
    data = loaded_form(web, subject="Typed {{ client.id_code }}")
    page = web.post(url("emailtemplate_preview"), data).content.decode()
    assert "Edit the “Welcome” email" in page
    assert 'value="Typed {{ client.id_code }}"' in page
    assert '<dd class="col-sm-10" id="preview-subject">Typed 1500</dd>' in page
    assert "hx-swap-oob" not in page


def test_client_text_in_the_sample_is_never_a_template_and_is_escaped(login_as, admin, welcome, monkeypatch):
    sample = {**SPECS[WELCOME].sample, "client": {"id_code": "1500", "name": "{{ 7*7 }}<script>x</script>"}}
    monkeypatch.setitem(SPECS, WELCOME, dataclasses.replace(SPECS[WELCOME], sample=sample))
    web = login_as(admin)
    page = web.post(url("emailtemplate_preview"), loaded_form(web, html="<p>{{ client.name }}</p>"), headers=HTMX)
    document = html.unescape(found(r'srcdoc="([^"]*)"', page.content.decode()))
    assert "<p>{{ 7*7 }}&lt;script&gt;x&lt;/script&gt;</p>" in document
    assert "49" not in document


# --- Restore default -----------------------------------------------------------------------------


def test_restore_default_asks_first_then_puts_the_default_back_keeping_active(login_as, admin, welcome):
    EmailTemplate.objects.filter(pk=welcome.pk).update(subject="Custom", text="Custom text", html="", active=False)
    web = login_as(admin)
    page = web.get(url("emailtemplate_reset")).content.decode()
    assert "Restore the default “Welcome” email?" in page
    assert html.escape(SPECS[WELCOME].subject) in page
    welcome.refresh_from_db()
    assert welcome.subject == "Custom"  # asking changes nothing
    response = web.post(url("emailtemplate_reset"), follow=True)
    assert response.redirect_chain == [(url("emailtemplate_edit"), 302)]
    assert "The “Welcome” email is back to its default text." in response.content.decode()
    welcome.refresh_from_db()
    assert (welcome.subject, welcome.text, welcome.html, welcome.active) == (
        SPECS[WELCOME].subject,
        SPECS[WELCOME].text,
        default_html(WELCOME),
        False,
    )
    assert template_events().get().action == "mail.template_reset"


# --- Query counts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 11])
def test_the_list_runs_5_queries_for_one_template_or_all_eleven(
    login_as, admin, templates, django_assert_num_queries, count
):
    EmailTemplate.objects.exclude(action__in=list(SPECS)[:count]).delete()
    web = login_as(admin)
    # 4 (session, user, the user's own permissions, those of their roles) + the templates.
    with django_assert_num_queries(5):
        response = web.get(url("emailtemplate_list"))
    assert response.content.decode().count('<tr>\n      <th scope="row"') == count


def test_the_edit_page_and_the_preview_run_5_queries(login_as, admin, welcome, django_assert_num_queries):
    web = login_as(admin)
    data = loaded_form(web)
    # 4 (session, user, permissions) + the template.
    with django_assert_num_queries(5):
        assert web.get(url("emailtemplate_edit")).status_code == 200
    with django_assert_num_queries(5):
        assert web.post(url("emailtemplate_preview"), data, headers=HTMX).status_code == 200
