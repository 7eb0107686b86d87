"""Sign-in, two-factor and password forms."""

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from clientdesk.accounts import actions, throttle
from clientdesk.core.forms import StyledFormMixin
from clientdesk.core.http import client_ip


def _locked_message(until: Any) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class SignInForm(StyledFormMixin, forms.Form):
    """Email and password; throttled per account and IP before the password is ever hashed."""

    email = forms.EmailField(
        max_length=255, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: Any = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        email, password = data.get("email"), data.get("password")
        if not email or not password:
            return data
        ip = client_ip(self.request)
        if until := throttle.locked_until(email, ip):
            raise ValidationError(_locked_message(until), code="locked")
        self.user = authenticate(self.request, username=email, password=password)
        if self.user is None:
            locked = throttle.register_failure(email, ip)
            actions.user_sign_in_failed(email=email, locked=locked)
            raise ValidationError("That email and password do not match an active staff account.", code="invalid")
        return data


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


def verify_own_password(request: HttpRequest, password: str, wrong: str = "That is not your password.") -> None:
    """Check the signed-in member's password, throttled like sign-in (a stolen session cannot guess)."""
    user: Any = request.user
    ip = client_ip(request)
    if until := throttle.locked_until(user.email, ip):
        raise ValidationError(_locked_message(until), code="locked")
    if not user.check_password(password):
        locked = throttle.register_failure(user.email, ip)
        actions.user_sign_in_failed(email=user.email, locked=locked)
        raise ValidationError(wrong, code="invalid")


class PasswordConfirmForm(StyledFormMixin, forms.Form):
    """Re-entry of the staff member's own password for a sensitive change."""

    password = forms.CharField(label="Your password", strip=False, widget=forms.PasswordInput)

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        verify_own_password(self.request, password)
        return password


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    """Django's password change form (old password, new twice, validators) in our markup."""

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        super().__init__(request.user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        verify_own_password(self.request, old_password, self.error_messages["password_incorrect"])
        return old_password
