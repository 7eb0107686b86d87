"""Contact pages: Add contact, Edit contact, Delete contact, Address invoices to; Settings → Contact types."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clientdesk.accounts.requests import StaffRequest
from clientdesk.clients import actions, queries
from clientdesk.clients.access import get_client_for
from clientdesk.clients.forms import (
    ContactForm,
    ContactTypeForm,
    InvoiceContactForm,
    PhoneFormSet,
    phone_data,
    phone_formset,
)
from clientdesk.clients.models import Client, Contact, ContactType, CustomContactType
from clientdesk.clients.phones import display as phone_display
from clientdesk.clients.views import check_numbers_too
from clientdesk.core.access import permission_required, require
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.http import is_htmx

FORM = "clients/contact_form.html"
# What "Copy address from the primary contact" fills in.
ADDRESS_FIELDS = ("address1", "address2", "city", "postal_code", "country", "state")


def _other_contact(client: Client, contact_pk: int) -> Contact:
    """A contact of `client` other than its primary one (404 otherwise: the primary is edited with the client)."""
    return get_object_or_404(
        Contact.objects.select_related("custom_type").exclude(contact_type=ContactType.PRIMARY),
        pk=contact_pk,
        client=client,
    )


def _form_round(request: HttpRequest, client: Client, context: dict[str, Any]) -> HttpResponse | None:
    """The in-place steps of the form that save nothing: "Add another number", "Copy address…"."""
    if "add_phone" in request.POST:
        context["phones"] = phone_formset(request.POST, add_row=True)
        context.setdefault("form", ContactForm(request.POST, contact=context.get("contact")))
        return render(request, f"{FORM}#phones" if is_htmx(request) else FORM, context)
    if "copy_address" in request.POST:
        primary = Contact.objects.get(client=client, contact_type=ContactType.PRIMARY)
        values = {name: request.POST.get(name, "") for name in ("contact_type", "loaded_at", *actions.CONTACT_FIELDS)}
        values |= {name: getattr(primary, name) for name in ADDRESS_FIELDS}
        context["form"] = ContactForm(initial=values, contact=context.get("contact"))
        context["phones"] = PhoneFormSet(request.POST, prefix="phones")
        context["copied"] = primary
        return render(request, f"{FORM}#address" if is_htmx(request) else FORM, context)
    return None


@require_http_methods(["GET", "POST"])
def contact_add(request: StaffRequest, pk: int) -> HttpResponse:
    """Add contact: a billing or other contact with any number of phone numbers."""
    client = get_client_for(request, pk, perm="clients.add_contact")
    context: dict[str, Any] = {"client": client}
    if request.method == "GET":
        form = ContactForm(initial={"country": client.country})
        form.fields["contact_type"].widget.attrs["autofocus"] = True
        return render(request, FORM, {**context, "form": form, "phones": phone_formset()})
    if (response := _form_round(request, client, context)) is not None:
        return response
    form = ContactForm(request.POST)
    phones = phone_formset(request.POST)
    if not (form.is_valid() & phones.is_valid()):
        check_numbers_too(form, phones)
    else:
        contact_type, custom_type = form.type_data()
        try:
            contact = actions.contact_create(
                actor=request.user,
                client=client,
                contact_type=contact_type,
                custom_type=custom_type,
                data=form.contact_data(),
                phones=phone_data(phones),
            )
        except ValidationError as exc:
            apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")
        else:
            messages.success(request, f"{contact.full_name} was added as a {contact.type_label.lower()} contact.")
            return redirect(client)
    return render(request, FORM, {**context, "form": form, "phones": phones}, status=422)


@require_http_methods(["GET", "POST"])
def contact_edit(request: StaffRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Edit contact: its type, details and numbers (an emptied number row is removed)."""
    client = get_client_for(request, pk, perm="clients.change_contact")
    contact = _other_contact(client, contact_pk)
    context: dict[str, Any] = {"client": client, "contact": contact}
    if request.method == "GET":
        numbers = contact.phone_numbers.all()
        initial = [{"type": p.type, "location": p.location, "number": phone_display(p.number)} for p in numbers]
        form = ContactForm(initial=ContactForm.initial_for(contact), contact=contact)
        return render(request, FORM, {**context, "form": form, "phones": phone_formset(initial=initial)})
    if (response := _form_round(request, client, context)) is not None:
        return response
    form = ContactForm(request.POST, contact=contact)
    phones = phone_formset(request.POST)
    status = 422
    if not (form.is_valid() & phones.is_valid()):
        check_numbers_too(form, phones)
    else:
        contact_type, custom_type = form.type_data()
        try:
            changes = actions.contact_update(
                actor=request.user,
                contact=contact,
                contact_type=contact_type,
                custom_type=custom_type,
                data=form.contact_data(),
                phones=phone_data(phones),
                loaded_at=form.loaded_datetime(),
            )
        except actions.EditConflictError as exc:
            apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")
            status = 409
        except ValidationError as exc:
            apply_validation_error(exc, form, rows=phones.forms, row_prefix="phones")
        else:
            if changes:
                messages.success(request, f"The contact {contact.full_name} was updated.")
            else:
                messages.info(request, f"Nothing was changed: {contact.full_name} is as it was.")
            return redirect(client)
    return render(request, FORM, {**context, "form": form, "phones": phones}, status=status)


@require_http_methods(["GET", "POST"])
def contact_delete(request: StaffRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Delete contact, after a page naming what goes with it."""
    client = get_client_for(request, pk, perm="clients.delete_contact")
    contact = _other_contact(client, contact_pk)
    context = {"client": client, "contact": contact, "numbers": list(contact.phone_numbers.all())}
    if request.method == "POST":
        try:
            actions.contact_delete(actor=request.user, contact=contact)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "clients/contact_confirm_delete.html", context, status=409)
        messages.success(request, f"The contact {contact.full_name} was deleted.")
        return redirect(client)
    if client.invoice_contact_id == contact.pk:
        context["error"] = (
            f"Invoices are addressed to {contact.full_name}. Choose another contact under "
            "“Address invoices to” before deleting this one."
        )
    return render(request, "clients/contact_confirm_delete.html", context)


@require_http_methods(["GET", "POST"])
def invoice_contact(request: StaffRequest, pk: int) -> HttpResponse:
    """Address invoices to: the primary contact or one of the billing contacts."""
    client = get_client_for(request, pk, perm="clients.change_client_billing")
    contacts = queries.invoice_contact_choices(client)
    chosen = queries.invoice_address_contact(client)
    form = InvoiceContactForm(request.POST or None, contacts=contacts, initial={"invoice_contact": str(chosen.pk)})
    context = {"client": client, "form": form, "recipients": queries.invoice_recipients(client)}
    if request.method == "POST" and form.is_valid():
        try:
            actions.client_set_invoice_contact(actor=request.user, client=client, contact=form.chosen())
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            messages.success(request, f"Invoices are now addressed to {form.chosen().full_name}.")
            return redirect(client)
    return render(request, "clients/invoice_contact.html", context, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@permission_required("clients.view_customcontacttype")
def contact_type_list(request: StaffRequest) -> HttpResponse:
    """Settings → Contact types: the list with how many contacts use each, and Add."""
    form = ContactTypeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(request, "clients.add_customcontacttype")
        if form.is_valid():
            try:
                created = actions.contact_type_create(actor=request.user, name=form.cleaned_data["name"])
            except ValidationError as exc:
                apply_validation_error(exc, form)
            else:
                messages.success(request, f"The contact type “{created.name}” was added.")
                return redirect("clients:contact_type_list")
        status = 422
    context = {"types": queries.contact_types_with_counts(), "form": form}
    return render(request, "clients/contact_type_list.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("clients.change_customcontacttype")
def contact_type_edit(request: StaffRequest, type_pk: int) -> HttpResponse:
    """Rename a contact type."""
    contact_type = get_object_or_404(CustomContactType, pk=type_pk)
    form = ContactTypeForm(request.POST or None, initial={"name": contact_type.name})
    if request.method == "POST" and form.is_valid():
        before = contact_type.name
        try:
            renamed = actions.contact_type_rename(
                actor=request.user, contact_type=contact_type, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            messages.success(request, f"The contact type “{before}” is now “{renamed.name}”.")
            return redirect("clients:contact_type_list")
    context = {"contact_type": contact_type, "form": form}
    return render(request, "clients/contact_type_form.html", context, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@permission_required("clients.delete_customcontacttype")
def contact_type_delete(request: StaffRequest, type_pk: int) -> HttpResponse:
    """Delete a contact type, after a page saying how many contacts become untyped."""
    contact_type = get_object_or_404(CustomContactType, pk=type_pk)
    if request.method == "POST":
        count = actions.contact_type_delete(actor=request.user, contact_type=contact_type)
        kept = f" Its {count} contact{'s' if count != 1 else ''} stay as “Other” contacts." if count else ""
        messages.success(request, f"The contact type “{contact_type.name}” was deleted.{kept}")
        return redirect(reverse("clients:contact_type_list"))
    context = {"contact_type": contact_type, "count": contact_type.contacts.count()}
    return render(request, "clients/contact_type_confirm_delete.html", context)
