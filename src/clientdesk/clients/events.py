"""Audit codes of the client aggregate."""

from clientdesk.audit.codes import AuditCode


class ClientEvent(AuditCode):
    """What happens to clients (their contacts and numbers included)."""

    CREATE = "client.create", "Added client"
    UPDATE = "client.update", "Edited client"
    STATUS = "client.status", "Changed status"
    GROUP_CREATE = "client_group.create", "Added client group"
