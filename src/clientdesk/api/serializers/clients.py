"""Clients in and out of the API.

Out: a list row (what the Clients page shows) and the whole client (its primary contact, numbers and
settings). In: the shape of a create or edit only (JSON types, which fields exist, the list of
phones); what the values must be is checked by the same form fields the pages use and then by the
actions and the models, so the API and the pages answer the same input with the same errors.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import serializers

from clientdesk.api.serializers.fields import Text
from clientdesk.clients.actions import BILLING_FIELDS
from clientdesk.clients.models import ClientStatus, GroupColor, InvoiceMethod, PhoneLocation, PhoneType
from clientdesk.core import geo

UNKNOWN_FIELD = "There is no such field to write here."


def country_codes() -> list[str]:
    """The ISO 3166-1 alpha-2 codes a contact's country may be."""
    return [code for code, _ in geo.country_choices()]


class GroupSerializer(serializers.Serializer[Any]):
    """A client group, as a client shows it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.ChoiceField(choices=GroupColor.choices)


class ClientRowSerializer(serializers.Serializer[Any]):
    """A client as the client list shows it."""

    id = serializers.IntegerField()
    url = serializers.HyperlinkedIdentityField(view_name="api:v1:client-detail")
    id_code = serializers.CharField(help_text="The client ID staff read and search by, e.g. 1534 or C-1534.")
    status = serializers.ChoiceField(choices=ClientStatus.choices)
    name = serializers.CharField(help_text="The primary contact's full name.")
    company = serializers.CharField()
    email = serializers.EmailField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    group = GroupSerializer(allow_null=True)
    created_at = serializers.DateTimeField(help_text="Member since.")


class SearchHitSerializer(ClientRowSerializer):
    """A search result: a client row without its group (search results show none)."""

    group = None  # type: ignore[assignment]


class PhoneSerializer(serializers.Serializer[Any]):
    """One of a contact's numbers."""

    number = serializers.CharField(help_text="E.164, e.g. +12025550143.")
    display = serializers.CharField(help_text="As staff read it, in the contact's country's format.")
    type = serializers.ChoiceField(choices=PhoneType.choices)
    location = serializers.ChoiceField(choices=PhoneLocation.choices)


class ClientSerializer(ClientRowSerializer):
    """A whole client: its primary contact, numbers and settings (what an edit can change)."""

    first_name = serializers.CharField(source="primary_contact.first_name")
    last_name = serializers.CharField(source="primary_contact.last_name")
    title = serializers.CharField(source="primary_contact.title")
    address1 = serializers.CharField(source="primary_contact.address1")
    address2 = serializers.CharField(source="primary_contact.address2")
    city = serializers.CharField(source="primary_contact.city")
    postal_code = serializers.CharField(source="primary_contact.postal_code")
    state = serializers.CharField(source="primary_contact.state", help_text="ISO 3166-2, e.g. US-VA; may be empty.")
    phones = PhoneSerializer(source="primary_contact.phone_numbers.all", many=True)
    currency = serializers.CharField()
    language = serializers.CharField()
    tax_exempt = serializers.BooleanField()
    tax_id = serializers.CharField()
    invoice_method = serializers.ChoiceField(choices=InvoiceMethod.choices)
    auto_debit = serializers.BooleanField()
    auto_suspend = serializers.BooleanField()
    payment_notices = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class StrictSerializer(serializers.Serializer[Any]):
    """Input that names only fields that exist: a misspelt field is an error, never silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        names = sorted(str(name) for name in data if name not in self.fields) if isinstance(data, Mapping) else []
        unknown = {name: [UNKNOWN_FIELD] for name in names}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:  # every error at once, the unknown fields' too
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class PhoneInputSerializer(StrictSerializer):
    """A phone number as typed, with what it is and where it rings."""

    number = Text(help_text="As typed: national format for the contact's country, or +international.")
    type = Text(required=False, enum=PhoneType.choices, help_text="Default phone.")
    location = Text(required=False, enum=PhoneLocation.choices, help_text="Default home.")


class ContactFieldsSerializer(StrictSerializer):
    """A contact's own fields and numbers, as Add client and Add contact take them."""

    first_name = Text(required=True)
    last_name = Text(required=True)
    company = Text(required=False)
    title = Text(required=False)
    email = Text(required=True)
    address1 = Text(required=False)
    address2 = Text(required=False)
    city = Text(required=False)
    postal_code = Text(required=False)
    country = Text(
        required=False,
        enum=country_codes,
        help_text="ISO 3166-1 alpha-2; a new client's default is the desk's country.",
    )
    state = Text(required=False, help_text="ISO 3166-2 code of a subdivision of the country (e.g. US-VA), or empty.")
    phones = serializers.ListField(
        child=PhoneInputSerializer(), required=False, help_text="Every number (an edit replaces them all)."
    )


class ClientInputSerializer(ContactFieldsSerializer):
    """The fields of Add client / Edit client (an edit sends only those it changes)."""

    group = serializers.IntegerField(required=False, allow_null=True, help_text="A client group's id, or null.")
    currency = Text(required=False, enum=lambda: list(settings.CLIENTDESK_CURRENCIES))
    language = Text(required=False, enum=lambda: [code for code, _ in settings.CLIENTDESK_LANGUAGES])
    tax_exempt = serializers.BooleanField(required=False)
    tax_id = Text(required=False)
    invoice_method = Text(required=False, enum=InvoiceMethod.choices)
    auto_debit = serializers.BooleanField(required=False)
    auto_suspend = serializers.BooleanField(required=False)
    payment_notices = serializers.BooleanField(required=False)


class ClientCreateSerializer(ClientInputSerializer):
    """Add client. A client whose email another client has is refused unless `allow_duplicate`."""

    allow_duplicate = serializers.BooleanField(
        required=False, help_text="Create it even though other clients have this email (they were checked)."
    )
    send_welcome = serializers.BooleanField(
        required=False,
        help_text="Queue the welcome email to the primary contact (it appears in the client's mail log).",
    )


class ClientEditSerializer(ClientInputSerializer):
    """Edit client: only the fields sent are changed."""

    first_name = Text(required=False)
    last_name = Text(required=False)
    email = Text(required=False)


class StatusChangeSerializer(StrictSerializer):
    """A click on the status badge: the status the caller saw, which moves to the next one."""

    seen = Text(
        enum=ClientStatus.choices,
        help_text="The status you last read. The client moves to the next one (active → inactive → fraud → "
        "active); if its status is no longer this one, nothing changes (409).",
    )


BILLING_INPUT = frozenset(BILLING_FIELDS)
