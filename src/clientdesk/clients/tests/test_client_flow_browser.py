"""A staff member's walk through the desk in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.clients.models import Client, PhoneNumber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_client_find_it_by_phone_and_cycle_its_status(page, sign_in, billing):
    sign_in(billing)
    expect(page).to_have_url(re.compile(r"/clients/$"))

    page.get_by_role("link", name="Add client").first.click()
    page.get_by_label("First name").fill("Margaret")
    page.get_by_label("Last name").fill("Hamilton")
    page.get_by_label("Company / org.").fill("Apollo Guidance")
    page.get_by_role("textbox", name="Email").fill("margaret@apollo.example")
    page.get_by_label("Address 1").fill("75 Vassar Street")
    page.get_by_label("City").fill("Cambridge")
    page.get_by_label("Postal code").fill("02139")
    page.get_by_label("Country").select_option("CA")
    # htmx refills the state select with the chosen country's provinces.
    expect(page.locator("#id_state option[value='CA-ON']")).to_have_count(1)
    page.get_by_label("Country").select_option("US")
    expect(page.locator("#id_state option[value='US-MA']")).to_have_count(1)
    expect(page.locator("#id_state option[value='CA-ON']")).to_have_count(0)
    page.get_by_label("State / province").select_option("US-MA")

    page.locator("[name=phones-0-number]").fill("(617) 555-0134")
    page.get_by_role("button", name="Add another number").click()
    second = page.locator("[name=phones-1-number]")
    expect(second).to_be_visible()
    expect(page.locator("[name=phones-0-number]")).to_have_value("(617) 555-0134")
    second.fill("+1 202 555 0178")
    page.locator("[name=phones-1-location]").select_option("mobile")
    page.get_by_role("button", name="Create client").click()

    expect(page.get_by_role("heading", name=re.compile(r"Client #\d+"))).to_be_visible()
    client = Client.objects.get(email="margaret@apollo.example")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))
    expect(page.locator("#client-phones a[href='tel:+16175550134']")).to_be_visible()
    expect(page.locator("#client-phones a[href='tel:+12025550178']")).to_be_visible()
    assert sorted(PhoneNumber.objects.filter(contact__client=client).values_list("number", flat=True)) == [
        "+12025550178",
        "+16175550134",
    ]

    # Find it from another page by typing part of a number in another format.
    page.locator("#nav").get_by_role("link", name="Clients", exact=True).click()
    page.get_by_placeholder(re.compile("Find a client")).fill("617-555-01")
    hit = page.locator("#search-suggest a", has_text="Margaret Hamilton")
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))

    badge = page.locator("#client-status")
    expect(badge).to_have_text("Active")
    activity = page.locator("#widget-activity")
    expect(activity).to_contain_text("Added client")
    for label, status in [("Inactive", "inactive"), ("Fraud", "fraud"), ("Active", "active")]:
        page.locator("#client-status").click()
        if status == "fraud":  # asked first; Cancel leaves it as it is, then confirm
            page.get_by_role("button", name="Cancel").click()
            expect(page.locator("#client-status")).to_have_text("Inactive")
            page.locator("#client-status").click()
            page.get_by_role("button", name="Mark as fraud").click()
        expect(page.locator("#client-status")).to_have_text(label)
        client.refresh_from_db()
        assert client.status == status
        # The activity widget shows the change without a reload.
        expect(activity.locator("tbody tr").first).to_contain_text("Changed status")


def test_hostile_text_shows_literally(page, sign_in, admin, make_client):
    hostile = '<script>alert(1)</script> {{ 7|add:1 }} {% now "Y" %} O\'Brien "Q"'
    client = make_client(first_name=hostile, company=hostile)
    sign_in(admin)
    page.goto(client.get_absolute_url())
    expect(page.locator("p.fs-5")).to_have_text(client.name)
    expect(page.locator("p.mb-2.text-body-secondary")).to_have_text(hostile)  # the company line
    expect(page.locator("#widget-activity ins", has_text=hostile).first).to_be_visible()
    assert page.locator("script", has_text="alert(1)").count() == 0
    page.get_by_placeholder(re.compile("Find a client")).fill("brien")
    expect(page.locator("#search-suggest a", has_text=hostile).first).to_be_visible()


def test_sign_in_refuses_a_javascript_next(page, sign_in, readonly):
    sign_in(readonly, next_url="javascript:alert(1)")
    expect(page).to_have_url(re.compile(r"/clients/$"))


def test_list_filters_as_you_type_without_touching_the_search_box(page, sign_in, readonly, make_client):
    make_client(first_name="Zora", last_name="Quill", company="Quillworks")
    make_client(first_name="Abe", last_name="Other")
    sign_in(readonly)
    rows = page.locator("#client-results tbody tr")
    expect(rows).to_have_count(2)
    page.locator("#client-filters [name=name]").fill("zora")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Quillworks")
    expect(page).to_have_url(re.compile(r"name=zora"))
    # Typing in the global search box must not refilter the list.
    page.get_by_placeholder(re.compile("Find a client")).fill("abe")
    expect(page.locator("#search-suggest a", has_text="Abe Other")).to_be_visible()
    expect(rows).to_have_count(1)


def test_a_status_click_on_a_status_changed_meanwhile_shows_the_current_one(page, sign_in, billing, make_client):
    from clientdesk.clients.actions import client_cycle_status

    client = make_client(first_name="Grace", last_name="Hopper")
    sign_in(billing)
    page.goto(client.get_absolute_url())
    expect(page.locator("#client-status")).to_have_text("Active")
    client_cycle_status(actor=None, client=client)  # someone else: now inactive
    page.locator("#client-status").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone else changed the status to Inactive")
    expect(page.locator("#client-status")).to_have_text("Inactive")
    client.refresh_from_db()
    assert client.status == "inactive"
