"""Staff members, as Settings → Staff lists them, and the identity of the caller (/me/)."""

from typing import Any

from rest_framework import serializers


class StaffSerializer(serializers.Serializer[Any]):
    """A staff member: who they are, their roles, two-factor, sign-in and status."""

    id = serializers.IntegerField()
    url = serializers.HyperlinkedIdentityField(view_name="api:v1:staff-detail")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    roles = serializers.ListField(source="role_names", child=serializers.CharField())
    is_active = serializers.BooleanField()
    two_factor = serializers.BooleanField(help_text="Signs in with an authenticator app too.")
    locked_until = serializers.DateTimeField(allow_null=True, help_text="Sign-in locked until then (failed attempts).")
    last_login = serializers.DateTimeField(allow_null=True)
    date_joined = serializers.DateTimeField()


class TokenSerializer(serializers.Serializer[Any]):
    """The token a request is made with (never its secret)."""

    name = serializers.CharField()
    key_id = serializers.CharField(help_text="The public start of the secret, which tells tokens apart.")
    read_only = serializers.BooleanField()  # type: ignore[assignment]  # a field, not Field.read_only
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer[Any]):
    """Who the token acts for, with what permissions."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(
        child=serializers.CharField(),
        help_text="What the owner may do (`app_label.codename`); a read-only token only reads whatever these say.",
    )
    token = TokenSerializer()
