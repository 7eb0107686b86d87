"""Browser test fixtures: the system Chromium driven by Playwright (pytest plugin).

`page` is a fresh browser context per test on top of pytest-django's `live_server`; any console
error or Content-Security-Policy violation the page reports fails the test.
"""

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# body itself (setting up data, checking the database) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CLIENTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium, launched once per test session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A new page on the live server; console errors and CSP violations fail the test."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: problems.append(str(exc)))

    def on_dialog(dialog: Any) -> None:
        problems.append(f"dialog opened: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()
    assert problems == [], f"The page reported errors: {problems}"


@pytest.fixture
def sign_in(page: Any) -> Callable[[Any], Any]:
    """Sign in through the real form as `user` (persona password)."""
    from clientdesk.core.testing import PASSWORD

    def go(user: Any, next_url: str = "") -> Any:
        page.goto("/accounts/sign-in/" + (f"?next={next_url}" if next_url else ""))
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return go
