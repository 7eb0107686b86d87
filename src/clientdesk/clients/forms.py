"""Shapes of client input. The rules live on the models and in the actions."""

import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core import signing
from django.db.models.functions import Lower
from django.forms import fields_for_model, formset_factory
from django.http import QueryDict
from django.urls import reverse

from clientdesk.clients.actions import BILLING_FIELDS, CLIENT_FIELDS, CONTACT_FIELDS, ClientData, ContactData, PhoneData
from clientdesk.clients.models import (
    Client,
    ClientGroup,
    ClientStatus,
    Contact,
    ContactType,
    CustomContactType,
    PhoneLocation,
    PhoneType,
)
from clientdesk.core import geo
from clientdesk.core.forms import StyledFormMixin

LOADED_SALT = "clientdesk.clients.client_edit.loaded"


class ClientForm(StyledFormMixin, forms.Form):
    """The primary contact's fields plus the client's settings (Add client / Edit client).

    An edit form carries, signed, what it was loaded with (`loaded`), so the save applies only the
    fields the staff member changed and refuses one someone else changed meanwhile.
    """

    loaded = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, billing: bool = True, current: Client | None = None, **kwargs: Any) -> None:
        """`billing`: the staff member may change billing settings (else those fields are not shown and
        keep `current`'s values, or the defaults for a new client)."""
        self.current = current
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Contact, fields=CONTACT_FIELDS))
        self.fields.update(fields_for_model(Client, fields=CLIENT_FIELDS))
        self.fields["country"] = forms.ChoiceField(
            label=self.fields["country"].label, choices=[("", "Choose a country…"), *geo.country_choices()]
        )
        country = (self.data.get(self.add_prefix("country")) if self.is_bound else None) or self.initial.get(
            "country", settings.CLIENTDESK_DEFAULT_COUNTRY
        )
        self.fields["state"] = forms.ChoiceField(
            label="State / province", required=False, choices=state_choices(country or "")
        )
        self.fields["group"] = forms.ModelChoiceField(
            ClientGroup.objects.all(), label=self.fields["group"].label, required=False, empty_label="No group"
        )
        self.fields["currency"] = forms.ChoiceField(
            label="Preferred currency", choices=[(c, c) for c in settings.CLIENTDESK_CURRENCIES]
        )
        self.fields["language"] = forms.ChoiceField(choices=settings.CLIENTDESK_LANGUAGES)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.order_fields([*CONTACT_FIELDS, *CLIENT_FIELDS])
        if not billing:
            for name in BILLING_FIELDS:
                del self.fields[name]
        self.style_widgets()
        self.fields["country"].widget.attrs.update(
            {
                "hx-get": reverse("clients:state_options"),
                "hx-target": "#id_state",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
            }
        )
        if current is None and "currency" in self.fields:
            self._currency_follows_country(country or "")
        if current is None:
            self.fields["send_welcome"] = forms.BooleanField(
                label="Send a welcome email",
                required=False,
                help_text="To the primary contact's email address, with the Welcome email template.",
            )
            self.style_widgets()

    def _currency_follows_country(self, country: str) -> None:
        """Add client: the currency is the country's (when the company bills in it) until the staff member picks one.

        `currency_auto` carries the currency the desk chose last; a posted currency still equal to
        it was not picked by the staff member, so it follows the posted country. The page's country
        select sends both to the state options, which move the select along (see `state_options`).
        An edit never changes the currency by itself: it has no `currency_auto`.
        """
        auto = country_default_currency(country)
        self.fields["currency_auto"] = forms.CharField(required=False, max_length=3, widget=forms.HiddenInput)
        self.fields["currency"].initial = self.fields["currency_auto"].initial = auto
        self.fields["currency"].widget.attrs["aria-describedby"] = "currency-follows"
        self.fields["country"].widget.attrs["hx-include"] = "#id_currency, #id_currency_auto"
        if self.is_bound:
            posted = self.data.get(self.add_prefix("currency"))
            chosen_by_desk = self.data.get(self.add_prefix("currency_auto")) or settings.CLIENTDESK_DEFAULT_CURRENCY
            if posted == chosen_by_desk:  # shown again (after an error) as it will be saved
                data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)  # QueryDict: immutable
                data[self.add_prefix("currency")] = data[self.add_prefix("currency_auto")] = auto
                self.data = data

    @classmethod
    def initial_for(cls, client: Client, contact: Contact, *, state: dict[str, Any]) -> dict[str, Any]:
        """Form values showing an existing client and its primary contact, loaded as `state`."""
        return {
            **{name: getattr(contact, name) for name in CONTACT_FIELDS},
            **{name: getattr(client, name) for name in CLIENT_FIELDS},
            "loaded": cls.sign(client.pk, state),
        }

    @staticmethod
    def sign(pk: int, state: dict[str, Any]) -> str:
        """`state` of client `pk` as the hidden field carries it."""
        return signing.dumps({"client": pk, "state": state}, salt=LOADED_SALT, compress=True)

    def loaded_state(self, pk: int) -> dict[str, Any] | None:
        """What this edit form of client `pk` was loaded with; None (and a form error) when it cannot tell."""
        try:
            payload = signing.loads(self.cleaned_data.get("loaded") or "", salt=LOADED_SALT)
        except signing.BadSignature:
            payload = None
        if not isinstance(payload, dict) or payload.get("client") != pk or not isinstance(payload.get("state"), dict):
            self.add_error(None, "This form could not be read back. Reload the page and make your change again.")
            return None
        return dict(payload["state"])

    def client_data(self) -> ClientData:
        """The client's settings as entered; those not on the form are kept as they are."""
        shown = {name: self.cleaned_data[name] for name in CLIENT_FIELDS if name in self.fields}
        kept = {name: getattr(self.current, name) for name in CLIENT_FIELDS if name not in shown and self.current}
        return ClientData(**shown, **kept)

    def contact_data(self) -> ContactData:
        return ContactData(**{name: self.cleaned_data[name] or "" for name in CONTACT_FIELDS})


def country_default_currency(country: str) -> str:
    """The currency a new client in `country` starts with: the country's own when the company bills
    in it, else the desk's default (CLIENTDESK_DEFAULT_CURRENCY)."""
    currency = geo.country_currency(country)
    return currency if currency in settings.CLIENTDESK_CURRENCIES else settings.CLIENTDESK_DEFAULT_CURRENCY


def state_choices(country: str) -> list[tuple[str, str]]:
    """Options of the state select for `country`."""
    subdivisions = geo.subdivision_choices(country)
    return [("", "—" if not subdivisions else "Choose…"), *subdivisions]


class PhoneForm(StyledFormMixin, forms.Form):
    """One phone row; an empty number means the row is ignored."""

    type = forms.ChoiceField(choices=PhoneType.choices, initial=PhoneType.PHONE)
    location = forms.ChoiceField(choices=PhoneLocation.choices, initial=PhoneLocation.HOME)
    number = forms.CharField(max_length=64, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))


PhoneFormSet = formset_factory(PhoneForm, extra=0, max_num=50, absolute_max=50, validate_max=True)


def phone_formset(data: Any = None, *, initial: list[dict[str, Any]] | None = None, add_row: bool = False) -> Any:
    """The phone rows of a form: bound to `data`, or showing `initial` (+ a blank row when asked)."""
    if data is not None and not add_row:
        return PhoneFormSet(data, prefix="phones")
    rows = list(initial or [])
    if data is not None:  # "add another number": keep what was typed, add one blank row
        limit = PhoneFormSet.absolute_max - 1
        total = str(data.get("phones-TOTAL_FORMS") or "").strip()
        if total.isascii() and total.isdigit():
            count = min(int(total), limit) if len(total) <= 6 else limit  # more digits: past any limit
        else:  # not a row count ("abc", "1e2", "-1"): the rows that were sent
            count = next((i for i in range(limit) if f"phones-{i}-number" not in data), limit)
        rows = [
            {key: data.get(f"phones-{i}-{key}", "") for key in ("type", "location", "number")} for i in range(count)
        ]
    if add_row or not rows:
        rows.append({"type": PhoneType.PHONE, "location": PhoneLocation.HOME, "number": ""})
    return PhoneFormSet(initial=rows, prefix="phones")


def phone_data(formset: Any) -> list[PhoneData]:
    """The phone rows of a valid formset as the actions take them."""
    return [
        PhoneData(
            number=f.cleaned_data.get("number") or "", type=f.cleaned_data["type"], location=f.cleaned_data["location"]
        )
        for f in formset.forms
        if f.cleaned_data
    ]


class ClientFilterForm(forms.Form):
    """The list's filters (GET)."""

    status = forms.ChoiceField(choices=ClientStatus.choices, required=False)
    name = forms.CharField(required=False, max_length=100)
    email = forms.CharField(required=False, max_length=100)
    company = forms.CharField(required=False, max_length=100)
    country = forms.ChoiceField(required=False)
    group = forms.ModelChoiceField(queryset=ClientGroup.objects.all(), required=False, empty_label="Any group")
    sort = forms.CharField(required=False, max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"] = forms.ChoiceField(
            required=False, choices=[("", "Any country"), *geo.country_choices()]
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )


BILLING_CHOICE = ContactType.BILLING.value
UNTYPED_CHOICE = ContactType.OTHER.value
TYPE_PREFIX = "type-"


class ContactForm(StyledFormMixin, forms.Form):
    """A billing or other contact of a client (Add contact / Edit contact)."""

    contact_type = forms.ChoiceField(label="Contact type")
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, contact: Contact | None = None, **kwargs: Any) -> None:
        """`contact`: the contact being edited (its untyped "other" type stays offered)."""
        super().__init__(*args, **kwargs)
        self.custom_types = {f"{TYPE_PREFIX}{t.pk}": t for t in CustomContactType.objects.order_by(Lower("name"), "id")}
        choices = [(BILLING_CHOICE, "Billing"), *((key, t.name) for key, t in self.custom_types.items())]
        if contact is not None and contact.contact_type == ContactType.OTHER and contact.custom_type_id is None:
            choices.append((UNTYPED_CHOICE, "Other (no type)"))
        cast(forms.ChoiceField, self.fields["contact_type"]).choices = choices
        self.fields.update(fields_for_model(Contact, fields=CONTACT_FIELDS))
        self.fields["country"] = forms.ChoiceField(
            label=self.fields["country"].label, choices=[("", "Choose a country…"), *geo.country_choices()]
        )
        country = (self.data.get(self.add_prefix("country")) if self.is_bound else None) or self.initial.get(
            "country", settings.CLIENTDESK_DEFAULT_COUNTRY
        )
        self.fields["state"] = forms.ChoiceField(
            label="State / province", required=False, choices=state_choices(country or "")
        )
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.order_fields(["contact_type", *CONTACT_FIELDS])
        self.style_widgets()
        self.fields["country"].widget.attrs.update(
            {
                "hx-get": reverse("clients:state_options"),
                "hx-target": f"#{self['state'].auto_id}",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
            }
        )

    @classmethod
    def initial_for(cls, contact: Contact) -> dict[str, Any]:
        """Form values showing an existing contact."""
        if contact.contact_type == ContactType.BILLING:
            kind = BILLING_CHOICE
        elif contact.custom_type_id is not None:
            kind = f"{TYPE_PREFIX}{contact.custom_type_id}"
        else:
            kind = UNTYPED_CHOICE
        return {
            "contact_type": kind,
            "loaded_at": contact.updated_at.isoformat(),
            **{name: getattr(contact, name) for name in CONTACT_FIELDS},
        }

    def type_data(self) -> tuple[str, CustomContactType | None]:
        """The chosen type as the actions take it: (contact_type, custom_type)."""
        kind = self.cleaned_data["contact_type"]
        if kind in self.custom_types:
            return ContactType.OTHER, self.custom_types[kind]
        return (ContactType.BILLING, None) if kind == BILLING_CHOICE else (ContactType.OTHER, None)

    def contact_data(self) -> ContactData:
        return ContactData(**{name: self.cleaned_data[name] or "" for name in CONTACT_FIELDS})

    def loaded_datetime(self) -> datetime.datetime | None:
        """When the contact was last saved as this edit form saw it (None: not known)."""
        try:
            return datetime.datetime.fromisoformat(self.cleaned_data.get("loaded_at") or "")
        except ValueError:
            return None


class ContactTypeForm(StyledFormMixin, forms.Form):
    """The name of a contact type (Settings → Contact types)."""

    name = forms.CharField(max_length=64, label="Name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


class InvoiceContactForm(StyledFormMixin, forms.Form):
    """Address invoices to: the primary contact or one of the billing contacts."""

    invoice_contact = forms.ChoiceField(label="Address invoices to")

    def __init__(self, *args: Any, contacts: list[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts = {str(c.pk): c for c in contacts}
        cast(forms.ChoiceField, self.fields["invoice_contact"]).choices = [
            (str(c.pk), f"{c.full_name} ({c.type_label}){f' · {c.email}' if c.email else ''}") for c in contacts
        ]
        self.style_widgets()

    def chosen(self) -> Contact:
        return self.contacts[self.cleaned_data["invoice_contact"]]
