"""API tokens (only a hash of each secret is kept) and the idempotency keys of API writes."""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

if TYPE_CHECKING:
    from clientdesk.accounts.models import User

# A secret reads `cdk_<key id>_<random>`: the key id finds the row (it is shown in lists, to tell
# tokens apart), the random part (256 bits) is what proves possession. Only a SHA-256 of the whole
# secret is stored: a fast hash is enough for 256 random bits, and lets one indexed lookup serve
# every request.
PREFIX = "cdk"
KEY_ID_BYTES = 6
SECRET_BYTES = 32


def secret_digest(secret: str) -> str:
    """The SHA-256 (hex) of a secret, as stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_secret(secret: str) -> str | None:
    """The key id a secret names, or None when it is not shaped like one of ours."""
    prefix, _, rest = secret.partition("_")
    key_id, _, random_part = rest.partition("_")
    if prefix != PREFIX or len(key_id) != 2 * KEY_ID_BYTES or not random_part or not key_id.isalnum():
        return None
    return key_id


class ApiToken(models.Model):
    """A staff member's personal API token: acts with its owner's permissions (read-only if so scoped)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, help_text="What the token is for, e.g. billing-sync.")
    key_id = models.CharField(max_length=2 * KEY_ID_BYTES, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    read_only = models.BooleanField(default=False, help_text="Only reads: every write is refused.")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_redacted: ClassVar[frozenset[str]] = frozenset({"secret_hash"})
    # The audit log names a token acting for its owner (see audit.log.TokenActor).
    is_audit_token: ClassVar[bool] = True
    # How often, at most, a token's last use is written: a write per request would double the
    # cost of every read.
    LAST_USED_EVERY: ClassVar[int] = 60

    class Meta:
        ordering = ("-created_at", "-id")
        default_permissions = ("view",)
        permissions = (("revoke_apitoken", "Can revoke any staff member's API token"),)
        constraints = (
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_name_unique_per_owner",
                violation_error_message="You have a token of this name already: choose another name.",
            ),
        )

    def __str__(self) -> str:
        return f"API token '{self.name}' of {self.owner}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.secret_hash:
            raise ValueError("An API token is saved with the hash of its secret (see api_token_create).")
        super().save(*args, **kwargs)

    @property
    def user(self) -> "User":
        """The staff member the token acts for (what the audit log links an event to)."""
        return self.owner

    @property
    def display_id(self) -> str:
        """The public start of the secret, which tells tokens apart (`cdk_3f2a9b1c0d4e_…`)."""
        return f"{PREFIX}_{self.key_id}_…"

    @property
    def scope(self) -> str:
        return "Read-only" if self.read_only else "Read and write"

    def state(self, now: datetime | None = None) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

    def matches(self, secret: str) -> bool:
        """Whether `secret` is this token's (compared in constant time)."""
        return hmac.compare_digest(self.secret_hash, secret_digest(secret))

    def clean(self) -> None:
        self.name = " ".join((self.name or "").split())
        if not self.name:
            raise ValidationError({"name": "Name the token after what will use it, e.g. billing-sync."})

    @classmethod
    def new_secret(cls) -> tuple[str, str]:
        """A fresh (key id, secret)."""
        key_id = secrets.token_hex(KEY_ID_BYTES)
        return key_id, f"{PREFIX}_{key_id}_{secrets.token_urlsafe(SECRET_BYTES)}"


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` of one token: the request it came with and, once answered, the answer.

    The row is inserted (in its own transaction) before the request runs; the unique constraint lets
    only one of two concurrent requests with the same key run. Kept IDEMPOTENCY_HOURS hours.
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text="HMAC-SHA256 (keyed by the secret key) of the method, path and body."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.PositiveSmallIntegerField(null=True, help_text="None while the first request runs.")
    response = models.JSONField(null=True)

    class Meta:
        default_permissions = ()
        constraints = (models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_unique"),)

    def __str__(self) -> str:
        return f"{self.key} ({self.status or 'running'})"
