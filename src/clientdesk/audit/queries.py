"""Reads of the audit log shared by pages and (later) the API."""

from django.db.models import QuerySet

from clientdesk.audit.models import AuditEvent


def client_events(client_pk: int) -> QuerySet[AuditEvent]:
    """Every event of one client, newest first (served by the `audit_client_recent` index)."""
    return AuditEvent.objects.filter(client_pk=client_pk).order_by("-created_at", "-id")
