"""Sign-in, two-factor and password forms."""

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from clientdesk.accounts import actions, throttle
from clientdesk.core.forms import StyledFormMixin
from clientdesk.core.http import client_ip


def locked_message(until: Any) -> str:
    """What a locked-out staff member reads: when to try again."""
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class SignInForm(StyledFormMixin, forms.Form):
    """Email and password (checked, throttled, by the sign-in view)."""

    email = forms.EmailField(
        max_length=255, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


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
    ip = client_ip(request)
    if until := throttle.locked_until(user.email, ip):
        form.add_error(field, locked_message(until))
        return False
    if not user.check_password(form.cleaned_data[field]):
        actions.user_sign_in_failed(actor=user, email=user.email, ip=ip)
        form.add_error(field, wrong)
        return False
    return True


class PasswordConfirmForm(StyledFormMixin, forms.Form):
    """Re-entry of the staff member's own password for a sensitive change."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Django's password change form (old password, new twice, validators) in our markup."""

    def clean_old_password(self) -> str:
        """Only its shape here: the view checks it with `check_password_entry` (throttled, audited)."""
        return str(self.cleaned_data["old_password"])
