"""Email templates in real Chromium: open the list, edit the welcome email, preview it in place, save it."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import EmailTemplate, TemplateAction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def templates(db):
    """Every automatic email's template (a transactional test's database is flushed: the migration's rows go)."""
    for action, spec in SPECS.items():
        EmailTemplate.objects.get_or_create(
            action=action, defaults={"subject": spec.subject, "text": spec.text, "html": default_html(action)}
        )


def test_edit_the_welcome_email_preview_it_in_place_and_save_it_from_the_keyboard(page, sign_in, admin, templates):
    sign_in(admin)
    page.goto("/settings/email-templates/")
    expect(page.get_by_role("heading", name="Email templates")).to_be_visible()
    rows = page.locator("#email-templates tbody tr")
    expect(rows).to_have_count(11)
    welcome = rows.filter(has=page.get_by_role("link", name="Welcome", exact=True))
    expect(welcome).to_contain_text("The client's primary contact")
    expect(welcome).to_contain_text("Active")

    page.get_by_role("link", name="Edit the “Welcome” email").click()
    expect(page.get_by_role("heading", name="Edit the “Welcome” email")).to_be_visible()
    variables = page.locator("#template-variables")
    expect(variables).to_contain_text("{{ contact.first_name }}")
    expect(variables).to_contain_text("Sample: Grace")

    # From the keyboard: type a new subject and HTML, then Tab to Preview and press Enter.
    subject = page.get_by_label("Subject")
    subject.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Welcome aboard, {{ contact.first_name }}")
    html = page.get_by_label("HTML")
    html.fill(
        "<p>Hello <strong>{{ contact.first_name }}</strong>, client {{ client.id_code }}.</p>"
        '<p><a href="{{ desk_url }}">Your desk</a></p><script>alert(1)</script>'
    )
    page.get_by_label("Text").fill("")
    page.evaluate("window.__sameDocument = true")
    preview_button = page.get_by_role("button", name="Preview")
    page.get_by_label(re.compile("^Active")).focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(preview_button).to_be_focused()
    page.keyboard.press("Enter")

    preview = page.locator("#template-preview")
    expect(preview.locator("#preview-subject")).to_have_text("Welcome aboard, Grace")
    expect(preview.locator("#preview-text")).to_have_text(
        "Hello Grace, client 1500.\n\nYour desk (https://desk.example.com/)", use_inner_text=True
    )
    expect(preview).to_contain_text("Removed when sent: <script>.")
    frame = page.frame_locator("#template-preview iframe")
    expect(frame.locator("strong")).to_have_text("Grace")
    expect(frame.locator("script")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("The preview is up to date.")
    assert page.evaluate("window.__sameDocument") is True  # in place, not a new page
    expect(subject).to_have_value("Welcome aboard, {{ contact.first_name }}")  # the form as it was
    assert page.locator("#template-preview iframe").get_attribute("sandbox") == ""

    # A mistake is shown in the preview, then on its field when saving; nothing is saved.
    page.get_by_label("Text").fill("Hi {{ settings.SECRET_KEY }}")
    preview_button.click()
    expect(preview.get_by_role("alert")).to_contain_text("Text: Unknown variable: {{ settings.SECRET_KEY }} (line 1).")
    subject.focus()
    page.keyboard.press("Enter")  # submits with the form's first button: Save template
    expect(page.locator("#id_text + .form-text + .invalid-feedback, #id_text ~ .invalid-feedback")).to_contain_text(
        "Unknown variable: {{ settings.SECRET_KEY }}"
    )
    expect(page.get_by_label("Text")).to_have_class(re.compile("is-invalid"))
    assert EmailTemplate.objects.get(action=TemplateAction.ACCOUNT_WELCOME).subject == SPECS["account_welcome"].subject

    # Fixed, saved: back on the list, which says so.
    page.get_by_label("Text").fill("Hello {{ contact.first_name }}, welcome aboard.")
    page.get_by_role("button", name="Save template").click()
    expect(page).to_have_url(re.compile(r"/settings/email-templates/$"))
    expect(page.get_by_role("alert")).to_contain_text("The “Welcome” email was saved.")
    saved = EmailTemplate.objects.get(action=TemplateAction.ACCOUNT_WELCOME)
    assert saved.subject == "Welcome aboard, {{ contact.first_name }}"
    assert saved.text == "Hello {{ contact.first_name }}, welcome aboard."
    assert "<script>" in saved.html  # kept as written; removed from every email sent


def test_restore_the_default_after_a_confirmation(page, sign_in, admin, templates):
    EmailTemplate.objects.filter(action=TemplateAction.ACCOUNT_WELCOME).update(subject="Custom subject")
    sign_in(admin)
    page.goto("/settings/email-templates/account_welcome/")
    expect(page.get_by_label("Subject")).to_have_value("Custom subject")
    page.get_by_role("link", name="Restore default…").click()
    expect(page.get_by_role("heading", name="Restore the default “Welcome” email?")).to_be_visible()
    page.get_by_role("button", name="Restore default").click()
    expect(page.get_by_role("alert")).to_contain_text("The “Welcome” email is back to its default text.")
    expect(page.get_by_label("Subject")).to_have_value(SPECS["account_welcome"].subject)
