"""Contacts in real Chromium: add a billing contact with three numbers, copy an address, find it, delete it."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.clients.models import Contact, PhoneNumber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_billing_contact_with_three_numbers_and_find_the_client_by_its_email(
    page, sign_in, billing, grace, make_contact_type
):
    make_contact_type("Technical")
    sign_in(billing, grace.get_absolute_url())
    expect(page).to_have_url(re.compile(rf"/clients/{grace.pk}/$"))
    page.locator("#account-actions").get_by_role("link", name="Add contact").click()
    expect(page.get_by_role("heading", name="Add contact")).to_be_visible()
    contact_type = page.get_by_label("Contact type")
    expect(contact_type).to_be_focused()
    expect(contact_type.locator("option")).to_have_text(["Billing", "Technical"])
    contact_type.select_option("billing")
    page.get_by_label("First name").fill("Katherine")
    page.get_by_label("Last name").fill("Johnson")
    page.get_by_label("Email").fill("katherine@orbit.example")

    # The address is copied in place from the primary contact (Arlington, Virginia).
    page.get_by_role("button", name="Copy address from the primary contact").click()
    expect(page.get_by_role("status")).to_contain_text("Copied the address of Grace Hopper")
    expect(page.get_by_label("City")).to_have_value("Arlington")
    expect(page.get_by_label("State / province")).to_have_value("US-VA")
    expect(page.get_by_label("First name")).to_have_value("Katherine")  # what was typed stays

    page.locator("[name=phones-0-number]").fill("(202) 555-0101")
    page.locator("[name=phones-0-location]").select_option("work")
    for row, (kind, location, number) in enumerate(
        [("phone", "mobile", "(202) 555-0102"), ("fax", "work", "(202) 555-0103")], start=1
    ):
        page.get_by_role("button", name="Add another number").click()
        field = page.locator(f"[name=phones-{row}-number]")
        expect(field).to_be_focused()
        field.fill(number)
        page.locator(f"[name=phones-{row}-type]").select_option(kind)
        page.locator(f"[name=phones-{row}-location]").select_option(location)
    page.get_by_label("Email").press("Enter")  # Enter saves

    expect(page.get_by_role("alert").filter(has_text="Katherine Johnson was added")).to_be_visible()
    contact = Contact.objects.get(email="katherine@orbit.example")
    assert list(PhoneNumber.objects.filter(contact=contact).values_list("number", "type", "location")) == [
        ("+12025550101", "phone", "work"),
        ("+12025550102", "phone", "mobile"),
        ("+12025550103", "fax", "work"),
    ]
    widget = page.locator("#widget-contacts")
    expect(widget).to_contain_text("Katherine Johnson")
    expect(widget).to_contain_text("Billing")
    expect(widget.locator("a[href='tel:+12025550101']")).to_be_visible()
    expect(widget.locator("a[href='fax:+12025550103']")).to_be_visible()

    # The search box finds the client by the new contact's email.
    box = page.get_by_placeholder(re.compile("Find a client"))
    box.fill("katherine@orbit")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{grace.pk}/$"))

    # Delete it: the page names the numbers that go with it.
    page.locator("#widget-contacts").get_by_role("link", name="Edit Katherine Johnson").click()
    page.get_by_role("link", name="Delete contact").click()
    expect(page.locator("#delete-summary")).to_contain_text("its 3 phone numbers")
    page.get_by_role("button", name="Delete contact").click()
    expect(page.get_by_role("alert").filter(has_text="was deleted")).to_be_visible()
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_contact_types_and_invoice_address_pages_work_from_the_keyboard(
    page, sign_in, check_a11y, admin, grace, make_contact
):
    billing_contact = make_contact(grace, first_name="Bea")
    sign_in(admin, "/settings/contact-types/")
    check_a11y(page)
    page.get_by_label("Name").fill("Technical")
    page.get_by_label("Name").press("Enter")
    expect(page.locator("#contact-types")).to_contain_text("Technical")
    page.get_by_role("link", name="Rename Technical").click()
    check_a11y(page)
    page.get_by_label("Name").fill("Tech support")
    page.get_by_label("Name").press("Enter")
    expect(page.locator("#contact-types")).to_contain_text("Tech support")
    page.get_by_role("link", name="Delete Tech support").click()
    check_a11y(page)
    expect(page.locator("#delete-summary")).to_contain_text("No contact has this type")
    page.get_by_role("button", name="Delete contact type").click()
    expect(page.locator("#contact-types")).to_contain_text("No contact types yet")

    page.goto(grace.get_absolute_url())
    page.get_by_role("link", name="Change who invoices are addressed to").click()
    check_a11y(page)
    page.get_by_label("Address invoices to").select_option(str(billing_contact.pk))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#invoice-address-to")).to_contain_text(billing_contact.full_name)
    page.goto(f"/clients/{grace.pk}/contacts/{billing_contact.pk}/delete/")
    check_a11y(page)
    expect(page.locator("#delete-refused")).to_contain_text("Invoices are addressed to Bea")
