"""A client's payment accounts and accepted payment types, in and out of the API.

Out: what the accounts list shows (brand, last four, expiry or bank account type, holder, owner, where
the number is kept, auto-debit) — never the number, the sealed text, the gateway's token or the
fingerprint, which no field here reads. In: the shape of an add or edit only; what the values must be
(Luhn, brand, expiry, ABA checksum, the holder's name) is for the payments actions to say.
"""

from typing import Any

from rest_framework import serializers

from clientdesk.api.serializers.clients import StrictSerializer
from clientdesk.api.serializers.fields import ChildUrl, Text
from clientdesk.payments.cards import BRANDS
from clientdesk.payments.models import AccountKind, BankAccountType, Storage

ID_MAX = 2**63 - 1


class HolderSerializer(serializers.Serializer[Any]):
    """The account holder's name and address, as on the card or bank account."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    address1 = serializers.CharField()
    address2 = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2, or empty.")


class OwnerSerializer(serializers.Serializer[Any]):
    """The contact of the client the account belongs to."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="full_name")


class PaymentAccountSerializer(serializers.Serializer[Any]):
    """A card or bank account of a client, as the accounts list shows it (never its number)."""

    id = serializers.IntegerField()
    url = ChildUrl("api:v1:client-payment-account-detail", lookup_url_kwarg="account_id")
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        help_text="E.g. “Visa ending 4242”, “Checking account ending 6789”."
    )
    brand = serializers.CharField(
        help_text=f"A card's brand ({', '.join(brand.code for brand in BRANDS)}); empty for a bank account."
    )
    last4 = serializers.CharField(help_text="The last four digits of the card or bank account number.")
    expiry_month = serializers.IntegerField(allow_null=True, help_text="A card's; null for a bank account.")
    expiry_year = serializers.IntegerField(allow_null=True, help_text="A card's; null for a bank account.")
    bank_account_type = serializers.CharField(help_text="A bank account's, `checking` or `savings`; empty for a card.")
    routing_last4 = serializers.CharField(help_text="The last four digits of a bank account's routing number.")
    holder = HolderSerializer(source="*")
    owner = OwnerSerializer(
        source="contact",
        allow_null=True,
        help_text="The contact it belongs to (copied from when it was added); null: the client's primary contact.",
    )
    storage = serializers.ChoiceField(
        choices=Storage.choices,
        help_text="`local`: the number is encrypted in the desk's vault; otherwise the gateway that keeps it.",
    )
    storage_label = serializers.CharField(source="get_storage_display")
    auto_debit = serializers.BooleanField(help_text="The account the client's invoices are charged to (one at most).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class HolderInputSerializer(StrictSerializer):
    """The holder's name and address; fields left out come from `copy_from`, or stay as they are on an edit."""

    first_name = Text(required=False)
    last_name = Text(required=False)
    address1 = Text(required=False)
    address2 = Text(required=False)
    city = Text(required=False)
    state = Text(required=False, help_text="A state or province code, or empty.")
    postal_code = Text(required=False)
    country = Text(required=False, help_text="ISO 3166-1 alpha-2 (e.g. US), or empty.")


def _copy_from(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX, help_text=help_text)


def _holder(help_text: str) -> HolderInputSerializer:
    return HolderInputSerializer(required=False, help_text=help_text)


COPY_FROM_ADD = (
    "The id of the client's primary contact or one of its billing contacts: the account belongs to it, and its name "
    "and address fill the holder fields left out. Left out (or null): the primary contact owns it."
)
HOLDER_ADD = "Needed in full (first and last name at least) unless `copy_from` fills it."


class CardCreateSerializer(StrictSerializer):
    """Add a card: its number, expiry and security code (checked, then kept by the gateway or sealed)."""

    kind = Text(enum=[AccountKind.CARD.value], help_text="`card`.")
    number = Text(help_text="The card number; spaces and dashes are fine. Never shown again, by any endpoint.")
    expiry_month = serializers.IntegerField(help_text="1 to 12.")
    expiry_year = serializers.IntegerField(help_text="Four digits (two are read as 20xx); not in the past.")
    security_code = Text(
        help_text="3 digits (4 for American Express). Handed to the gateway when one keeps the card; never stored."
    )
    holder = _holder(HOLDER_ADD)
    copy_from = _copy_from(COPY_FROM_ADD)


class BankCreateSerializer(StrictSerializer):
    """Add a bank account: its type, routing number and account number (checked, then kept by the gateway or sealed)."""

    kind = Text(enum=[AccountKind.BANK.value], help_text="`bank`.")
    account_type = Text(enum=BankAccountType.choices)
    routing_number = Text(help_text="The 9-digit ABA routing number.")
    account_number = Text(help_text="4 to 17 digits. Never shown again, by any endpoint.")
    holder = _holder(HOLDER_ADD)
    copy_from = _copy_from(COPY_FROM_ADD)


CREATE_SERIALIZERS: dict[str, type[StrictSerializer]] = {
    AccountKind.CARD.value: CardCreateSerializer,
    AccountKind.BANK.value: BankCreateSerializer,
}
CARD_ONLY = ("number", "expiry_month", "expiry_year", "security_code")
BANK_ONLY = ("account_type", "routing_number", "account_number")


class PaymentAccountEditSerializer(StrictSerializer):
    """Edit a payment account: only the fields sent change. A card takes the card fields, a bank account the bank's."""

    holder = _holder("The holder fields to change.")
    copy_from = _copy_from(
        "Make the account belong to this contact (the primary one or a billing one); its name and address fill the "
        "holder fields left out. Null or left out: the owner stays."
    )
    number = Text(
        required=False,
        help_text="Card: a new number (then a security code is asked by a gateway that keeps the card). Left out, "
        "the stored number stays.",
    )
    security_code = Text(required=False, help_text="Card: with a new number; never stored.")
    expiry_month = serializers.IntegerField(required=False, help_text="Card: 1 to 12.")
    expiry_year = serializers.IntegerField(required=False, help_text="Card: four digits; not in the past.")
    account_type = Text(required=False, enum=BankAccountType.choices, help_text="Bank account.")
    routing_number = Text(
        required=False, help_text="Bank account: a new routing number, sent with the account number (the pair is one)."
    )
    account_number = Text(required=False, help_text="Bank account: a new account number, sent with the routing number.")


class PaymentTypesSerializer(StrictSerializer):
    """Which kinds of payment account the client may use."""

    cards = serializers.BooleanField(help_text="Cards are accepted.")
    bank_accounts = serializers.BooleanField(help_text="Bank accounts (ACH) are accepted.")
