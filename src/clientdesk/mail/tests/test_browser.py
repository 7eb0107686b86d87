"""Email Client, the Mail Log and Resend in real Chromium: formatted HTML queued, delivered over SMTP,
opened in place with its HTML in a sandboxed frame, resent to another address; from the keyboard."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.mail.models import MailStatus, OutboundEmail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SANDBOX_REFUSAL = re.compile(
    r"^Blocked script execution in '[^']+/html/' because the document's frame is sandboxed "
    r"and the 'allow-scripts' permission is not set\.$"
)


@pytest.fixture(autouse=True)
def sandbox_refusals_are_expected(monkeypatch):
    """The test harness adds its accessibility checker to every document, the HTML body's frame too: the
    frame's sandbox refuses to run it and Chromium says so in the console. That refusal is the sandbox
    at work, not a fault of the page; any other console error still fails the test."""
    from clientdesk.core import browser_testing

    checked = browser_testing.is_console_problem

    def is_problem(message, expected_statuses=()):
        return not SANDBOX_REFUSAL.match(message.text) and checked(message, expected_statuses)

    monkeypatch.setattr(browser_testing, "is_console_problem", is_problem)


# Whether the focused element is drawn as focused (an outline or a ring), as a keyboard user needs.
FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return el.matches(":focus-visible") && ((style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== "none");
}"""


def tab_to(page, target, *, limit=40):
    """Press Tab until `target` has focus, each stop on the way drawn as focused."""
    for _ in range(limit + 1):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_RING), page.evaluate("document.activeElement.outerHTML.slice(0, 160)")
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def test_email_a_client_see_it_queued_then_sent_open_it_and_resend_it(
    page, sign_in, check_a11y, support, make_client, smtp_server, deliver_outbox
):
    client = make_client(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    sign_in(support)
    page.goto(client.get_absolute_url())
    page.locator("#account-actions").get_by_role("link", name="Email client").click()
    expect(page.get_by_role("heading", name=re.compile("^Email #"))).to_be_visible()

    # The recipient: the primary contact, chosen already; the sender: the staff member.
    expect(page.get_by_role("radio", name="A contact")).to_be_checked()
    expect(page.get_by_label("Contact", exact=True)).to_have_value(str(client.contacts.get().pk))
    expect(page.get_by_label("From email")).to_have_value(support.email)
    page.get_by_label("Subject").fill("Your new server")

    # The message, written and formatted from the keyboard in the editor.
    editor = page.get_by_role("textbox", name="Message")
    expect(editor).to_have_attribute("contenteditable", "true")
    tab_to(page, editor)
    page.keyboard.type("Hello ")
    page.keyboard.press("Control+b")
    page.keyboard.type("Ada")
    page.keyboard.press("Control+b")
    page.keyboard.type(", it is ready.")
    page.keyboard.press("Enter")
    page.keyboard.type("- Daily backups")  # "- " starts a bulleted list
    page.keyboard.press("Enter")
    page.keyboard.type("Managed updates")
    expect(editor.locator("strong")).to_have_text("Ada")
    expect(editor.locator("ul li")).to_have_count(2)
    check_a11y(page)

    # The Text tab: empty, so the text part is made from the message.
    text_tab = page.get_by_role("tab", name="Text")
    text_tab.click()
    expect(text_tab).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Text part")).to_be_visible()
    expect(page.get_by_label("Text part")).to_have_value("")
    expect(editor).to_be_hidden()
    page.keyboard.press("ArrowLeft")  # back to the HTML tab, from the keyboard
    expect(page.get_by_role("tab", name="HTML")).to_have_attribute("aria-selected", "true")
    expect(editor).to_be_visible()
    page.get_by_role("button", name="Send email").click()

    # Queued: back on the client's Mail Log, the row says so.
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/emails/$"))
    expect(page.get_by_role("alert")).to_contain_text("Email queued")
    row = page.locator(".mail-row", has_text="Your new server")
    expect(row.locator(".mail-status")).to_have_text("Queued")
    email = OutboundEmail.objects.get()
    assert "<strong>Ada</strong>" in email.html_body
    assert email.text_body.startswith("Hello Ada, it is ready.\n")  # made from the HTML
    assert email.text_body.endswith("- Daily backups\n- Managed updates")

    # The worker delivers it to the SMTP server; the Mail Log then shows it sent.
    report = deliver_outbox()
    assert report.sent == 1
    (message,) = smtp_server.messages()
    assert message["To"] == "ada@example.com"
    assert "<strong>Ada</strong>" in message.get_body(("html",)).get_content()
    page.reload()
    row = page.locator(".mail-row", has_text="Your new server")
    expect(row.locator(".mail-status")).to_have_text("Sent")

    # Opened in place from the keyboard: the addresses, the text, and the HTML in its sandboxed frame.
    summary = row.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    detail = row.locator(".mail-detail-body")
    expect(detail).to_be_visible()
    expect(detail.locator(".mail-to")).to_have_text("ada@example.com")
    expect(detail.locator(".mail-from")).to_contain_text(support.email)
    expect(detail.locator(".mail-text")).to_contain_text("Hello Ada, it is ready.")
    frame_element = detail.locator("iframe")
    expect(frame_element).to_have_attribute("sandbox", "")
    frame = page.frame_locator(f"#email-{email.pk} iframe")
    expect(frame.locator("strong")).to_have_text("Ada")
    expect(frame.locator("li")).to_have_count(2)
    check_a11y(page)

    # Resend, to another address: the form comes pre-filled from the logged email.
    tab_to(page, detail.get_by_role("link", name=re.compile("^Resend")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Resend email")).to_be_visible()
    expect(page.get_by_role("radio", name="Another address")).to_be_checked()
    expect(page.get_by_label("Other address", exact=True)).to_have_value("ada@example.com")
    expect(page.get_by_label("Subject")).to_have_value("Your new server")
    expect(page.get_by_role("textbox", name="Message").locator("strong")).to_have_text("Ada")
    page.get_by_label("Other address", exact=True).fill("lovelace@example.org")
    page.get_by_role("button", name="Send email").click()

    expect(page.get_by_role("alert")).to_contain_text("Email queued")
    rows = page.locator(".mail-row")
    expect(rows).to_have_count(2)
    newest = rows.first
    expect(newest.locator(".mail-status")).to_have_text("Queued")
    expect(rows.nth(1).locator(".mail-status")).to_have_text("Sent")
    newest.locator("summary").click()
    expect(newest.locator(".mail-to")).to_have_text("lovelace@example.org")
    expect(newest.locator(".mail-resent-from")).to_contain_text("Your new server")
    resent = OutboundEmail.objects.exclude(pk=email.pk).get()
    assert (resent.resent_from_id, resent.status, resent.to) == (email.pk, MailStatus.QUEUED, ["lovelace@example.org"])


def test_the_widget_and_the_desk_mail_log_show_a_failure_with_its_error(
    page, sign_in, check_a11y, readonly, make_client
):
    from clientdesk.mail.actions import email_send

    client = make_client(first_name="Grace", last_name="Hopper")
    email = email_send(
        actor=None, client=client, to=["old@example.com"], from_name="Desk", from_email="desk@example.com",
        subject="Renewal notice", html="<p>Renew <em>soon</em></p>",
    )  # fmt: skip
    OutboundEmail.objects.filter(pk=email.pk).update(status=MailStatus.FAILED, last_error="550 5.1.1 User unknown")
    sign_in(readonly)
    page.goto(client.get_absolute_url())
    widget = page.get_by_role("region", name="Mail log")
    row = widget.locator(".mail-row", has_text="Renewal notice")
    expect(row.locator(".mail-status")).to_have_text("Failed")
    expect(row).to_contain_text("Failed: 550 5.1.1 User unknown")
    row.locator("summary").click()
    expect(row.locator(".mail-to")).to_have_text("old@example.com")
    expect(row.get_by_role("link", name=re.compile("^Resend"))).to_have_count(0)  # read-only

    # Without JavaScript, a row links to the email's own page, and the widget's URL is a page too.
    page.goto(f"/clients/{client.pk}/emails/{email.pk}/")
    expect(page.get_by_role("heading", name="Renewal notice")).to_be_visible()
    expect(page.locator("iframe")).to_have_attribute("title", "HTML of the email “Renewal notice”")
    check_a11y(page)
    page.goto(f"/clients/{client.pk}/emails/widget/")
    expect(page.get_by_role("heading", name=re.compile("^Mail log of"))).to_be_visible()
    check_a11y(page)

    page.get_by_role("link", name="Mail log", exact=True).first.click()
    expect(page.get_by_role("heading", name="Mail log")).to_be_visible()
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator(".mail-row")).to_have_count(1)
    expect(page.locator(".mail-row")).to_contain_text(f"#{client.id_code}")
    page.get_by_label("Status").select_option("sent")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No email matches these filters.")).to_be_visible()
