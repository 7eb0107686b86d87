"""In the browser: the API tokens page from the account menu, and Swagger UI under the desk's CSP."""

import pytest

from clientdesk.api.tests.test_schema import PATHS
from clientdesk.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_makes_a_token_from_the_account_menu_copies_it_once_and_revokes_it(page, sign_in, support):
    from clientdesk.api.models import ApiToken

    sign_in(support)
    page.get_by_role("button", name=support.get_short_name()).click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("billing-sync")
    page.get_by_label("Read-only").check()
    page.get_by_role("button", name="Make token").click()
    secret = page.get_by_label("Token").input_value()
    assert ApiToken.objects.get().matches(secret)
    page.get_by_role("link", name="Done").click()
    row = page.locator("#own-tokens tbody tr")
    assert "billing-sync" in row.inner_text()
    assert "Read-only" in row.inner_text()
    assert secret not in page.content()
    row.get_by_role("link", name="Revoke billing-sync").click()
    page.get_by_role("button", name="Revoke").click()
    assert "Revoked" in page.locator("#own-tokens tbody tr").inner_text()


def test_swagger_ui_runs_under_the_desks_content_security_policy(browser, live_server, readonly):
    # Swagger UI is a third-party page: checked for CSP violations and script errors, not by axe.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_init_script(
        script="document.addEventListener('securitypolicyviolation', "
        "e => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"
    )
    problems: list[str] = []
    tab = context.new_page()
    tab.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        tab.goto("/api/v1/docs/")
        tab.get_by_label("Email").fill(readonly.email)
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_selector(".opblock")
        assert tab.locator(".opblock").count() == sum(len(methods) for methods in PATHS.values())  # every operation
        tab.locator(".opblock-summary", has_text="/api/v1/clients/{id}/history/").first.click()
        tab.wait_for_selector(".opblock.is-open .responses-table")
        assert "Clientdesk API" in tab.title()
    finally:
        context.close()
    assert problems == []
