"""Settings → Encryption in real Chromium: set the company passphrase from the menu, a typo first."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.payments import vault
from clientdesk.payments.models import KeyWrapping, VaultKey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSPHRASE = "quiet orchard lantern"
NEW = re.compile(r"^New passphrase\b(?!,)")  # not "New passphrase, again"


def test_set_a_passphrase_from_the_encryption_page(page, sign_in, check_a11y, admin, make_client, make_card):
    card = make_card(make_client())
    sign_in(admin)
    page.locator("#nav").get_by_role("link", name="Encryption").click()
    expect(page.get_by_role("heading", name="Encryption", exact=True)).to_be_visible()
    expect(page.locator("#key-size")).to_have_text("RSA-3072")
    expect(page.locator("#stored-count")).to_have_text("1 account")
    expect(page.locator("#encryption-warning")).to_contain_text("cannot be auto-debited")
    check_a11y(page)

    form = page.get_by_role("form", name="Set a passphrase")
    form.get_by_label(NEW).fill(PASSPHRASE)
    form.get_by_label("New passphrase, again").fill(PASSPHRASE + "s")
    form.get_by_role("button", name="Set passphrase").click()
    expect(form.get_by_text("The two new passphrases differ")).to_be_visible()
    expect(form.get_by_label(NEW)).to_have_value("")  # never sent back
    check_a11y(page)
    assert VaultKey.objects.get().wrapping == KeyWrapping.VAULT_KEY

    form.get_by_label(NEW).fill(PASSPHRASE)
    form.get_by_label("New passphrase, again").fill(PASSPHRASE)
    form.get_by_role("button", name="Set passphrase").click()
    expect(page).to_have_url(re.compile(r"/settings/encryption/$"))
    expect(page.get_by_role("alert")).to_contain_text("The passphrase is set.")
    expect(page.locator("#passphrase-state")).to_contain_text("Set")
    expect(page.get_by_role("form", name="Change the passphrase")).to_be_visible()
    expect(page.get_by_role("form", name="Remove the passphrase")).to_be_visible()
    check_a11y(page)
    assert VaultKey.objects.get().wrapping == KeyWrapping.PASSPHRASE
    assert vault.open_sealed(card.sealed_number, vault.CARD_NUMBER, PASSPHRASE) == "4242424242424242"
