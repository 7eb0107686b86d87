"""Browser test fixtures: the system Chromium driven by Playwright (pytest plugin).

`page` is a fresh browser context per test on top of pytest-django's `live_server`; any console
error or Content-Security-Policy violation the page reports fails the test, and so does any
violation of axe-core's WCAG 2.1 A/AA rules.

axe-core's `axe.min.js` comes from the pinned `axe-playwright-python` package (dev group). It is
added to every document as a Playwright init script: that runs outside the page's CSP, so the strict
script-src stays as it is and no violation is reported (a `<script>` tag added to the page would be
refused). The page checks itself after each load and each htmx swap, once it has settled: no htmx
request in flight and no `hx-trigger="load"` placeholder ("Loading…") left. Those checks do not hold
the test up, so one the test outruns is lost; `check_a11y(page)` checks the page there and then
(`sign_in` does it on the sign-in page), and teardown checks the page the test ends on.
"""

import contextlib
import functools
import json
import os
import re
from collections.abc import Callable, Iterator
from importlib import resources
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

A11Y_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SETTLED = '() => document.readyState === "complete" && !document.querySelector(".htmx-request, [hx-trigger=load]")'

# Runs in every document after axe.min.js. `window.__a11y.check()` runs axe once the previous run
# is over (axe refuses two at a time) and returns the violations, trimmed to what a report needs.
A11Y_WATCHER = """
(() => {
  const options = {runOnly: {type: "tag", values: __TAGS__}, resultTypes: ["violations"]};
  const settled = __SETTLED__;
  const report = (payload) => window.__a11yReport(payload);
  const trim = (results) => results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.map(String), html: n.html, summary: n.failureSummary})),
  }));
  let queue = Promise.resolve();
  const check = () => {
    const run = queue.then(async () => ({
      url: location.pathname + location.search,
      version: axe.version,
      violations: trim(await axe.run(document, options)),
    }));
    queue = run.catch(() => {});
    return run;
  };
  let timer = 0;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!settled()) return schedule();
      check().then(report, (error) => report({url: location.pathname, error: String(error)}));
    }, 100);
  };
  window.__a11y = {check};
  if (!location.protocol.startsWith("http")) return;  // about:blank before the first goto
  window.addEventListener("load", schedule);
  document.addEventListener("htmx:afterSettle", schedule);
  document.addEventListener("securitypolicyviolation", (event) =>
    report({url: location.pathname, error: `CSP violation: ${event.violatedDirective} ${event.blockedURI}`}));
})();
""".replace("__TAGS__", json.dumps(A11Y_TAGS)).replace("__SETTLED__", SETTLED)


# A form shown again with its errors answers 422 (409: someone else changed the field); Chromium
# logs any 4xx as a console error, but these are the app working as designed.
FORM_ERROR_STATUSES = (409, 422)
_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3}) ")


def is_console_problem(message: Any, expected_statuses: tuple[int, ...] = ()) -> bool:
    """A console message that fails the test: an error, other than an answer the app gives by design
    (a form re-rendered with its errors) or one the test opens on purpose (`expected_statuses`)."""
    if message.type != "error":
        return False
    failed = _FAILED_LOAD.match(message.text)
    return not (failed and int(failed.group(1)) in (*FORM_ERROR_STATUSES, *expected_statuses))


@functools.cache
def axe_script() -> str:
    """axe-core's axe.min.js as shipped by the pinned `axe-playwright-python` package."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def describe_violations(result: dict[str, Any]) -> str:
    """A readable report of one axe run: rule, impact, help, then each failing node."""
    lines = [f"axe-core {result.get('version', '')} found accessibility violations on {result['url']}:"]
    for violation in result["violations"]:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(node['target'])}")
            lines.append(f"      {node['html']}")
            lines.extend(f"      {line.strip()}" for line in (node["summary"] or "").splitlines() if line.strip())
    return "\n".join(lines)


def check_page(page: Any) -> dict[str, Any]:
    """Run axe on the page once it has settled; the result (url, violations) of that run."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.wait_for_load_state()
    try:
        page.wait_for_function(SETTLED)
    except PlaywrightTimeoutError:
        raise AssertionError(f"{page.url} never settled: an htmx request or placeholder is still pending") from None
    result: dict[str, Any] = page.evaluate("() => window.__a11y.check()")
    return result


def assert_accessible(page: Any) -> None:
    """Fail now, with a readable report, if axe finds WCAG 2.1 A/AA violations on the page."""
    result = check_page(page)
    if result["violations"]:
        raise AssertionError(describe_violations(result))


class PageReports:
    """What a page reported during a test: console errors, and axe runs that found something."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.a11y: dict[tuple[str, ...], dict[str, Any]] = {}

    def add_a11y(self, result: dict[str, Any]) -> None:
        if "error" in result:
            self.problems.append(f"{result['url']}: {result['error']}")
        for violation in result.get("violations", []):
            key = (result["url"], violation["id"], *(t for n in violation["nodes"] for t in n["target"]))
            self.a11y.setdefault(key, {**result, "violations": [violation]})

    def failures(self) -> str:
        parts = [f"The page reported errors: {self.problems}"] if self.problems else []
        parts.extend(describe_violations(result) for result in self.a11y.values())
        return "\n".join(parts)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium, headless, for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def checked_page(browser: Any, base_url: str, *, expected_statuses: tuple[int, ...] = ()) -> Iterator[Any]:
    """A page in a fresh browser context (its own cookies) on `base_url`; console errors, CSP and
    accessibility violations, and dialogs, fail the test when the page is closed."""
    # Reduced motion turns Bootstrap's transitions off, so axe never measures a colour mid-fade.
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.set_default_timeout(10_000)
    reports = PageReports()
    context.expose_binding("__a11yReport", lambda _source, result: reports.add_a11y(result))
    context.add_init_script(script=axe_script() + A11Y_WATCHER)
    tab = context.new_page()
    tab.on(
        "console",
        lambda msg: reports.problems.append(msg.text) if is_console_problem(msg, expected_statuses) else None,
    )
    tab.on("pageerror", lambda exc: reports.problems.append(str(exc)))

    def on_dialog(dialog: Any) -> None:
        reports.problems.append(f"dialog opened: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    if tab.url.startswith(base_url):
        reports.add_a11y(check_page(tab))  # the page the test ended on, settled
    context.close()
    if reports.problems or reports.a11y:
        raise AssertionError(reports.failures())


def _expected_statuses(request: pytest.FixtureRequest) -> tuple[int, ...]:
    """The error pages a test opens on purpose: `@pytest.mark.error_pages(403, 404)`."""
    marker = request.node.get_closest_marker("error_pages")
    return tuple(marker.args) if marker else ()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new page on the live server; console errors, CSP and accessibility violations fail the test."""
    with checked_page(browser, live_server.url, expected_statuses=_expected_statuses(request)) as tab:
        yield tab


@pytest.fixture
def other_page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A second, separate browser (no cookies shared with `page`), checked the same way."""
    with checked_page(browser, live_server.url, expected_statuses=_expected_statuses(request)) as tab:
        yield tab


@pytest.fixture
def check_a11y() -> Callable[[Any], None]:
    """`check_a11y(page)`: fail now if axe finds WCAG 2.1 A/AA violations on the settled page."""
    return assert_accessible


@pytest.fixture
def sign_in(page: Any) -> Callable[[Any], Any]:
    """Sign in through the real form as `user` (persona password)."""
    from clientdesk.core.testing import PASSWORD

    def go(user: Any, next_url: str = "") -> Any:
        page.goto("/accounts/sign-in/" + (f"?next={next_url}" if next_url else ""))
        assert_accessible(page)
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return go
