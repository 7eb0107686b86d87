"""Writes of the API app: making and revoking API tokens (each audited)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clientdesk import audit
from clientdesk.accounts.models import User
from clientdesk.api.events import ApiEvent
from clientdesk.api.models import ApiToken, secret_digest

TOKEN_FIELDS = ("name", "owner", "read_only", "expires_at")


@audit.action(ApiEvent.TOKEN_CREATE)
def api_token_create(
    *, actor: audit.Actor, owner: User, name: str, read_only: bool = False, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make an API token for `owner`; its secret is returned this once (only a hash of it is kept)."""
    if not User.objects.filter(pk=owner.pk, is_active=True).exists():  # as stored, not as `owner` was read
        raise ValidationError({"owner": f"{owner} is deactivated: a token of theirs would never work."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "Choose an expiry date in the future."})
    key_id, secret = ApiToken.new_secret()
    token = ApiToken(
        owner=owner,
        name=name,
        read_only=read_only,
        expires_at=expires_at,
        key_id=key_id,
        secret_hash=secret_digest(secret),
    )
    token.full_clean()
    try:
        with transaction.atomic():  # two saves of one name at the same moment: the constraint decides
            token.save()
    except IntegrityError:
        raise ValidationError({"name": "You have a token of this name already: choose another name."}) from None
    audit.record(
        actor=actor,
        action=ApiEvent.TOKEN_CREATE,
        target=token,
        changes=audit.diff({}, audit.snapshot(token, TOKEN_FIELDS), skip_empty=True),
    )
    return token, secret


@audit.action(ApiEvent.TOKEN_REVOKE)
def api_token_revoke(*, actor: audit.Actor, token: ApiToken) -> ApiToken:
    """Revoke a token: every request it makes from now on is refused (revoking it again changes nothing)."""
    locked = ApiToken.objects.select_for_update().select_related("owner").get(pk=token.pk)
    if locked.revoked_at is not None:
        audit.nothing_changed()
    else:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=ApiEvent.TOKEN_REVOKE,
            target=locked,
            changes=audit.diff({"revoked_at": None}, {"revoked_at": locked.revoked_at}),
        )
    token.revoked_at = locked.revoked_at
    return token
