"""Contacts, who invoices are addressed to, and the company's contact types, in and out of the API.

Out: a contact as its client's contacts list and its edit page show it (type, fields, numbers), and
a contact type with how many contacts carry it. In: the shape of a
create or edit only; what the values must be is checked by the pages' own forms (ContactForm,
InvoiceContactForm, ContactTypeForm), then by the actions and the models.
"""

from typing import Any

from rest_framework import serializers

from clientdesk.api.serializers.clients import ContactFieldsSerializer, PhoneSerializer, StrictSerializer, country_codes
from clientdesk.api.serializers.fields import ChildUrl, Text
from clientdesk.clients.actions import ASSIGNABLE_TYPES
from clientdesk.clients.models import ContactType


class ContactTypeRefSerializer(serializers.Serializer[Any]):
    """The company's contact type an "other" contact carries."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class ContactSerializer(serializers.Serializer[Any]):
    """A contact of a client: its type, details and numbers."""

    id = serializers.IntegerField()
    url = ChildUrl("api:v1:client-contact-detail", lookup_url_kwarg="contact_id")
    contact_type = serializers.ChoiceField(
        choices=ContactType.choices,
        help_text="`primary` holds the client's details and is changed with the client (PATCH the client).",
    )
    custom_type = ContactTypeRefSerializer(
        allow_null=True, help_text="The company's contact type of an `other` contact (null: none, or not `other`)."
    )
    type_label = serializers.CharField(help_text="As staff read it: Primary, Billing, the company's type, or Other.")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    company = serializers.CharField()
    title = serializers.CharField()
    email = serializers.EmailField()
    address1 = serializers.CharField()
    address2 = serializers.CharField()
    city = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    state = serializers.CharField(help_text="ISO 3166-2, e.g. US-VA; may be empty.")
    phones = PhoneSerializer(source="phone_numbers.all", many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ContactInputSerializer(ContactFieldsSerializer):
    """The fields of Add contact; an edit sends only those it changes (`phones` replaces every number)."""

    contact_type = Text(
        required=True,
        enum=ASSIGNABLE_TYPES,
        help_text="`billing` (receives invoices and billing mail) or `other`, with `custom_type` naming the "
        "company's type of contact (an `other` contact without one can only stay so). A contact made `billing` "
        "loses its `custom_type`.",
    )
    custom_type = serializers.IntegerField(
        required=False, allow_null=True, help_text="A contact type's id (see /api/v1/contact-types/), for `other`."
    )
    country = Text(
        required=False, enum=country_codes, help_text="ISO 3166-1 alpha-2; a new contact's default is its client's."
    )


class InvoiceContactSerializer(serializers.Serializer[Any]):
    """Who the client's invoices are addressed to, and who receives them."""

    invoice_contact = ContactSerializer(
        help_text="Whose name and address invoices carry: the contact chosen under Address invoices to, or the "
        "primary contact."
    )
    recipients = ContactSerializer(
        many=True,
        help_text="Who invoices and billing mail are sent to: the billing contacts, else the primary contact.",
    )


class InvoiceContactInputSerializer(StrictSerializer):
    """Address invoices to: the primary contact or one of the billing contacts."""

    invoice_contact = serializers.IntegerField(
        allow_null=True,
        help_text="The id of the client's primary contact or of one of its billing contacts; null: "
        "the primary contact.",
    )


class ContactTypeSerializer(serializers.Serializer[Any]):
    """One of the company's contact types, with how many contacts carry it."""

    id = serializers.IntegerField()
    url = serializers.HyperlinkedIdentityField(view_name="api:v1:contact-type-detail")
    name = serializers.CharField()
    contacts = serializers.IntegerField(source="contact_count", help_text="How many contacts carry this type.")
    created_at = serializers.DateTimeField()


class ContactTypeInputSerializer(StrictSerializer):
    """The name of a contact type (Technical, Sales…)."""

    name = Text(required=True, help_text="Unique whatever its case; not Primary, Billing or Other.")
