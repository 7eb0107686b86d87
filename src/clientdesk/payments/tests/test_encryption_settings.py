"""Settings → Encryption: who may use the page, what it shows, and the passphrase set, changed and removed."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.payments import actions, vault
from clientdesk.payments.models import KeyWrapping, PaymentAccount, VaultKey
from clientdesk.payments.settings_forms import MISMATCH

pytestmark = pytest.mark.django_db

CARD, BANK = "4242424242424242", "000123456789"
FIRST, SECOND = "first correct horse", "second battery staple"
PAGE = reverse("payments_settings:encryption")
SET = reverse("payments_settings:encryption_set")
CHANGE = reverse("payments_settings:encryption_change")
REMOVE = reverse("payments_settings:encryption_remove")


@pytest.fixture(autouse=True)
def _vault(vault_settings):
    """Every test here has its own vault."""


@pytest.fixture
def stored(make_client, make_card, make_bank):
    """A card and a bank account sealed in the vault (under the vault key)."""
    client = make_client()
    return make_card(client, CARD), make_bank(client, BANK)


def numbers(passphrase=None):
    """Every stored number opened with `passphrase` (None: the vault key)."""
    opened = {}
    for account in PaymentAccount.objects.order_by("id"):
        purpose = vault.CARD_NUMBER if account.kind == "card" else vault.BANK_ACCOUNT
        opened[account.last4] = vault.open_sealed(account.sealed_number, purpose, passphrase)
        if account.sealed_routing:
            opened["routing"] = vault.open_sealed(account.sealed_routing, vault.ROUTING, passphrase)
    return opened


OPENED = {"4242": CARD, "6789": BANK, "routing": "011000015"}


def events():
    return AuditEvent.objects.filter(action="payment.passphrase")


def wrapped():
    """What the database holds of the private keys (unchanged when nothing was written)."""
    return list(VaultKey.objects.order_by("id").values_list("wrapped_private_key", "wrapping", "salt"))


def set_form(new=FIRST, confirm=None):
    return {"set-new_passphrase": new, "set-confirm_passphrase": new if confirm is None else confirm}


def change_form(current=FIRST, new=SECOND, confirm=None):
    return {
        "change-current_passphrase": current,
        "change-new_passphrase": new,
        "change-confirm_passphrase": new if confirm is None else confirm,
    }


def remove_form(current=FIRST, confirm="on"):
    data = {"remove-current_passphrase": current}
    if confirm:
        data["remove-confirm"] = confirm
    return data


def field_errors(page, field):
    """The error messages shown under the input named `field`."""
    match = re.search(rf'name="{field}".*?(?=<div class="mb-3">|<div class="form-check|</form>)', page, re.S)
    assert match, field
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', match.group(0))


# --- Who may use it: anonymous → sign-in, every role but Admin → 403 --------------------------------

REQUESTS = [("get", PAGE, {}), ("post", SET, set_form()), ("post", CHANGE, change_form()), ("post", REMOVE, {})]


@pytest.mark.parametrize(("method", "url", "data"), REQUESTS)
def test_anonymous_is_sent_to_sign_in(client, stored, method, url, data):
    before = wrapped()
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert wrapped() == before


@pytest.mark.parametrize("who", ["outsider", "readonly", "support", "billing"])
@pytest.mark.parametrize(("method", "url", "data"), REQUESTS)
def test_everyone_but_admin_gets_403(request, login_as, stored, who, method, url, data):
    before = wrapped()
    response = getattr(login_as(request.getfixturevalue(who)), method)(url, data)
    assert response.status_code == 403
    assert "Can change vault key" in response.content.decode()
    assert wrapped() == before
    assert not events().exists()


def test_the_menu_offers_encryption_to_admin_only(login_as, admin, billing):
    assert f'href="{PAGE}"' in login_as(admin).get(reverse("home"), follow=True).content.decode()
    assert f'href="{PAGE}"' not in login_as(billing).get(reverse("home"), follow=True).content.decode()


@pytest.mark.parametrize("url", [SET, CHANGE, REMOVE])
def test_the_forms_take_posts_only(login_as, admin, url):
    assert login_as(admin).get(url).status_code == 405


# --- What the page shows ---------------------------------------------------------------------------


def test_the_page_shows_the_vault_the_warning_and_the_set_form(login_as, admin, stored):
    key = VaultKey.objects.get()
    response = login_as(admin).get(PAGE)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Not set" in page
    assert f'<code id="key-id">{key.key_id}</code>' in page
    assert '<dd class="col-sm-8" id="key-size">RSA-3072</dd>' in page
    assert f'datetime="{key.created_at.isoformat()}"' in page
    assert '<dd class="col-sm-8" id="stored-count">2 accounts</dd>' in page
    assert 'class="alert alert-warning" id="encryption-warning"' in page
    assert "A lost passphrase cannot be recovered" in page
    assert "cannot be auto-debited" in page
    assert "rotation-unfinished" not in page
    # No passphrase yet: only the set form.
    assert 'id="passphrase-set"' in page
    assert 'id="passphrase-change"' not in page
    assert 'id="passphrase-remove"' not in page
    assert re.search(r'<input type="password" name="set-new_passphrase" autocomplete="new-password"', page)
    assert re.search(r'<input type="password" name="set-confirm_passphrase" autocomplete="new-password"', page)


def test_with_a_passphrase_the_page_offers_change_and_remove(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    page = login_as(admin).get(PAGE).content.decode()
    assert re.search(r'id="passphrase-state"><span class="badge text-bg-success">Set</span>', page)
    assert 'id="passphrase-set"' not in page
    assert 'id="passphrase-change"' in page
    assert 'id="passphrase-remove"' in page
    assert re.search(r'<input type="password" name="change-current_passphrase" autocomplete="current-password"', page)
    assert re.search(r'<input type="password" name="remove-current_passphrase" autocomplete="current-password"', page)
    assert re.search(r'<input type="checkbox" name="remove-confirm"', page)


def test_an_empty_vault_says_a_key_pair_comes_with_the_first_number(login_as, admin):
    page = login_as(admin).get(PAGE).content.decode()
    assert "None yet: it is made when the first number is stored" in page
    assert '<dd class="col-sm-8" id="stored-count">0 accounts</dd>' in page
    assert not VaultKey.objects.exists()  # looking makes nothing


def test_an_unfinished_rotation_is_shown_with_the_command_that_finishes_it(login_as, admin, stored):
    old = VaultKey.objects.get().key_id

    def crash(done):
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        vault.rotate(batch=1, on_batch=crash)
    page = login_as(admin).get(PAGE).content.decode()
    assert 'id="rotation-unfinished"' in page
    assert f"1 stored number is still sealed to an older key pair (<code>{old}</code>)" in page
    assert '<code class="user-select-all" id="rotate-command">clientdesk vault rotate</code>' in page


# --- Set, change, remove ------------------------------------------------------------------------------


def test_setting_a_passphrase_rewraps_the_key_and_the_numbers_open_with_it(login_as, admin, stored):
    response = login_as(admin).post(SET, set_form(), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    page = response.content.decode()
    assert "The passphrase is set." in page
    assert FIRST not in page
    assert VaultKey.objects.get().wrapping == KeyWrapping.PASSPHRASE
    assert numbers(FIRST) == OPENED
    with pytest.raises(vault.PassphraseRequiredError):
        numbers()
    event = events().get()
    assert (event.actor_user, event.target_model, event.client_pk) == (admin, "payments.vaultkey", None)
    assert event.changes == {"passphrase": [None, "set"], "key_pairs": [None, 1]}
    assert FIRST not in json.dumps(event.changes)


def test_a_passphrase_set_before_any_number_wraps_the_first_key_pair(login_as, admin, make_client, make_card):
    login_as(admin).post(SET, set_form())
    assert VaultKey.objects.get().wrapping == KeyWrapping.PASSPHRASE
    make_card(make_client(), CARD)
    assert numbers(FIRST) == {"4242": CARD}


def test_changing_the_passphrase_needs_the_current_one_and_the_numbers_open_with_the_new(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    response = login_as(admin).post(CHANGE, change_form(), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "The passphrase is changed." in response.content.decode()
    assert numbers(SECOND) == OPENED
    with pytest.raises(vault.PassphraseRequiredError):
        numbers(FIRST)
    event = events().latest("id")
    assert (event.actor_user, event.changes) == (admin, {"passphrase": [None, "changed"], "key_pairs": [None, 1]})
    assert FIRST not in json.dumps(event.changes)
    assert SECOND not in json.dumps(event.changes)


def test_removing_the_passphrase_leaves_the_numbers_to_the_vault_key(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    response = login_as(admin).post(REMOVE, remove_form(), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "The passphrase is removed" in response.content.decode()
    assert VaultKey.objects.get().wrapping == KeyWrapping.VAULT_KEY
    assert numbers() == OPENED
    assert events().latest("id").changes == {"passphrase": [None, "removed"], "key_pairs": [None, 1]}


# --- Refused: field errors, 422, nothing written -----------------------------------------------------


def test_a_wrong_current_passphrase_is_refused_and_nothing_changes(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    before, logged = wrapped(), events().count()
    response = login_as(admin).post(CHANGE, change_form(current="not the passphrase"))
    page = response.content.decode()
    assert response.status_code == 422
    assert field_errors(page, "change-current_passphrase") == ["That is not the current passphrase."]
    assert "not the passphrase" not in page
    assert SECOND not in page
    new_input = re.search(r'<input type="password" name="change-new_passphrase"[^>]*>', page)
    assert new_input
    assert 'value="' not in new_input.group(0)
    assert wrapped() == before
    assert events().count() == logged
    assert numbers(FIRST) == OPENED


def test_removing_with_a_wrong_passphrase_or_without_the_tick_is_refused(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    before, logged = wrapped(), events().count()
    web = login_as(admin)
    wrong = web.post(REMOVE, remove_form(current="not the passphrase"))
    assert wrong.status_code == 422
    assert field_errors(wrong.content.decode(), "remove-current_passphrase") == ["That is not the current passphrase."]
    unticked = web.post(REMOVE, remove_form(confirm=None))
    assert unticked.status_code == 422
    assert "Tick the box to confirm" in unticked.content.decode()
    assert wrapped() == before
    assert events().count() == logged


def test_a_short_passphrase_is_refused(login_as, admin, stored):
    before = wrapped()
    response = login_as(admin).post(SET, set_form(new="too short"))
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "set-new_passphrase") == ["Use at least 12 characters (9 given)."]
    assert wrapped() == before
    assert not events().exists()


def test_a_mismatched_confirmation_is_refused(login_as, admin, stored):
    before = wrapped()
    response = login_as(admin).post(SET, set_form(confirm=FIRST + "!"))
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "set-confirm_passphrase") == [MISMATCH]
    assert wrapped() == before
    assert not events().exists()


def test_empty_fields_are_refused(login_as, admin, stored):
    response = login_as(admin).post(CHANGE, {})
    assert response.status_code == 422
    page = response.content.decode()
    assert field_errors(page, "change-current_passphrase") == ["This field is required."]
    assert field_errors(page, "change-new_passphrase") == ["This field is required."]


def test_the_new_passphrase_must_differ_from_the_current(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    before = wrapped()
    response = login_as(admin).post(CHANGE, change_form(new=FIRST))
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "change-new_passphrase") == [
        "The new passphrase is the current one: choose another."
    ]
    assert wrapped() == before


def test_setting_again_over_a_passphrase_is_refused(login_as, admin, stored):
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    before = wrapped()
    response = login_as(admin).post(SET, set_form(new=SECOND))
    assert response.status_code == 422
    assert "Enter the current passphrase." in response.content.decode()
    assert wrapped() == before
    assert numbers(FIRST) == OPENED


# --- The action ------------------------------------------------------------------------------------


def test_removing_when_none_is_set_is_refused(stored):
    with pytest.raises(ValidationError) as refused:
        actions.passphrase_change(actor=None, current=None, new=None)
    assert refused.value.message_dict == {"current_passphrase": ["No passphrase is set: there is nothing to remove."]}


def test_every_key_pair_of_an_unfinished_rotation_is_rewrapped_and_the_rotation_resumes(stored):
    def crash(done):
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        vault.rotate(batch=1, on_batch=crash)
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    assert set(VaultKey.objects.values_list("wrapping", flat=True)) == {KeyWrapping.PASSPHRASE}
    assert VaultKey.objects.count() == 2
    assert numbers(FIRST) == OPENED
    actions.vault_rotate(actor=None, passphrase=FIRST, batch=1)
    assert VaultKey.objects.get().wrapping == KeyWrapping.PASSPHRASE
    assert numbers(FIRST) == OPENED


def test_a_wrong_passphrase_for_an_older_key_pair_writes_nothing(stored):
    """A key pair the given passphrase does not open (the current one does) refuses the whole change."""
    actions.passphrase_change(actor=None, current=None, new=FIRST)
    older = vault.create_key(passphrase="some other passphrase", current=False)
    before = wrapped()
    with pytest.raises(ValidationError) as refused:
        actions.passphrase_change(actor=None, current=FIRST, new=SECOND)
    assert refused.value.message_dict == {"current_passphrase": ["That is not the current passphrase."]}
    assert wrapped() == before
    assert older.pk in VaultKey.objects.values_list("pk", flat=True)
