"""Sign-in, two-factor and password forms."""

import math
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from clientdesk.accounts import actions, throttle
from clientdesk.accounts.models import RecoveryCode
from clientdesk.core.forms import StyledFormMixin
from clientdesk.core.http import client_ip


def locked_message(until: datetime) -> str:
    """What a locked-out staff member reads: when to try again."""
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class SignInForm(StyledFormMixin, forms.Form):
    """Email and password (checked, throttled, by the sign-in view)."""

    email = forms.EmailField(
        max_length=255, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class PasswordResetRequestForm(StyledFormMixin, forms.Form):
    """The email address of the account whose password is forgotten."""

    email = forms.EmailField(
        max_length=255,
        help_text="The address you sign in with. We email a link to it if it belongs to an active staff account.",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class TokenForm(StyledFormMixin, forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.CharField(
        label="Authentication code",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit() or len(token) != 6:
            raise ValidationError("Enter the 6-digit code shown by your authenticator app.")
        return token


def check_password_entry(
    request: HttpRequest, form: forms.Form, field: str, wrong: str = "That is not your password."
) -> bool:
    """Check a re-entered password of the signed-in member, throttled like sign-in (a stolen session
    cannot guess); a wrong one is counted and the form gets the error. Call after `form.is_valid()`."""
    user: Any = request.user
    outcome = throttle.attempt(user, client_ip(request), lambda: user.check_password(form.cleaned_data[field]))
    if outcome.refused_until:
        form.add_error(field, locked_message(outcome.refused_until))
        return False
    if not outcome.ok:
        actions.user_sign_in_failed(
            actor=user, account=user, email=user.email, step="password re-entry", locked=outcome.locked
        )
        form.add_error(field, wrong)
        return False
    return True


class SignInCodeForm(StyledFormMixin, forms.Form):
    """The code step of sign-in: a code from the authenticator app, or one of the member's recovery codes."""

    token = forms.CharField(
        label="Authentication code",
        max_length=24,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if token.isdigit() and len(token) == 6:
            return token
        if len(RecoveryCode.normalize(token)) == RecoveryCode.LENGTH:
            return token
        raise ValidationError("Enter the 6-digit code from your authenticator app, or a recovery code.")

    @property
    def is_recovery_code(self) -> bool:
        """True when the member typed a recovery code rather than an app code."""
        return not self.cleaned_data["token"].isdigit()


class PasswordConfirmForm(StyledFormMixin, forms.Form):
    """Re-entry of the staff member's own password for a sensitive change."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Django's password change form (old password, new twice, validators) in our markup."""

    def clean_old_password(self) -> str:
        """Only its shape here: the view checks it with `check_password_entry` (throttled, audited)."""
        return str(self.cleaned_data["old_password"])
