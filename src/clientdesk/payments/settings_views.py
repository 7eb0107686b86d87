"""Settings → Encryption: what the vault holds, and the company passphrase set, changed or removed (Admin only).

One page shows the state and the forms that apply; each form posts to its own URL, which redirects
back to the page on success and re-renders it with the form's errors (422) otherwise.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from clientdesk.accounts.requests import StaffRequest
from clientdesk.core.access import permission_required
from clientdesk.core.forms import apply_validation_error
from clientdesk.payments import actions
from clientdesk.payments.settings_forms import PassphraseChangeForm, PassphraseRemoveForm, PassphraseSetForm

PERMISSION = "payments.change_vaultkey"
PAGE = "payments/encryption.html"
ROTATE_COMMAND = "clientdesk vault rotate"
# Each form's prefix keeps the ids of its inputs apart from the other forms' on the same page.
FORMS: dict[str, type[forms.Form]] = {
    "set": PassphraseSetForm,
    "change": PassphraseChangeForm,
    "remove": PassphraseRemoveForm,
}


def _page(request: HttpRequest, *, bound: forms.Form | None = None, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "vault": actions.vault_status(),
        "rotate_command": ROTATE_COMMAND,
        "min_length": actions.PASSPHRASE_MIN_LENGTH,
    }
    for name, form_class in FORMS.items():
        form = bound if bound is not None and bound.prefix == name else form_class(prefix=name)
        context[f"{name}_form"] = form
    context["bound"] = bound.prefix if bound is not None else ""
    return render(request, PAGE, context, status=status)


@never_cache
@require_GET
@permission_required(PERMISSION)
def encryption(request: HttpRequest) -> HttpResponse:
    """The vault's state (passphrase, key pair, stored numbers, unfinished rotation) and the passphrase forms."""
    return _page(request)


def _submit(request: StaffRequest, name: str, change: Callable[[dict[str, Any]], object], done: str) -> HttpResponse:
    form = FORMS[name](request.POST, prefix=name)
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            messages.success(request, done)
            return redirect("payments_settings:encryption")
    return _page(request, bound=form, status=422)


@never_cache
@sensitive_variables()
@sensitive_post_parameters()
@require_POST
@permission_required(PERMISSION)
def encryption_set(request: StaffRequest) -> HttpResponse:
    """Set a first passphrase: every key pair is re-wrapped under it."""
    return _submit(
        request,
        "set",
        lambda data: actions.passphrase_change(actor=request.user, current=None, new=data["new_passphrase"]),
        "The passphrase is set. Keep it somewhere safe: without it no stored number can be read.",
    )


@never_cache
@sensitive_variables()
@sensitive_post_parameters()
@require_POST
@permission_required(PERMISSION)
def encryption_change(request: StaffRequest) -> HttpResponse:
    """Change the passphrase, given the current one."""
    return _submit(
        request,
        "change",
        lambda data: actions.passphrase_change(
            actor=request.user, current=data["current_passphrase"], new=data["new_passphrase"]
        ),
        "The passphrase is changed. The old one no longer opens anything.",
    )


@never_cache
@sensitive_variables()
@sensitive_post_parameters()
@require_POST
@permission_required(PERMISSION)
def encryption_remove(request: StaffRequest) -> HttpResponse:
    """Remove the passphrase, given the current one: the vault key alone opens the numbers again."""
    return _submit(
        request,
        "remove",
        lambda data: actions.passphrase_change(actor=request.user, current=data["current_passphrase"], new=None),
        "The passphrase is removed: the vault key alone now opens the stored numbers.",
    )
