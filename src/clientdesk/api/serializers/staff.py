"""Staff members, as Settings → Staff lists them, and the identity of the caller (/me/).

In: the shape of Add staff member and of a roles change only; what the values must be is checked by
the page's own form (see staff_input.py), then by the actions.
"""

from typing import Any

from rest_framework import serializers

from clientdesk.accounts.actions.staff import SET_PASSWORD_LINK_DAYS
from clientdesk.api.serializers.clients import StrictSerializer
from clientdesk.api.serializers.fields import Text
from clientdesk.core.contract import Role


def role_names() -> list[str]:
    """The shipped roles a member may hold."""
    return [role.value for role in Role]


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


class StaffLinkSerializer(StaffSerializer):
    """A staff member, and the single-use link through which they set their password (shown this once)."""

    set_password_link = serializers.CharField(
        help_text=f"The page where the member sets their password: it works once, for {SET_PASSWORD_LINK_DAYS} "
        "days, and replaces any earlier link. Pass it on; it is not kept, so a replay of this request "
        "(same Idempotency-Key) answers `[not stored]` here: issue a new link then."
    )
    set_password_link_expires_at = serializers.DateTimeField(help_text="When the link stops working.")


class StaffCreateSerializer(StrictSerializer):
    """Add staff member: who they are and their roles (they set their own password from a link)."""

    email = Text(required=True, help_text="The address they sign in with.")
    full_name = Text(required=True, help_text="Their name, as the desk shows it.")
    roles = serializers.ListField(
        child=Text(enum=role_names), help_text="At least one of the shipped roles: without one a member sees nothing."
    )


class StaffRolesSerializer(StrictSerializer):
    """A member's roles, all of them; `base` (the roles you read) refuses a change someone made meanwhile."""

    roles = serializers.ListField(
        child=Text(enum=role_names), help_text="Every role the member is to hold (an empty list: none)."
    )
    base = serializers.ListField(
        child=Text(),
        required=False,
        help_text="The roles you read (GET). When the member's roles are no longer these, nothing is written "
        "(409, `current` holding them). Without it, the roles sent replace whatever they are.",
    )


class NoInputSerializer(StrictSerializer):
    """Nothing to send: an empty object, or no body."""


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
