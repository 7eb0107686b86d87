"""Audit events as the History view lists them."""

from typing import Any

from rest_framework import serializers

from clientdesk.audit.codes import label_for
from clientdesk.audit.models import ActorType, AuditEvent


class ActorSerializer(serializers.Serializer[Any]):
    """Who made a change: a staff member, an API token (named with its owner) or the system."""

    type = serializers.ChoiceField(source="actor_type", choices=ActorType.choices)
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        source="actor_label", help_text="As they were named then."
    )
    user = serializers.IntegerField(source="actor_user_id", allow_null=True, help_text="The staff member's id.")


class EventSerializer(serializers.Serializer[Any]):
    """One audit event of a client."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    action = serializers.CharField(help_text="The event's code, e.g. client.update.")
    action_label = serializers.SerializerMethodField(help_text="The code in words, e.g. Edited client.")
    actor = ActorSerializer(source="*")
    target_model = serializers.CharField(help_text="What changed, as app_label.model (may be empty).")
    target_pk = serializers.CharField()
    changes = serializers.DictField(
        child=serializers.JSONField(), help_text="Changed fields: {field: [before, after]} (secrets redacted)."
    )
    ip = serializers.IPAddressField(allow_null=True)

    def get_action_label(self, event: AuditEvent) -> str:
        return label_for(event.action)
