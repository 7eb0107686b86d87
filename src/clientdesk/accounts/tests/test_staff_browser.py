"""Settings → Staff in real Chromium: an Admin adds a member, the member sets a password from the link
in a browser of their own and signs in; the Admin deactivates them and their next click lands on sign-in.

The member's browser is a second context with the same checks as the `page` fixture: a console error,
a CSP violation or an axe-core WCAG 2.1 A/AA violation on any page it loads fails the test.
"""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBER_PASSWORD = "billing desk passphrase 2026"


def test_admin_adds_a_member_who_sets_a_password_signs_in_and_is_signed_out_when_deactivated(
    page, other_page, sign_in, check_a11y, admin
):
    sign_in(admin)
    page.locator("#nav").get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()
    check_a11y(page)

    page.get_by_role("link", name="Add staff member").click()
    page.get_by_label("Name").fill("Lin Wu")
    page.get_by_label("Email").fill("lin@example.test")
    page.get_by_label("Billing").check()
    page.get_by_role("button", name="Add staff member").click()
    expect(page.get_by_role("heading", name="Lin Wu is added")).to_be_visible()
    check_a11y(page)
    link = page.get_by_label("Set-password link").input_value()
    assert re.fullmatch(r"http://[^/]+/accounts/set-password/[\w-]+/[\w-]+/", link)
    assert User.objects.get(email="lin@example.test").role_names == ["Billing"]

    member = other_page
    member.goto(link)
    expect(member.get_by_role("heading", name="Set your password")).to_be_visible()
    check_a11y(member)
    member.get_by_label(re.compile(r"^New password(?! confirmation)")).fill(MEMBER_PASSWORD)
    member.get_by_label("New password confirmation").fill(MEMBER_PASSWORD)
    member.get_by_role("button", name="Set password").click()
    expect(member).to_have_url(re.compile(r"/accounts/sign-in/$"))
    expect(member.get_by_text("Your password is set.")).to_be_visible()
    check_a11y(member)
    member.get_by_label("Email").fill("lin@example.test")
    member.get_by_label("Password").fill(MEMBER_PASSWORD)
    member.get_by_role("button", name="Sign in").click()
    expect(member).to_have_url(re.compile(r"/clients/$"))
    expect(member.get_by_role("heading", name="Clients")).to_be_visible()
    check_a11y(member)

    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("heading", name="Lin Wu")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="Deactivate").click()
    expect(page.get_by_role("heading", name="Deactivate Lin Wu?")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("Lin Wu is deactivated")).to_be_visible()
    expect(page.locator("#member-status")).to_have_text("Deactivated")

    member.locator("#nav").get_by_role("link", name="Clients", exact=True).click()
    expect(member).to_have_url(re.compile(r"/accounts/sign-in/\?next=/clients/$"))
    expect(member.get_by_role("button", name="Sign in")).to_be_visible()


def test_the_staff_pages_and_their_questions_pass_axe(page, sign_in, check_a11y, admin, billing):
    sign_in(admin)
    for path in (
        f"/accounts/staff/{billing.pk}/",
        f"/accounts/staff/{billing.pk}/link/",
        f"/accounts/staff/{billing.pk}/two-factor-reset/",
        "/accounts/staff/add/",
    ):
        page.goto(path)
        check_a11y(page)
    page.get_by_role("button", name="Add staff member").click()  # empty: the errors shown pass too
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    check_a11y(page)
