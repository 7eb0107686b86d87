"""Forgot your password, in real Chromium: ask on the sign-in page, read the email the SMTP server
received, open its link, choose a new password and sign in with it; the spent link says so. Every
page passes axe-core's WCAG 2.1 A/AA checks (the `page` fixture fails the test otherwise)."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.accounts.tests.mail_helpers import install_templates, link_in, text_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a reset passphrase for 2026"


@pytest.mark.error_pages(410)
def test_a_member_resets_a_forgotten_password_from_the_emailed_link_and_signs_in(
    page, check_a11y, billing, smtp_server, deliver_outbox, settings, live_server
):
    settings.CLIENTDESK_BASE_URL = live_server.url
    install_templates()  # a transactional test starts from a flushed database

    page.goto("/accounts/sign-in/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    check_a11y(page)
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    check_a11y(page)
    page.get_by_label("Email").fill(billing.email.upper())
    page.get_by_label("Email").press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.locator("#reset-sent")).to_contain_text("If that address belongs to an active staff account")
    check_a11y(page)

    assert deliver_outbox().sent == 1
    [message] = smtp_server.messages()
    assert message["To"] == billing.email
    link = link_in(text_of(message), live_server.url)

    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    check_a11y(page)
    page.get_by_label(re.compile(r"^New password(?! confirmation)")).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill("a different one")
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_text("The two password fields didn\u2019t match.")).to_be_visible()
    check_a11y(page)
    page.get_by_label(re.compile(r"^New password(?! confirmation)")).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Reset password").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/$"))
    expect(page.get_by_text("Your password is reset.")).to_be_visible()
    check_a11y(page)

    page.get_by_label("Email").fill(billing.email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()

    page.goto(link)
    expect(page.locator("#link-refused")).to_contain_text("This link no longer works")
    check_a11y(page)
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
