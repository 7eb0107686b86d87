"""Client pages: list, add, edit, profile (with its widgets), status, history, search."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from clientdesk.accounts.requests import StaffRequest
from clientdesk.audit import queries as audit_queries
from clientdesk.clients import actions, queries
from clientdesk.clients.access import get_client_for
from clientdesk.clients.forms import (
    ClientFilterForm,
    ClientForm,
    country_default_currency,
    phone_data,
    phone_formset,
    state_choices,
)
from clientdesk.clients.models import Client, ClientStatus, Contact
from clientdesk.clients.phones import display as phone_display
from clientdesk.core import contract
from clientdesk.core.access import permission_required, require
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.http import is_htmx, redirect_or_htmx
from clientdesk.core.pagination import KnownCountPaginator, paginate

PAGE_SIZE = settings.CLIENTDESK_PAGE_SIZE


@require_GET
@permission_required("clients.view_client")
def client_list(request: HttpRequest) -> HttpResponse:
    """Clients by status tab, filtered and sorted, 20 a page."""
    form = ClientFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    status = data.get("status") or ClientStatus.ACTIVE
    filters = queries.ClientFilters(
        name=data.get("name", ""),
        email=data.get("email", ""),
        company=data.get("company", ""),
        country=data.get("country", ""),
        group=data["group"].pk if data.get("group") else None,
    )
    sort = queries.parse_sort(data.get("sort"))
    counts = queries.status_counts()
    rows = queries.client_list(status=status, filters=filters, sort=sort)
    page = paginate(request, rows, PAGE_SIZE, count=None if filters.any else counts[status])
    params = request.GET.copy()
    params.pop("page", None)
    filter_params = params.copy()
    filter_params.pop("sort", None)
    context = {
        "form": form,
        "page": page,
        "status": status,
        "sort": sort,
        "tabs": [(value, label, counts[value]) for value, label in ClientStatus.choices],
        "query_string": params.urlencode(),
        "filter_query": filter_params.urlencode(),
        "filtered": filters.any,
    }
    template = "clients/client_list.html#results" if is_htmx(request) else "clients/client_list.html"
    return render(request, template, context)


def _client_form_response(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    if is_htmx(request) and "add_phone" in request.POST:
        return render(request, f"{template}#phones", context)
    return render(request, template, context, status=status)


def check_numbers_too(form: forms.Form, phones: Any) -> None:
    """Check the phone numbers even though the form has other errors, so every error shows in one round.

    For any form with a `country` field and phone rows (Add/Edit client, Add/Edit contact).
    """
    country = form.cleaned_data.get("country") if hasattr(form, "cleaned_data") else None
    if not country or not phones.is_valid():
        return
    try:
        actions.clean_phones(Contact(country=country), phone_data(phones))
    except ValidationError as exc:
        apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")


def _billing(request: HttpRequest) -> bool:
    """Whether the staff member may change billing settings (currency, tax, invoicing, auto-debit…)."""
    return bool(request.user.has_perm("clients.change_client_billing"))


@require_http_methods(["GET", "POST"])
@permission_required("clients.add_client")
def client_add(request: StaffRequest) -> HttpResponse:
    """Add client: the primary contact, its numbers and the client's settings."""
    template = "clients/client_form.html"
    if request.method == "GET":
        form = ClientForm(initial={"country": settings.CLIENTDESK_DEFAULT_COUNTRY}, billing=_billing(request))
        form.fields["first_name"].widget.attrs["autofocus"] = True
        return render(request, template, {"form": form, "phones": phone_formset()})
    form = ClientForm(request.POST, billing=_billing(request))
    if "add_phone" in request.POST:
        return _client_form_response(
            request, template, {"form": form, "phones": phone_formset(request.POST, add_row=True)}
        )
    phones = phone_formset(request.POST)
    duplicates: list[Any] = []
    if not (form.is_valid() & phones.is_valid()):
        check_numbers_too(form, phones)
    else:
        try:
            client = actions.client_create(
                actor=request.user,
                data=form.client_data(),
                contact=form.contact_data(),
                phones=phone_data(phones),
                allow_duplicate=request.POST.get("create_anyway") == "1",
                send_welcome=form.cleaned_data["send_welcome"],
            )
        except actions.DuplicateClientError as exc:
            duplicates = exc.clients  # shown with links, and a button to create this one anyway
        except ValidationError as exc:
            apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")
        else:
            messages.success(request, f"Client #{client.id_code} {client.name} was created.")
            return redirect(client)
    context = {"form": form, "phones": phones, "duplicates": duplicates}
    return render(request, template, context, status=409 if duplicates else 422)


@require_http_methods(["GET", "POST"])
def client_edit(request: StaffRequest, pk: int) -> HttpResponse:
    """Edit client: the same fields as Add client; only what the staff member changed is saved."""
    client = queries.attach_primary_contact(
        get_client_for(request, pk, perm="clients.change_client", queryset=queries.client_profile_queryset())
    )
    contact = client.primary_contact  # type: ignore[attr-defined]
    template = "clients/client_form.html"
    context: dict[str, Any] = {"client": client}
    if request.method == "GET":
        numbers = list(contact.phone_numbers.all())
        # International format: it stays right if the country is changed in the same edit.
        initial = [{"type": p.type, "location": p.location, "number": phone_display(p.number)} for p in numbers]
        state = actions.client_state(client, contact, numbers)
        context |= {
            "form": ClientForm(
                initial=ClientForm.initial_for(client, contact, state=state), billing=_billing(request), current=client
            ),
            "phones": phone_formset(initial=initial),
        }
        return render(request, template, context)
    form = ClientForm(request.POST, billing=_billing(request), current=client)
    if "add_phone" in request.POST:
        context |= {"form": form, "phones": phone_formset(request.POST, add_row=True)}
        return _client_form_response(request, template, context)
    phones = phone_formset(request.POST)
    status = 422
    valid = form.is_valid() & phones.is_valid()  # both, so every error shows at once
    if not valid:
        check_numbers_too(form, phones)
    base = form.loaded_state(client.pk) if valid else None
    if base is not None:
        try:
            update = actions.client_update(
                actor=request.user,
                client=client,
                data=form.client_data(),
                contact=form.contact_data(),
                phones=phone_data(phones),
                base=base,
            )
        except actions.EditConflictError as exc:
            # Shown the current values, the staff member may save theirs over them on purpose.
            data = request.POST.copy()
            data["loaded"] = ClientForm.sign(client.pk, {**base, **exc.current})
            form = ClientForm(data, billing=_billing(request), current=client)
            form.is_valid()
            apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")
            status = 409
        except ValidationError as exc:
            apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")
        else:
            if update.changes:
                messages.success(request, f"Client #{client.id_code} was updated.")
            else:
                messages.info(request, f"Nothing was changed: client #{client.id_code} is as it was.")
            return redirect(client)
    context |= {"form": form, "phones": phones}
    return render(request, template, context, status=status)


@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The client profile: its details, then the widgets and Account Actions the desk apps declare."""
    client = get_client_for(request, pk, perm="clients.view_client", queryset=queries.client_profile_queryset())
    queries.attach_primary_contact(client)
    context = {
        "client": client,
        "widgets": contract.profile_widgets(request, client.pk),
        "account_actions": contract.account_actions(request, client.pk),
    }
    return render(request, "clients/client_detail.html", context)


def _widget(request: HttpRequest, client: Client, name: str, page: Any) -> HttpResponse:
    """A profile widget: its card body for htmx (the profile, its pagination), a page of its own otherwise."""
    context = {"client": client, "page": page, "widget_name": name, "widget_url": request.path}
    if is_htmx(request):
        return render(request, f"clients/client_detail.html#{name}", context)
    return render(request, "clients/client_widget.html", {**context, "partial": f"clients/client_detail.html#{name}"})


@require_GET
def client_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile widget: the client's contacts besides the primary one, 10 a page."""
    client = get_client_for(request, pk, perm="clients.view_client")
    return _widget(request, client, "contacts", paginate(request, queries.client_other_contacts(client), 10))


@require_GET
def client_activity(request: HttpRequest, pk: int) -> HttpResponse:
    """Profile widget: the client's latest audit events, 5 a page."""
    require(request, "audit.view_auditevent")
    client = get_client_for(request, pk, perm="clients.view_client")
    return _widget(request, client, "activity", paginate(request, audit_queries.client_events(client.pk), 5))


@require_http_methods(["GET", "POST"])
def client_status(request: StaffRequest, pk: int) -> HttpResponse:
    """Click on the status badge: active → inactive → fraud (asked first) → active.

    The click says which status it saw (`from`); when someone else changed it meanwhile, nothing
    changes and the badge shows the current one. GET shows the badge (the Cancel of the fraud question).
    """
    client = get_client_for(request, pk, perm="clients.change_client_status")
    template = "clients/client_detail.html#status"
    if request.method == "GET":
        return render(request, template, {"client": client}) if is_htmx(request) else redirect(client)
    seen = request.POST.get("from") or client.status
    # A `from` that is no status at all is no status the client has: the action refuses it as a conflict.
    next_is_fraud = seen in ClientStatus.values and ClientStatus.after(seen) == ClientStatus.FRAUD
    if next_is_fraud and request.POST.get("confirm") != "fraud":
        return render(request, template, {"client": client, "confirm_fraud": True})
    try:
        actions.client_cycle_status(actor=request.user, client=client, seen=seen)
    except ValidationError as exc:
        client.refresh_from_db()
        error = " ".join(exc.messages)
        if is_htmx(request):
            return render(request, template, {"client": client, "status_error": error}, status=409)
        messages.error(request, error)
        return redirect(client)
    if is_htmx(request):
        response = render(request, template, {"client": client})
        response["HX-Trigger"] = "clientChanged"  # the activity widget shows the new event
        return response
    messages.success(request, f"Client #{client.id_code} is now {client.get_status_display().lower()}.")
    return redirect(client)


@require_GET
def client_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every audit event of the client, newest first, paginated."""
    require(request, "audit.view_auditevent")
    client = get_client_for(request, pk, perm="clients.view_client")
    page = paginate(request, audit_queries.client_events(client.pk), PAGE_SIZE)
    template = "clients/client_history.html#events" if is_htmx(request) else "clients/client_history.html"
    return render(request, template, {"client": client, "page": page})


@require_GET
def state_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the state select for the chosen country.

    On Add client the page also sends the currency and the one the desk chose for the previous
    country (`currency_auto`); when they are the same, the staff member has not picked one, and the
    answer also moves the currency select to the new country's (out of band).
    """
    country = request.GET.get("country", "")[:2].upper()
    context: dict[str, Any] = {"choices": state_choices(country)}
    chosen_by_desk = request.GET.get("currency_auto")
    if chosen_by_desk and request.GET.get("currency") == chosen_by_desk:
        currency = country_default_currency(country)
        context |= {
            "currency": currency,
            "currencies": settings.CLIENTDESK_CURRENCIES,
            "currency_changed": currency != chosen_by_desk,
        }
    return render(request, "clients/state_options.html", context)


@require_GET
@permission_required("clients.view_client")
def client_search(request: HttpRequest) -> HttpResponse:
    """Search results; one hit goes straight to its profile. htmx asks for the type-ahead list."""
    q = request.GET.get("q", "")[:200]
    if is_htmx(request) and request.htmx.target == "search-suggest":  # type: ignore[attr-defined]
        hits = queries.client_search(q, limit=8) if q.strip() else []
        return render(request, "clients/search.html#suggest", {"q": q, "hits": hits})
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    results = queries.client_search_page(q, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    total = results.total
    paginator = KnownCountPaginator(range(0), PAGE_SIZE, count=min(total, queries.SEARCH_CAP))
    if number > paginator.num_pages:  # past the end: show the last page (the only one when nothing matched)
        number = paginator.num_pages
        if total:
            results = queries.client_search_page(q, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    page = paginator.page(number)
    hits = results.hits
    if total == 1 and page.number == 1:
        return redirect_or_htmx(request, hits[0].get_absolute_url())
    return render(
        request,
        "clients/search.html",
        {
            "q": q,
            "query_string": urlencode({"q": q}),
            "hits": hits,
            "page": page,
            "total": total,
            "cap": queries.SEARCH_CAP,
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    """The desk opens on the client list."""
    return redirect(reverse("clients:client_list"))
