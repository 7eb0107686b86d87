"""The client aggregate: a client, its group and id-code series, its contacts and their numbers."""

from clientdesk.clients.models.clients import (
    Client,
    ClientGroup,
    ClientStatus,
    ClientStatusCount,
    GroupColor,
    IdSequence,
    InvoiceMethod,
)
from clientdesk.clients.models.contacts import (
    Contact,
    ContactType,
    CustomContactType,
    PhoneLocation,
    PhoneNumber,
    PhoneType,
)

__all__ = [
    "Client",
    "ClientGroup",
    "ClientStatus",
    "ClientStatusCount",
    "Contact",
    "ContactType",
    "CustomContactType",
    "GroupColor",
    "IdSequence",
    "InvoiceMethod",
    "PhoneLocation",
    "PhoneNumber",
    "PhoneType",
]
