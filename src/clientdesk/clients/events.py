"""Audit codes of the client aggregate."""

from clientdesk.audit.codes import AuditCode


class ClientEvent(AuditCode):
    """What happens to clients (their contacts and numbers included)."""

    CREATE = "client.create", "Added client"
    UPDATE = "client.update", "Edited client"
    STATUS = "client.status", "Changed status"
    GROUP_CREATE = "client_group.create", "Added client group"
    CONTACT_CREATE = "contact.create", "Added contact"
    CONTACT_UPDATE = "contact.update", "Edited contact"
    CONTACT_DELETE = "contact.delete", "Deleted contact"
    INVOICE_CONTACT = "client.invoice_contact", "Changed who invoices are addressed to"
    CONTACT_TYPE_CREATE = "contact_type.create", "Added contact type"
    CONTACT_TYPE_RENAME = "contact_type.rename", "Renamed contact type"
    CONTACT_TYPE_DELETE = "contact_type.delete", "Deleted contact type"
