"""`clientdesk vault rotate|status`: progress, resuming after a crash, the passphrase, and exit codes."""

import dataclasses
import io
import re

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import connections

from clientdesk.audit.models import AuditEvent
from clientdesk.payments import actions, crypto, vault
from clientdesk.payments.management.commands import vault as command
from clientdesk.payments.models import KeyWrapping, PaymentAccount, VaultKey

pytestmark = pytest.mark.django_db

PASSPHRASE = "company correct horse"
CARDS = [f"4000000000{n:05d}" for n in range(5)]


@pytest.fixture(autouse=True)
def _vault(vault_settings, monkeypatch):
    """Every test here has its own vault, no passphrase in the environment and nobody at a terminal."""
    monkeypatch.delenv(command.PASSPHRASE_VARIABLE, raising=False)
    monkeypatch.setattr(command, "stdin_is_tty", lambda: False)


@pytest.fixture
def stored(make_client, make_card, make_bank):
    """Five cards (valid numbers) and a bank account, sealed under the vault key."""
    client = make_client()
    cards = [make_card(client, _luhn(prefix)) for prefix in CARDS]
    return [*cards, make_bank(client, "000123456789")]


def _luhn(partial):
    digits = [int(d) for d in partial]
    total = sum(d if i % 2 else sum(divmod(d * 2, 10)) for i, d in enumerate(reversed(digits)))
    return partial + str((10 - total % 10) % 10)


def opened(passphrase=None):
    """Every stored number (and routing number) opened with `passphrase` (None: the vault key)."""
    found = []
    for account in PaymentAccount.objects.order_by("id"):
        purpose = vault.CARD_NUMBER if account.kind == "card" else vault.BANK_ACCOUNT
        found.append(vault.open_sealed(account.sealed_number, purpose, passphrase))
        if account.sealed_routing:
            found.append(vault.open_sealed(account.sealed_routing, vault.ROUTING, passphrase))
    return found


def expected():
    return [*(_luhn(prefix) for prefix in CARDS), "000123456789", "011000015"]


def run(*args, stdout=None):
    out = stdout or io.StringIO()
    call_command("vault", *args, stdout=out)
    return out.getvalue()


def key_ids():
    return {crypto.sealed_key_id(sealed) for sealed in PaymentAccount.objects.values_list("sealed_number", flat=True)}


# --- rotate -------------------------------------------------------------------------------------------


def test_rotate_reseals_every_number_in_batches_and_retires_the_old_key_pair(stored):
    old = VaultKey.objects.get().key_id
    output = run("rotate", "--batch", "4")
    new = VaultKey.objects.get()
    assert new.key_id != old
    assert new.current
    assert new.wrapping == KeyWrapping.VAULT_KEY
    assert key_ids() == {new.key_id}
    assert opened() == expected()
    lines = output.splitlines()
    assert lines[:2] == ["Re-sealed 4 of 6 numbers", "Re-sealed 6 of 6 numbers"]
    assert lines[2] == (
        f"Rotation finished: 6 re-sealed; every stored number is sealed to key pair {new.key_id}. "
        f"Retired key pairs: {old}."
    )
    event = AuditEvent.objects.get(action="payment.rotate")
    assert (event.actor_type, event.actor_label, event.target_pk) == ("system", "system", str(new.pk))
    assert event.changes == {
        "key": [None, new.key_id],
        "resealed": [None, 6],
        "retired": [None, [old]],
        "resumed": [None, False],
    }


def test_numbers_are_formatted_with_thousands_separators(stored, monkeypatch):
    def big_rotate(*, passphrase, batch, on_batch):
        on_batch(500)
        return vault.RotationReport(key_id=VaultKey.objects.get().key_id, resealed=500, remaining=0, retired=[])

    real_status = actions.vault_status

    def many_stored():
        return dataclasses.replace(real_status(), stored=1234)

    monkeypatch.setattr(vault, "rotate", big_rotate)
    monkeypatch.setattr(actions, "vault_status", many_stored)
    assert run("rotate").splitlines()[0] == "Re-sealed 500 of 1,234 numbers"


def test_a_rotation_killed_after_one_batch_resumes_when_run_again(stored):
    old = VaultKey.objects.get().key_id

    class CrashError(Exception):
        pass

    def crash(done):
        raise CrashError

    with pytest.raises(CrashError):
        actions.vault_rotate(actor=None, passphrase=None, batch=2, on_batch=crash)
    assert VaultKey.objects.count() == 2
    assert len(key_ids()) == 2
    assert not AuditEvent.objects.filter(action="payment.rotate").exists()
    assert "A rotation is unfinished: 4 still sealed to an older key pair." in run("status")

    output = run("rotate", "--batch", "2")
    assert output.splitlines()[0] == "Resuming the unfinished rotation: 4 numbers still to re-seal."
    assert "Re-sealed 4 of 4 numbers" in output
    new = VaultKey.objects.get()
    assert f"Retired key pairs: {old}." in output
    assert key_ids() == {new.key_id}
    assert opened() == expected()
    assert AuditEvent.objects.get(action="payment.rotate").changes["resumed"] == [None, True]


def test_the_command_stopped_mid_way_by_ctrl_c_finishes_when_run_again(stored):
    class StopAfterFirstBatch(io.StringIO):
        def write(self, text):
            if text.startswith("Re-sealed"):
                raise KeyboardInterrupt
            return super().write(text)

    with pytest.raises(KeyboardInterrupt):
        run("rotate", "--batch", "3", stdout=StopAfterFirstBatch())
    assert VaultKey.objects.count() == 2
    output = run("rotate", "--batch", "3")
    assert "Resuming the unfinished rotation: 3 numbers still to re-seal." in output
    assert VaultKey.objects.count() == 1
    assert opened() == expected()


def test_rotate_with_the_passphrase_from_the_environment_keeps_it(stored, monkeypatch):
    actions.passphrase_change(actor=None, current=None, new=PASSPHRASE)
    monkeypatch.setenv(command.PASSPHRASE_VARIABLE, PASSPHRASE)
    output = run("rotate")
    assert "Rotation finished: 6 re-sealed" in output
    assert PASSPHRASE not in output
    assert VaultKey.objects.get().wrapping == KeyWrapping.PASSPHRASE
    assert opened(PASSPHRASE) == expected()
    with pytest.raises(vault.PassphraseRequiredError):
        opened()


def test_rotate_asks_for_the_passphrase_at_a_terminal(stored, monkeypatch):
    actions.passphrase_change(actor=None, current=None, new=PASSPHRASE)
    monkeypatch.setattr(command, "stdin_is_tty", lambda: True)
    monkeypatch.setattr(command, "ask_passphrase", lambda: PASSPHRASE)
    assert "Rotation finished" in run("rotate")
    assert opened(PASSPHRASE) == expected()


def test_a_passphrase_given_when_none_is_set_is_not_used(stored, monkeypatch):
    monkeypatch.setenv(command.PASSPHRASE_VARIABLE, PASSPHRASE)
    run("rotate")
    assert VaultKey.objects.get().wrapping == KeyWrapping.VAULT_KEY
    assert opened() == expected()


def test_rotate_with_nothing_stored_makes_a_new_key_pair(vault_settings):
    old = vault.current_key().key_id
    output = run("rotate")
    assert "Re-sealed" not in output
    assert f"Retired key pairs: {old}." in output
    assert VaultKey.objects.get().key_id != old


# --- Refusals: a clear message, a non-zero exit, nothing changed ----------------------------------------


def exit_code(capsys, monkeypatch, *args):
    """Run `clientdesk vault …` as from the shell: its exit code and what it wrote to stderr."""
    # From the shell, the command closes the database connections when it ends: not the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["clientdesk", "vault", *args]).execute()
    return exited.value.code, capsys.readouterr().err


def test_a_wrong_passphrase_exits_non_zero_and_changes_nothing(stored, monkeypatch, capsys):
    actions.passphrase_change(actor=None, current=None, new=PASSPHRASE)
    key = VaultKey.objects.get()
    monkeypatch.setenv(command.PASSPHRASE_VARIABLE, "wrong horse battery")
    code, err = exit_code(capsys, monkeypatch, "rotate")
    assert code == 1
    assert "That is not the company passphrase." in err
    assert "wrong horse" not in err
    assert list(VaultKey.objects.values_list("pk", flat=True)) == [key.pk]
    assert key_ids() == {key.key_id}
    assert not AuditEvent.objects.filter(action="payment.rotate").exists()


def test_a_missing_passphrase_without_a_terminal_exits_non_zero(stored, monkeypatch, capsys):
    actions.passphrase_change(actor=None, current=None, new=PASSPHRASE)
    code, err = exit_code(capsys, monkeypatch, "rotate")
    assert code == 1
    assert "A company passphrase is set: put it in CLIENTDESK_VAULT_PASSPHRASE" in err
    assert VaultKey.objects.count() == 1


def test_an_empty_passphrase_at_the_terminal_is_refused(stored, monkeypatch):
    actions.passphrase_change(actor=None, current=None, new=PASSPHRASE)
    monkeypatch.setattr(command, "stdin_is_tty", lambda: True)
    monkeypatch.setattr(command, "ask_passphrase", lambda: "")
    with pytest.raises(CommandError, match="enter the company passphrase"):
        run("rotate")
    assert VaultKey.objects.count() == 1


def test_a_lost_vault_key_exits_non_zero(stored, settings, tmp_path, monkeypatch, capsys):
    settings.CLIENTDESK_VAULT_KEY_FILE = tmp_path / "another.key"
    key = VaultKey.objects.get()
    code, err = exit_code(capsys, monkeypatch, "rotate")
    assert code == 1
    assert f"The vault cannot be opened: the vault key does not open key pair {key.key_id}" in err
    assert list(VaultKey.objects.all()) == [key]
    settings.CLIENTDESK_VAULT_KEY_FILE = tmp_path / "vault.key"
    assert opened() == expected()


def test_a_batch_below_one_is_refused(stored):
    with pytest.raises(CommandError, match="a whole number of 1 or more"):
        run("rotate", "--batch", "0")


# --- status ---------------------------------------------------------------------------------------------


def test_status_of_an_empty_vault(vault_settings):
    output = run("status")
    assert "Key pairs: none yet" in output
    assert "Numbers stored locally: 0" in output


def test_status_names_the_key_pair_its_wrapping_and_the_count(stored):
    key = VaultKey.objects.get()
    output = run("status")
    assert re.search(
        rf"^Key pair {key.key_id} \(current\), created \d{{4}}-\d\d-\d\d \d\d:\d\d UTC, wrapped by the vault key$",
        output,
        re.M,
    )
    assert "Key size: RSA-3072" in output
    assert "Passphrase: not set" in output
    assert "Numbers stored locally: 6" in output
    assert "unfinished" not in output
    actions.passphrase_change(actor=None, current=None, new=PASSPHRASE)
    output = run("status")
    assert "wrapped by the company passphrase" in output
    assert "Passphrase: set" in output
