"""The desk from the keyboard alone, in real Chromium: every focused element shows where focus is."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a sighted keyboard user needs of the focused element: it is on screen and drawn as focused.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {what: "nothing", shown: false};
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {
    what: el.outerHTML.slice(0, 160),
    shown: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
      && box.bottom <= innerHeight && box.right <= innerWidth,
    ring: el.matches(":focus-visible") && (outline || style.boxShadow !== "none"),
  };
}"""


def tab_to(page, target, *, limit=60):
    """Press Tab until `target` has focus (it may have it already: autofocus), checking each focus on the way."""
    for _ in range(limit + 1):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["shown"], f"focus is off screen or on nothing: {focus['what']}"
        assert focus["ring"], f"focus has no visible indicator: {focus['what']}"
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def test_sign_in_find_a_client_and_open_its_edit_form_by_keyboard(page, check_a11y, billing, make_client):
    client = make_client(first_name="Ada", last_name="Lovelace", company="Analytical Engines")
    make_client(first_name="Charles", last_name="Babbage")

    page.goto("/accounts/sign-in/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(billing.email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/clients/$"))
    check_a11y(page)

    # Arrow keys move from the search box into the type-ahead's hits (and back); Enter follows one.
    box = page.get_by_role("searchbox", name="Find a client")
    tab_to(page, box)
    page.keyboard.type("lovelace")
    hit = page.locator("#search-suggest a", has_text="Ada Lovelace")
    expect(hit).to_be_visible()
    expect(box).not_to_have_class(re.compile("htmx-request"))  # the last keystroke's answer is in
    check_a11y(page)
    page.keyboard.press("ArrowDown")
    expect(hit).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    # Escape closes the list and keeps the focus in the box; an arrow key opens it again.
    page.keyboard.press("Escape")
    expect(hit).to_be_hidden()
    expect(box).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(hit).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))
    check_a11y(page)

    tab_to(page, page.get_by_role("link", name="Edit client"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/edit/$"))
    expect(page.get_by_label("First name")).to_have_value("Ada")
    check_a11y(page)

    # Enter in a field saves the form (it does not add a phone row).
    page.get_by_label("City").fill("London")
    page.get_by_label("City").press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))
    assert client.contacts.get(contact_type="primary").city == "London"


def test_add_form_errors_search_results_and_history_by_keyboard(page, sign_in, check_a11y, billing, make_client):
    client = make_client(first_name="Ada", last_name="Lovelace")
    make_client(first_name="Ada", last_name="Byron")
    sign_in(billing)

    tab_to(page, page.locator("#nav").get_by_role("link", name="Add client"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/clients/add/$"))
    expect(page.get_by_label("First name")).to_be_focused()  # the form starts where typing starts
    check_a11y(page)
    # "Add another number" puts the focus on the new row's number.
    tab_to(page, page.get_by_role("button", name="Add another number"))
    page.keyboard.press("Enter")
    expect(page.locator("#phones .phone-row")).to_have_count(2)
    expect(page.locator("#phones .phone-row input[name$='-number']").last).to_be_focused()
    tab_to(page, page.get_by_role("button", name="Create client"))
    page.keyboard.press("Enter")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    check_a11y(page)

    # "/" jumps to the search box.
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Find a client")).to_be_focused()
    page.keyboard.type("Ada")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Ada$"))
    check_a11y(page)
    tab_to(page, page.locator("main").get_by_role("link", name=re.compile("Ada Lovelace")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))

    tab_to(page, page.locator("#account-actions").get_by_role("link", name="History"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/history/$"))
    check_a11y(page)
