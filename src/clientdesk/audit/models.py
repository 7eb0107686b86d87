"""The audit log: one row for every write made by staff, the API or the system."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ActorType(models.TextChoices):
    """Who an event's actor is."""

    USER = "user", "Staff member"
    TOKEN = "token", "API token"
    SYSTEM = "system", "System"


class AuditEvent(models.Model):
    """Who did what to which client, when, from where, with the before/after of changed fields."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_type = models.CharField(max_length=8, choices=ActorType.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=255, help_text="The actor as it was named at the time.")
    action = models.CharField(max_length=64, db_index=True)
    # Plain ids and a snapshot, not a foreign key: events outlive the client they describe.
    client_pk = models.BigIntegerField(null=True, blank=True)
    client_code = models.CharField(max_length=64, blank=True)
    client_name = models.CharField(max_length=300, blank=True)
    target_model = models.CharField(max_length=100, blank=True)
    target_pk = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=["client_pk", "-created_at", "-id"], name="audit_client_recent"),)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
