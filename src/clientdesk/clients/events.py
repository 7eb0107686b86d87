"""Audit codes of the client aggregate."""

from clientdesk.audit.codes import AuditCode


class ClientEvent(AuditCode):
    """What happens to clients (their contacts and numbers included)."""

    CREATE = "client.create", "Client created"
    UPDATE = "client.update", "Client changed"
    STATUS = "client.status", "Status changed"
    GROUP_CREATE = "client_group.create", "Client group added"
