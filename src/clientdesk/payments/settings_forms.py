"""Shapes of Settings → Encryption input: the passphrase forms. The rules live in `actions.passphrase_change`.

Passphrase inputs are never rendered with a value (PasswordInput's default), and never stripped.
"""

from typing import Any

from django import forms

from clientdesk.core.forms import StyledFormMixin
from clientdesk.payments.actions import PASSPHRASE_MIN_LENGTH

MISMATCH = "The two new passphrases differ: type the same one twice."


def _passphrase(label: str, autocomplete: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}), **kwargs
    )


def _current() -> forms.CharField:
    return _passphrase("Current passphrase", "current-password")


def _new() -> forms.CharField:
    return _passphrase(
        "New passphrase",
        "new-password",
        help_text=(
            f"At least {PASSPHRASE_MIN_LENGTH} characters. A few unrelated words are easy to type and hard to guess."
        ),
    )


def _confirm() -> forms.CharField:
    return _passphrase("New passphrase, again", "new-password")


class _Confirmed(StyledFormMixin, forms.Form):
    """The new passphrase, typed twice alike."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_passphrase"), data.get("confirm_passphrase")
        if new is not None and again is not None and new != again:
            self.add_error("confirm_passphrase", MISMATCH)
        return data


class PassphraseSetForm(_Confirmed):
    """A first passphrase."""

    new_passphrase = _new()
    confirm_passphrase = _confirm()


class PassphraseChangeForm(_Confirmed):
    """Another passphrase, for whoever knows the current one."""

    current_passphrase = _current()
    new_passphrase = _new()
    confirm_passphrase = _confirm()


class PassphraseRemoveForm(StyledFormMixin, forms.Form):
    """No passphrase any more (the vault key alone opens the numbers), for whoever knows the current one."""

    current_passphrase = _current()
    confirm = forms.BooleanField(
        label="I understand that the vault key alone will then open every stored number.",
        error_messages={"required": "Tick the box to confirm that the passphrase is to be removed."},
    )
