"""Writes to the client aggregate. Each is an action: one transaction, validated, audited."""

from clientdesk.clients.actions.clients import (
    BILLING_FIELDS,
    CLIENT_FIELDS,
    ClientData,
    ClientUpdate,
    DuplicateClientError,
    EditConflictError,
    client_create,
    client_cycle_status,
    client_state,
    client_update,
)
from clientdesk.clients.actions.contact_types import contact_type_create, contact_type_delete, contact_type_rename
from clientdesk.clients.actions.contact_writes import (
    ASSIGNABLE_TYPES,
    client_set_invoice_contact,
    contact_create,
    contact_delete,
    contact_state,
    contact_update,
)
from clientdesk.clients.actions.contacts import (
    CONTACT_FIELDS,
    ContactData,
    PhoneData,
    clean_phones,
    phone_summary,
    refresh_search_text,
)
from clientdesk.clients.actions.groups import client_group_create

__all__ = [
    "ASSIGNABLE_TYPES",
    "BILLING_FIELDS",
    "CLIENT_FIELDS",
    "CONTACT_FIELDS",
    "ClientData",
    "ClientUpdate",
    "ContactData",
    "DuplicateClientError",
    "EditConflictError",
    "PhoneData",
    "clean_phones",
    "client_create",
    "client_cycle_status",
    "client_group_create",
    "client_set_invoice_contact",
    "client_state",
    "client_update",
    "contact_create",
    "contact_delete",
    "contact_state",
    "contact_type_create",
    "contact_type_delete",
    "contact_type_rename",
    "contact_update",
    "phone_summary",
    "refresh_search_text",
]
