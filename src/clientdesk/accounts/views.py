"""Sign in (with the optional two-factor step), sign out, password change, two-factor setup."""

import base64
import io
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
    SignInCodeForm,
    SignInForm,
    StyledPasswordChangeForm,
    TokenForm,
    check_password_entry,
    locked_message,
)
from clientdesk.accounts.models import User, normalize_email
from clientdesk.core.http import client_ip, safe_next

PENDING = "clientdesk_2fa_pending"
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _finish_sign_in(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    login(request, user, backend=BACKEND)
    actions.user_signed_in(actor=user, ip=client_ip(request))
    return redirect(next_url)


def _authenticate(request: HttpRequest, form: SignInForm) -> User | None:
    """The staff member the form's email and password name; throttled before any password is hashed.

    The attempt counts against the account the email names (found by its normalised form, so every
    spelling of an address is one account), from this IP, and against the IP; an email naming no
    account counts against the IP only. Django's backend hashes a dummy password for an unknown
    email, so both take the same time and the answer does not tell which emails exist.
    """
    email, password = form.cleaned_data["email"], form.cleaned_data["password"]
    account = User.objects.filter(email=normalize_email(email)).first()
    found: list[User] = []

    def check() -> bool:
        user = authenticate(request, username=email, password=password)
        if isinstance(user, User):
            found.append(user)
        return bool(found)

    outcome = throttle.attempt(account, client_ip(request), check)
    if outcome.refused_until:
        form.add_error(None, ValidationError(locked_message(outcome.refused_until), code="locked"))
        return None
    if not outcome.ok:
        actions.user_sign_in_failed(actor=None, account=account, email=email, step="password", locked=outcome.locked)
        form.add_error(
            None, ValidationError("That email and password do not match an active staff account.", code="invalid")
        )
        return None
    return found[0]


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email + password; then the authenticator code when the member enrolled one."""
    next_url = safe_next(request, reverse("clients:client_list"))
    if request.user.is_authenticated and request.method != "POST":
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (user := _authenticate(request, form)):
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            request.session.cycle_key()
            request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": next_url}
            return redirect("accounts:sign_in_verify")
        return _finish_sign_in(request, user, next_url)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url}, status=status)


@login_not_required
@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    """Second step: the code from the authenticator app, or a recovery code (throttled like the password)."""
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
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, recovery = form.cleaned_data["token"], form.is_recovery_code
        if recovery:
            outcome = throttle.attempt(
                user, client_ip(request), lambda: actions.recovery_code_use(actor=user, code=token)
            )
        else:
            outcome = throttle.attempt(user, client_ip(request), lambda: device.verify_token(token))
        if outcome.refused_until:
            form.add_error(None, locked_message(outcome.refused_until))
        elif outcome.ok:
            del request.session[PENDING]
            if recovery:
                left = user.recovery_codes.filter(used_at__isnull=True).count()
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. "
                    "Make new ones on the Two-factor sign-in page if you have lost your phone.",
                )
            return _finish_sign_in(request, user, pending["next"])
        else:
            step = "recovery code" if recovery else "code"
            actions.user_sign_in_failed(actor=None, account=user, email=user.email, step=step, locked=outcome.locked)
            form.add_error(
                "token",
                "That recovery code is not right, or it was used already."
                if recovery
                else "That code is not right, or it has expired. Try the current one.",
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/sign_in_verify.html", {"form": form}, status=status)


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
    """The QR code as an SVG image in a data URI (a standalone SVG: with its namespace, or no browser draws it)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@sensitive_post_parameters()
@require_http_methods(["GET", "HEAD", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """Two-factor sign-in: enrol an authenticator app, confirm it, new recovery codes, or switch it off."""
    user: User = request.user  # type: ignore[assignment]
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    step = request.POST.get("step")
    token_form = TokenForm(request.POST if step == "confirm" else None)
    password_form = PasswordConfirmForm(request.POST if step == "disable" else None)
    regenerate_form = PasswordConfirmForm(request.POST if step == "regenerate" else None, prefix="regenerate")
    status = 200
    new_codes: list[str] | None = None
    if step == "start" and not confirmed:
        pending = actions.totp_device_start(actor=user)
    elif step == "confirm" and pending and not confirmed and token_form.is_valid():
        new_codes = actions.totp_device_confirm(actor=user, device=pending, token=token_form.cleaned_data["token"])
        if new_codes is None:
            token_form.add_error(
                "token", "That code does not match. Check the time on your phone and try the current code."
            )
            status = 400
        else:
            confirmed, pending = pending, None
            messages.success(request, "Two-factor sign-in is on. You will be asked for a code at every sign-in.")
    elif (
        step == "regenerate"
        and confirmed
        and regenerate_form.is_valid()
        and check_password_entry(request, regenerate_form, "password")
    ):
        new_codes = actions.recovery_codes_regenerate(actor=user)
        messages.success(request, "New recovery codes are ready; the old ones no longer work.")
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
        "regenerate_form": regenerate_form,
        # Shown in this response only: the codes are not stored, and the page is never cached.
        "new_codes": new_codes,
        "codes_left": user.recovery_codes.filter(used_at__isnull=True).count() if confirmed else 0,
    }
    if pending and not confirmed:
        context["qr"] = _qr_data_uri(pending.config_url)
        context["secret"] = base64.b32encode(pending.bin_key).decode()
    return render(request, "accounts/security.html", context, status=status)
