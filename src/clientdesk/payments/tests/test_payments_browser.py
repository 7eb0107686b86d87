"""Payment accounts in real Chromium: add a card copying the billing contact, add a bank account, set it for
auto-debit, show the card's number with the password, delete the card. Axe checks every page on the way."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.core.testing import PASSWORD
from clientdesk.payments.models import PaymentAccount

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _vault(vault_settings):
    """The live server seals numbers in this test's own vault."""


def test_a_billing_member_manages_a_clients_payment_accounts(
    page, sign_in, check_a11y, billing, make_client, make_contact
):
    client = make_client(first_name="Ada", last_name="Lovelace")
    make_contact(
        client, first_name="Paula", last_name="Payer", address1="1 Main St", city="Boston", postal_code="02110"
    )
    sign_in(billing)
    page.goto(client.get_absolute_url())
    expect(page.get_by_role("region", name="Payment accounts")).to_contain_text("No cards or bank accounts on file.")

    # Add CC account, the holder copied from the billing contact (filled in place).
    page.locator("#account-actions").get_by_role("link", name="Add CC account").click()
    expect(page.get_by_role("heading", name="Add CC account")).to_be_visible()
    page.get_by_label("Copy contact information from").select_option(label="Paula Payer (billing)")
    expect(page.get_by_label("First name")).to_have_value("Paula")
    expect(page.get_by_label("City")).to_have_value("Boston")
    expect(page.get_by_role("status")).to_contain_text("who will own this account")
    check_a11y(page)
    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_label("Expiry month").select_option("12")
    page.get_by_label("Expiry year").select_option("2031")
    page.get_by_label("Security code").fill("737")
    page.get_by_role("button", name="Add card").click()
    expect(page.get_by_role("alert")).to_contain_text("The credit card account has been created.")
    row = page.locator("tr", has_text="Visa ending 1111")
    expect(row).to_contain_text("Paula Payer")
    expect(row.locator(".badge", has_text="Auto-debit")).to_be_visible()  # the first account added

    # Add ACH account.
    page.get_by_role("link", name="Add ACH account").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Savings").check()
    page.get_by_label("Routing number").fill("011000015")
    page.get_by_label("Account number").fill("987654321")
    page.get_by_role("button", name="Add bank account").click()
    expect(page.get_by_role("alert")).to_contain_text("The bank account has been created.")
    bank = PaymentAccount.objects.get(kind="bank")

    # The bank account for auto-debit, in place.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Use Savings account ending 4321 for auto-debit").check()
    page.get_by_role("button", name="Use for auto-debit").click()
    expect(page.locator("tr", has_text="Savings account ending 4321").locator(".badge")).to_have_text("Auto-debit")
    expect(page.locator("tr", has_text="Visa ending 1111").locator(".badge")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
    bank.refresh_from_db()
    assert bank.auto_debit is True

    # Show number: a dialog asks for the password, then shows the number.
    page.get_by_role("link", name="Show number of Visa ending 1111").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Your password")).to_be_focused()
    dialog.get_by_label("Your password").fill("not my password")
    dialog.get_by_role("button", name="Show number").click()
    expect(dialog).to_contain_text("That is not your password.")
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Show number").click()
    expect(dialog.locator("#revealed-number")).to_have_text("4111111111111111")
    expect(dialog.locator("#revealed-number")).to_be_focused()  # a keyboard user is taken to it
    check_a11y(page)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # Delete the card, after its confirmation page.
    page.get_by_role("link", name="Delete Visa ending 1111").click()
    expect(page.get_by_role("heading", name="Delete Visa ending 1111?")).to_be_visible()
    page.get_by_role("button", name="Delete Visa ending 1111").click()
    expect(page.get_by_role("alert")).to_contain_text("Visa ending 1111 has been deleted.")
    expect(page.locator("tr", has_text="Visa ending 1111")).to_have_count(0)
    assert list(PaymentAccount.objects.values_list("kind", flat=True)) == ["bank"]
    page.goto(client.get_absolute_url())
    expect(page.get_by_role("region", name="Payment accounts")).to_contain_text("Savings account ending 4321")
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))


def test_edit_a_card_and_the_accepted_types_from_the_keyboard(
    page, sign_in, check_a11y, billing, make_client, make_card
):
    client = make_client(first_name="Ada", last_name="Lovelace")
    card = make_card(client)
    sign_in(billing)
    page.goto(f"/clients/{client.pk}/payment-accounts/")
    page.get_by_role("link", name="Edit Visa ending 4242").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Edit Visa ending 4242")).to_be_visible()
    number = page.get_by_label("Card number")
    expect(number).to_have_value(re.compile(r"^•+4242$"))
    check_a11y(page)
    page.get_by_label("Expiry month").focus()
    page.keyboard.press("Home")  # the first month
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # March
    page.get_by_label("City").focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("York")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("alert")).to_contain_text("Visa ending 4242 has been updated.")
    expect(page.locator("tr", has_text="Visa ending 4242")).to_contain_text("02/2031")
    card.refresh_from_db()
    assert (card.expiry_month, card.city) == (2, "York")

    page.goto(f"/clients/{client.pk}/payment-accounts/types/")
    check_a11y(page)
    page.get_by_label("Bank accounts (ACH)").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("The accepted payment types have been updated.")
    expect(page.get_by_role("region", name="Accepted payment types")).to_contain_text("Bank accounts: not accepted")
    page.get_by_role("link", name="Add ACH account").click()
    expect(page.get_by_role("alert")).to_contain_text("This client does not accept bank accounts")
