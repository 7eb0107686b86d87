"""Sign in (with the optional two-factor step), sign out, password change, two-factor setup."""

import base64
import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions, throttle
from clientdesk.accounts.forms import (
    PasswordConfirmForm,
    SignInForm,
    StyledPasswordChangeForm,
    TokenForm,
    check_password_entry,
    locked_message,
)
from clientdesk.accounts.models import User
from clientdesk.core.http import client_ip, safe_next

PENDING = "clientdesk_2fa_pending"
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _finish_sign_in(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    login(request, user, backend=BACKEND)
    actions.user_signed_in(actor=user)
    return redirect(next_url)


def _authenticate(request: HttpRequest, form: SignInForm) -> User | None:
    """The staff member the form's email and password name; throttled before any password is hashed."""
    email, password = form.cleaned_data["email"], form.cleaned_data["password"]
    ip = client_ip(request)
    if until := throttle.locked_until(email, ip):
        form.add_error(None, ValidationError(locked_message(until), code="locked"))
        return None
    user = authenticate(request, username=email, password=password)
    if not isinstance(user, User):
        actions.user_sign_in_failed(actor=None, email=email, ip=ip)
        form.add_error(
            None, ValidationError("That email and password do not match an active staff account.", code="invalid")
        )
        return None
    return user


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email + password; then the authenticator code when the member enrolled one."""
    next_url = safe_next(request, reverse("clients:client_list"))
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (user := _authenticate(request, form)):
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            request.session.cycle_key()
            request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": next_url}
            return redirect("accounts:sign_in_verify")
        return _finish_sign_in(request, user, next_url)
    status = 200 if request.method == "GET" else 400
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=status)


@login_not_required
@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    """Second step: the code from the authenticator app."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.info(request, "Sign in again: the code step timed out.")
        return redirect("accounts:sign_in")
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
    if user is None or device is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:sign_in")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if until := throttle.locked_until(user.email, ip):
            form.add_error(None, f"Too many failed attempts. Try again after {until:%H:%M} UTC.")
        elif device.verify_token(form.cleaned_data["token"]):
            del request.session[PENDING]
            return _finish_sign_in(request, user, pending["next"])
        else:
            actions.user_sign_in_failed(actor=None, email=user.email, ip=ip)
            form.add_error("token", "That code is not right, or it has expired. Try the current one.")
    return render(
        request, "accounts/sign_in_verify.html", {"form": form}, status=200 if request.method == "GET" else 400
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link elsewhere cannot sign anyone out)."""
    if isinstance(request.user, User):
        actions.user_signed_out(actor=request.user)
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:sign_in")


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: the current one (throttled) and the new one twice."""
    user: User = request.user  # type: ignore[assignment]
    form = StyledPasswordChangeForm(user, request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and check_password_entry(request, form, "old_password", str(form.error_messages["password_incorrect"]))
    ):
        actions.user_password_change(actor=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, "Your password was changed.")
        return redirect("accounts:security")
    return render(
        request, "accounts/password_change.html", {"form": form}, status=200 if request.method == "GET" else 400
    )


def _qr_data_uri(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in: enrol an authenticator app, confirm it, or switch it off."""
    user: User = request.user  # type: ignore[assignment]
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    step = request.POST.get("step")
    token_form = TokenForm(request.POST if step == "confirm" else None)
    password_form = PasswordConfirmForm(request.POST if step == "disable" else None)
    status = 200
    if step == "start" and not confirmed:
        pending = actions.totp_device_start(actor=user)
    elif step == "confirm" and pending and token_form.is_valid():
        if actions.totp_device_confirm(actor=user, device=pending, token=token_form.cleaned_data["token"]):
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code at every sign-in.")
            return redirect("accounts:security")
        token_form.add_error(
            "token", "That code does not match. Check the time on your phone and try the current code."
        )
        status = 400
    elif (
        step == "disable"
        and confirmed
        and password_form.is_valid()
        and check_password_entry(request, password_form, "password")
    ):
        actions.totp_disable(actor=user)
        messages.success(request, "Two-factor sign-in is off.")
        return redirect("accounts:security")
    elif request.method == "POST":
        status = 400
    context: dict[str, Any] = {
        "confirmed": confirmed,
        "pending": pending,
        "token_form": token_form,
        "password_form": password_form,
    }
    if pending and not confirmed:
        context["qr"] = _qr_data_uri(pending.config_url)
        context["secret"] = base64.b32encode(pending.bin_key).decode()
    return render(request, "accounts/security.html", context, status=status)
