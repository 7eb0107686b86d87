"""Password reset by email: the "Forgot your password?" form, its one answer, and the page its link opens.

The form answers every address the same way, with the same redirect to the same page, whether it
is an active member's, a deactivated one's, no one's, or one asked for too often (then nothing is
queued); and no sooner than CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS after the request came in, so
the time the answer takes does not tell either (queueing an email takes longer than finding none).

The reset page, like the set-password page, keeps the token in its path: it loads nothing from
elsewhere, sends the Referer only to this site, and the link is spent once used.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions, queries, throttle
from clientdesk.accounts.actions.reset import PASSWORD_RESET_LINK_HOURS, RESET_LINK_REFUSED, password_reset_tokens
from clientdesk.accounts.actions.staff import LinkState
from clientdesk.accounts.forms import PasswordResetRequestForm
from clientdesk.accounts.models import normalize_email
from clientdesk.accounts.staff_forms import StaffSetPasswordForm
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.http import client_ip

ANSWER_SECONDS = 0.5  # the default of CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS


def _answer_after(started: float) -> None:
    """Hold the answer until the set time after the request came in (already past it: at once)."""
    left = getattr(settings, "CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS", ANSWER_SECONDS) - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


@login_not_required
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a password reset link by email; every address gets the same answer."""
    started = time.monotonic()
    form = PasswordResetRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = normalize_email(form.cleaned_data["email"])
        if throttle.reset_request(email, client_ip(request)):
            actions.user_password_reset_request(actor=None, email=email)
        _answer_after(started)
        return redirect("accounts:password_reset_sent")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    """The one answer to a reset request, whatever the address was."""
    return render(request, "accounts/password_reset_sent.html", {"hours": PASSWORD_RESET_LINK_HOURS})


@login_not_required
@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset_confirm(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    """A member chooses a new password from their emailed link; then they sign in as usual (two-factor too)."""
    member = queries.user_from_link(uid)
    state = password_reset_tokens.state(member, token) if member is not None else LinkState.INVALID
    if member is None or state is not LinkState.VALID:
        context = {"refused": RESET_LINK_REFUSED[state]}
        return render(request, "accounts/password_reset_confirm.html", context, status=410 if member else 404)
    form = StaffSetPasswordForm(member, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.user_password_reset_by_link(
                actor=member, user=member, token=token, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            with_what = (
                "your email address, your new password and the code from your authenticator app"
                if TOTPDevice.objects.filter(user=member, confirmed=True).exists()
                else "your email address and your new password"
            )
            messages.success(request, f"Your password is reset. Sign in with {with_what}.")
            return redirect("accounts:sign_in")
    status = 422 if request.method == "POST" else 200
    return render(request, "accounts/password_reset_confirm.html", {"form": form, "member": member}, status=status)
