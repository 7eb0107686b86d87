"""Payment account pages: the list and its auto-debit choice, the profile widget, Add CC / Add ACH account,
edit, delete, Show number and accepted payment types."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientdesk.accounts.requests import StaffRequest
from clientdesk.clients.access import get_client_for
from clientdesk.clients.actions import EditConflictError
from clientdesk.clients.models import Client
from clientdesk.core.access import require
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.http import client_ip, is_htmx
from clientdesk.payments import actions, queries, vault
from clientdesk.payments.access import get_account_for
from clientdesk.payments.forms import BankForm, CardForm, HolderForm, PaymentTypesForm, RevealForm
from clientdesk.payments.models import AccountKind, PaymentAccount, Storage

LIST = "payments/account_list.html"
FORM = "payments/account_form.html"
# What a change to an account tells the profile: its Payment accounts widget and its Recent activity reload.
CHANGED = "paymentAccountsChanged, clientChanged"
# What an error report (the debug page, a logged 500) must never show: the fields holding numbers,
# the security code and the secret; and, by `sensitive_variables()`, every local of these views and of
# everything they call (the actions, the checks, the vault).
SECRET_FIELDS = ("number", "security_code", "routing_number", "account_number", "secret")
ADDED = {
    AccountKind.CARD: "The credit card account has been created.",
    AccountKind.BANK: "The bank account has been created.",
}


def _client_for(request: HttpRequest, pk: int, perm: str) -> Client:
    """Client `pk` for a staff member holding `perm` (a payments permission) and allowed to see clients."""
    require(request, perm)
    return get_client_for(request, pk, perm="clients.view_client")


def _list_url(client: Client | int) -> str:
    return reverse("payments:account_list", args=[client if isinstance(client, int) else client.pk])


def _list_context(client: Client, *, types: bool = True) -> dict[str, Any]:
    accounts = list(queries.client_accounts(client))
    context = {
        "client": client,
        "accounts": accounts,
        "auto_debit": next((a for a in accounts if a.auto_debit), None),
        "local": Storage.LOCAL,
    }
    return context | {"types": queries.payment_types(client)} if types else context


@require_GET
def account_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Payment accounts of a client: cards and bank accounts, their owner and storage, and the auto-debit choice."""
    client = _client_for(request, pk, "payments.view_paymentaccount")
    template = f"{LIST}#accounts" if is_htmx(request) else LIST
    return render(request, template, _list_context(client))


@require_GET
def client_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile widget: the client's payment accounts, the auto-debit one marked."""
    client = _client_for(request, pk, "payments.view_paymentaccount")
    context = {**_list_context(client, types=False), "widget_url": request.path}
    if is_htmx(request):
        return render(request, "payments/client_widget.html#widget", context)
    return render(request, "payments/client_widget.html", {**context, "title": "Payment accounts"})


@require_POST
def auto_debit(request: StaffRequest, pk: int) -> HttpResponse:
    """Use for auto-debit: the chosen account of this client, or none."""
    client = _client_for(request, pk, "payments.change_paymentaccount")
    choice = request.POST.get("account", "")
    account = None
    if choice not in ("", "none"):
        account = PaymentAccount.objects.filter(client=client, pk=choice if choice.isdigit() else 0).first()
        if account is None:
            messages.error(request, "That payment account is no longer on file: choose another.")
            return _after_auto_debit(request, client)
    chosen = actions.auto_debit_set(actor=request.user, client=client, account=account)
    if chosen is None:
        messages.success(request, "No payment account is used for auto-debit now.")
    else:
        messages.success(request, f"{chosen.label} is used for auto-debit.")
    return _after_auto_debit(request, client, changed=True)


def _after_auto_debit(request: HttpRequest, client: Client, *, changed: bool = False) -> HttpResponse:
    if is_htmx(request):
        response = render(request, f"{LIST}#accounts", _list_context(client))
        if changed:
            response["HX-Trigger"] = CHANGED
        return response
    return redirect(_list_url(client))


def _form_class(kind: str) -> type[CardForm] | type[BankForm]:
    return CardForm if kind == AccountKind.CARD else BankForm


def _filled(form: HolderForm, posted: Any) -> dict[str, Any]:
    """The values a "copy contact information" answer shows: as posted, the holder from the chosen contact."""
    values = {name: posted.get(name, "") for name in form.fields if name not in ("number", "security_code")}
    values.pop("routing_number", None)
    values.pop("account_number", None)
    contact = form.contacts.get(str(posted.get("copy_from", "")))
    if contact is not None:
        values.update(HolderForm.holder_initial(contact))
    return values


def _render_form(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = render(request, FORM, context, status=status)
    add_never_cache_headers(response)
    return response


def _account_form(
    request: StaffRequest, client: Client, kind: str, account: PaymentAccount | None = None
) -> HttpResponse:
    """Add or edit a card or bank account (one page: the holder, then the card's or the bank's fields)."""
    form_class = _form_class(kind)
    contacts = queries.copy_sources(client)
    types = queries.payment_types(client)
    context: dict[str, Any] = {
        "client": client,
        "account": account,
        "kind": kind,
        "card": kind == AccountKind.CARD,
        "accepted": types.cards if kind == AccountKind.CARD else types.bank_accounts,
        "cancel_url": _list_url(client),
    }
    if request.method == "GET":
        initial = form_class.initial_for(account) if account else {"country": client_country(contacts)}
        return _render_form(
            request, {**context, "form": form_class(initial=initial, contacts=contacts, account=account)}
        )
    if "fill" in request.POST:
        # "Copy contact information from": the holder is filled in from that contact (in place, with htmx).
        blank = form_class(contacts=contacts, account=account)
        form = form_class(initial=_filled(blank, request.POST), contacts=contacts, account=account)
        contact = blank.contacts.get(request.POST.get("copy_from", ""))
        context |= {"form": form, "copied": contact}
        if is_htmx(request):
            return render(request, f"{FORM}#holder", context)
        return _render_form(request, context)
    form = form_class(request.POST, contacts=contacts, account=account)
    if form.is_valid():
        try:
            saved = _save(request, client, kind, form, account)
        except EditConflictError as exc:
            apply_validation_error(exc, form)
            return _render_form(request, {**context, "form": form}, status=409)
        except ValidationError as exc:
            apply_validation_error(exc, form)
        except PaymentAccount.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        else:
            if account is None:
                messages.success(request, ADDED[AccountKind(kind)])
            elif saved is not None:
                messages.success(request, f"{saved.label} has been updated.")
            return redirect(_list_url(client))
    return _render_form(request, {**context, "form": form}, status=422)


def client_country(contacts: list[Any]) -> str:
    """The primary contact's country: a new account's holder most likely lives there."""
    return next((c.country for c in contacts if c.contact_type == "primary"), "")


def _save(
    request: StaffRequest, client: Client, kind: str, form: HolderForm, account: PaymentAccount | None
) -> PaymentAccount | None:
    data = form.cleaned_data
    actor, copy_from, holder = request.user, form.copy_from_contact(), form.holder()
    if kind == AccountKind.CARD:
        number, month, year, code = data["number"], data["expiry_month"], data["expiry_year"], data["security_code"]
        if account is None:
            return actions.card_add(
                actor=actor, client=client, copy_from=copy_from, holder=holder, number=number,
                expiry_month=month, expiry_year=year, security_code=code,
            )  # fmt: skip
        return actions.card_update(
            actor=actor, account=account, copy_from=copy_from, holder=holder, number=number,
            expiry_month=month, expiry_year=year, security_code=code, loaded_at=form.loaded_datetime(),
        )  # fmt: skip
    account_type, routing, number = data["account_type"], data["routing_number"], data["account_number"]
    if account is None:
        return actions.bank_add(
            actor=actor, client=client, copy_from=copy_from, holder=holder, account_type=account_type,
            routing_number=routing, account_number=number,
        )  # fmt: skip
    return actions.bank_update(
        actor=actor, account=account, copy_from=copy_from, holder=holder, account_type=account_type,
        routing_number=routing, account_number=number, loaded_at=form.loaded_datetime(),
    )  # fmt: skip


@sensitive_variables()
@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["GET", "POST"])
def card_add(request: StaffRequest, pk: int) -> HttpResponse:
    """Add CC account: the holder (copied from a contact or typed), number, expiry and security code."""
    client = _client_for(request, pk, "payments.add_paymentaccount")
    return _account_form(request, client, AccountKind.CARD)


@sensitive_variables()
@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["GET", "POST"])
def bank_add(request: StaffRequest, pk: int) -> HttpResponse:
    """Add ACH account: the holder, the account type, routing and account numbers."""
    client = _client_for(request, pk, "payments.add_paymentaccount")
    return _account_form(request, client, AccountKind.BANK)


@sensitive_variables()
@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["GET", "POST"])
def account_edit(request: StaffRequest, pk: int, account_pk: int) -> HttpResponse:
    """Edit a card or bank account: numbers show masked, and a masked number keeps the stored one."""
    account = get_account_for(request, pk, account_pk, perm="payments.change_paymentaccount")
    return _account_form(request, account.client, account.kind, account)


@require_http_methods(["GET", "POST"])
def account_delete(request: StaffRequest, pk: int, account_pk: int) -> HttpResponse:
    """Delete a payment account after a confirmation naming it: its stored number is destroyed."""
    account = get_account_for(request, pk, account_pk, perm="payments.delete_paymentaccount")
    if request.method == "GET":
        return render(request, "payments/account_confirm_delete.html", {"client": account.client, "account": account})
    label = account.label
    try:
        actions.account_delete(actor=request.user, account=account)
    except PaymentAccount.DoesNotExist:
        raise Http404 from None  # deleted meanwhile
    messages.success(request, f"{label} has been deleted.")
    return redirect(_list_url(pk))


@sensitive_variables()
@sensitive_post_parameters(*SECRET_FIELDS)
@require_http_methods(["GET", "POST"])
def account_reveal(request: StaffRequest, pk: int, account_pk: int) -> HttpResponse:
    """Show number: after the staff member's password (or the company passphrase), the full number, once.

    htmx loads it into the list's dialog; without htmx it is a page of its own. Never cached.
    """
    account = get_account_for(request, pk, account_pk, perm="payments.reveal_paymentaccount")
    passphrase = vault.passphrase_set()
    context: dict[str, Any] = {"client": account.client, "account": account, "passphrase": passphrase}
    template = "payments/account_reveal.html#reveal" if is_htmx(request) else "payments/account_reveal.html"
    status = 200
    if account.storage != Storage.LOCAL:
        context["remote"] = True
        form = None
    elif request.method == "GET":
        form = RevealForm(passphrase=passphrase)
    else:
        form = RevealForm(request.POST, passphrase=passphrase)
        status = 422
        if form.is_valid():
            try:
                context["number"] = actions.reveal_number(
                    actor=request.user, account=account, secret=form.cleaned_data["secret"], ip=client_ip(request)
                )
            except ValidationError as exc:
                apply_validation_error(exc, form)
                status = 429 if _locked(exc) else 422
            else:
                status = 200
                form = None
    if is_htmx(request) and status != 200:
        status = 200  # the dialog shows the refusal in place (htmx swaps no 4xx answer but 409)
    response = render(request, template, {**context, "form": form, "in_dialog": is_htmx(request)}, status=status)
    add_never_cache_headers(response)
    return response


def _locked(exc: ValidationError) -> bool:
    return any(e.code == "locked" for errors in getattr(exc, "error_dict", {}).values() for e in errors)


@require_http_methods(["GET", "POST"])
def payment_types(request: StaffRequest, pk: int) -> HttpResponse:
    """Accepted payment types: whether the client may use cards and bank accounts."""
    perm = "payments.change_paymentaccount" if request.method == "POST" else "payments.view_paymentaccount"
    client = _client_for(request, pk, perm)
    types = queries.payment_types(client)
    if request.method == "GET":
        form = PaymentTypesForm(initial={"cards": types.cards, "bank_accounts": types.bank_accounts})
        return render(request, "payments/payment_types.html", {"client": client, "form": form})
    form = PaymentTypesForm(request.POST)
    form.is_valid()  # two checkboxes: always valid
    before = (types.cards, types.bank_accounts)
    saved = actions.payment_types_set(
        actor=request.user,
        client=client,
        cards=form.cleaned_data["cards"],
        bank_accounts=form.cleaned_data["bank_accounts"],
    )
    if (saved.cards, saved.bank_accounts) == before:
        messages.info(request, "No changes to save.")
    else:
        messages.success(request, "The accepted payment types have been updated.")
    return redirect(_list_url(client))
