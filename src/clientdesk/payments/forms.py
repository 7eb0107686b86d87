"""The shape of payment-account input. The rules (Luhn, brand, expiry, ABA…) live in `cards` and the actions."""

import datetime
from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils import timezone

from clientdesk.clients.forms import state_choices
from clientdesk.clients.models import Contact, ContactType
from clientdesk.core import geo
from clientdesk.core.forms import StyledFormMixin
from clientdesk.payments.actions import MASK, HolderData
from clientdesk.payments.models import BankAccountType, PaymentAccount

HOLDER_FIELDS = ("first_name", "last_name", "address1", "address2", "city", "state", "postal_code", "country")
YEARS_AHEAD = 20


class SecretInput(forms.TextInput):
    """A number field that never renders what was typed back into the page: only a masked value it was given."""

    def format_value(self, value: Any) -> str | None:
        text = super().format_value(value)
        return text if text and MASK in text else None


class Checked(forms.CharField):
    """A field shown as required whose absence the action reports (in the same words the API answers), along
    with every other problem of the form at once."""

    def validate(self, value: Any) -> None:
        """Nothing here: the action judges it."""


def masked(last4: str, length: int = 12) -> str:
    """How an edit form shows a stored number: bullets and its last four."""
    return MASK * (length - len(last4)) + last4


class HolderForm(StyledFormMixin, forms.Form):
    """The holder's name and address, and the contact they may be copied from (who then owns the account)."""

    copy_from = forms.ChoiceField(label="Copy contact information from", required=False)
    # An edit form carries when the account was last saved as it saw it (see loaded_datetime).
    loaded_at = forms.CharField(required=False, widget=forms.HiddenInput)
    first_name = Checked(max_length=100)
    last_name = Checked(max_length=100)
    address1 = forms.CharField(label="Address", max_length=255, required=False)
    address2 = forms.CharField(label="Address line 2", max_length=255, required=False)
    city = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20, required=False)
    # Selects whose values the actions judge (so the pages and the API refuse with the same words).
    country = forms.CharField(required=False, widget=forms.Select)
    state = forms.CharField(label="State / province", required=False, widget=forms.Select)

    def __init__(self, *args: Any, contacts: list[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts = {str(contact.pk): contact for contact in contacts}
        cast(forms.ChoiceField, self.fields["copy_from"]).choices = [
            ("", "None"),
            *(
                (
                    key,
                    f"{contact.full_name} ({'primary' if contact.contact_type == ContactType.PRIMARY else 'billing'})",
                )
                for key, contact in self.contacts.items()
            ),
        ]
        cast(forms.Select, self.fields["country"].widget).choices = [("", "Choose a country…"), *geo.country_choices()]
        country = (self.data.get("country") if self.is_bound else None) or self.initial.get("country") or ""
        cast(forms.Select, self.fields["state"].widget).choices = state_choices(country)
        self.fields["copy_from"].help_text = "Fills in the holder below; that contact then owns the account."
        # Choosing fills the holder in place; only the holder's fields are sent (never the number).
        self.fields["copy_from"].widget.attrs.update(
            {
                "hx-post": "",
                "hx-trigger": "change",
                "hx-target": "#holder",
                "hx-swap": "outerHTML",
                "hx-include": "#holder",
                "hx-vals": '{"fill": "1"}',
            }
        )
        self.fields["country"].widget.attrs.update(
            {"hx-get": reverse("clients:state_options"), "hx-target": "#id_state", "hx-swap": "innerHTML"}
        )
        for name, token in (("first_name", "given-name"), ("last_name", "family-name"), ("postal_code", "postal-code")):
            self.fields[name].widget.attrs["autocomplete"] = f"cc-{token}" if name != "postal_code" else token

    @staticmethod
    def holder_initial(source: Contact | PaymentAccount) -> dict[str, str]:
        """The holder fields filled from a contact or an account."""
        return {name: getattr(source, name) or "" for name in HOLDER_FIELDS}

    def loaded_datetime(self) -> datetime.datetime | None:
        """When the account was last saved as this edit form saw it (None: not known)."""
        try:
            return datetime.datetime.fromisoformat(self.cleaned_data.get("loaded_at") or "")
        except ValueError:
            return None

    def copy_from_contact(self) -> Contact | None:
        return self.contacts.get(self.cleaned_data.get("copy_from") or "")

    def holder(self) -> HolderData:
        return HolderData(**{name: self.cleaned_data.get(name) or "" for name in HOLDER_FIELDS})


def _month_choices() -> list[tuple[str, str]]:
    return [("", "Month"), *((str(m), f"{m:02d}") for m in range(1, 13))]


def _year_choices(keep: int | None = None) -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    years = list(range(this_year, this_year + YEARS_AHEAD + 1))
    if keep is not None and keep not in years:
        years.insert(0, keep)  # an expired card's own year stays choosable (and is then refused as expired)
    return [("", "Year"), *((str(y), str(y)) for y in years)]


class CardForm(HolderForm):
    """Add CC account / edit a card: the holder, the number, expiry and security code."""

    number = Checked(
        label="Card number",
        max_length=40,
        widget=SecretInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}),
        help_text="Spaces and dashes are fine.",
    )
    expiry_month = Checked(label="Expiry month", max_length=4, widget=forms.Select)
    expiry_year = Checked(label="Expiry year", max_length=6, widget=forms.Select)
    security_code = Checked(
        label="Security code",
        max_length=8,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
        help_text="3 or 4 digits. Never stored.",
    )

    def __init__(self, *args: Any, account: PaymentAccount | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.Select, self.fields["expiry_month"].widget).choices = _month_choices()
        cast(forms.Select, self.fields["expiry_year"].widget).choices = _year_choices(
            account.expiry_year if account else None
        )
        if account is not None:
            self.fields[
                "number"
            ].help_text = "Leave the masked number to keep the card's; type a new one to replace it."
            self.fields["security_code"].help_text = "Only with a new number. Never stored."
        self.style_widgets()

    @classmethod
    def initial_for(cls, account: PaymentAccount) -> dict[str, Any]:
        return {
            **cls.holder_initial(account),
            "copy_from": str(account.contact_id or ""),
            "loaded_at": account.updated_at.isoformat(),
            "number": masked(account.last4, 16 if account.brand != "amex" else 15),
            "expiry_month": str(account.expiry_month or ""),
            "expiry_year": str(account.expiry_year or ""),
        }


class BankForm(HolderForm):
    """Add ACH account / edit a bank account: the holder, its type, routing and account numbers."""

    account_type = Checked(
        label="Account type",
        initial=BankAccountType.CHECKING,
        widget=forms.RadioSelect(choices=BankAccountType.choices),
    )
    routing_number = Checked(
        label="Routing number",
        max_length=20,
        widget=SecretInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        help_text="9 digits (ABA).",
    )
    account_number = Checked(
        label="Account number",
        max_length=30,
        widget=SecretInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
        help_text="4 to 17 digits.",
    )

    def __init__(self, *args: Any, account: PaymentAccount | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if account is not None:
            for name in ("routing_number", "account_number"):
                self.fields[name].help_text = "Leave both masked to keep them; a new account needs both in full."
        self.style_widgets()
        self.fields["account_type"].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_for(cls, account: PaymentAccount) -> dict[str, Any]:
        return {
            **cls.holder_initial(account),
            "copy_from": str(account.contact_id or ""),
            "loaded_at": account.updated_at.isoformat(),
            "account_type": account.bank_account_type,
            "routing_number": masked(account.routing_last4, 9),
            "account_number": masked(account.last4, 8),
        }


class PaymentTypesForm(StyledFormMixin, forms.Form):
    """Accepted payment types of a client."""

    cards = forms.BooleanField(label="Credit and debit cards", required=False)
    bank_accounts = forms.BooleanField(label="Bank accounts (ACH)", required=False)


class RevealForm(StyledFormMixin, forms.Form):
    """Show number: the staff member's password, or the company passphrase when one is set."""

    secret = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter it to show the number."},
    )

    def __init__(self, *args: Any, passphrase: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secret"].label = "Company encryption passphrase" if passphrase else "Your password"
        self.fields["secret"].widget.attrs["autofocus"] = True  # also when the dialog's content arrives
        if passphrase:
            self.fields["secret"].widget.attrs["autocomplete"] = "off"


def expiry_passed(account: PaymentAccount, today: datetime.date | None = None) -> bool:
    """Whether a card's expiry month is over."""
    if not account.expiry_year or not account.expiry_month:
        return False
    today = today or timezone.localdate()
    return (account.expiry_year, account.expiry_month) < (today.year, today.month)
