"""Staff accounts, sign-in throttling and two-factor recovery codes."""

import secrets
import unicodedata
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


def normalize_email(email: str | None) -> str:
    """The one form a staff email is stored, looked up and compared in: NFKC, case-folded, NFKC, trimmed.

    Comparing in the database (`email__iexact`) let each database decide which spellings are equal
    (PostgreSQL's upper() turns the long s, U+017F, into `S`; SQLite folds ASCII only) while Python
    decided otherwise, so one account had many names. Folding once here and comparing with `=` makes
    every database agree. NFKC also folds compatibility forms (the long s, fullwidth letters, the
    Kelvin sign) into plain letters; the fold is idempotent over every code point (a test checks).
    """
    text = unicodedata.normalize("NFKC", email or "")
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def validate_stored_email(email: str) -> None:
    """Refuse a staff address that is not plain ASCII once normalised.

    Case-folding rewrites some non-ASCII letters (`ß` becomes `ss`), which would store an address
    that mail no longer reaches; ASCII addresses fold only in case, which every mail host ignores.
    So the stored address is ASCII: an internationalised domain is written in its `xn--` form, and
    mailboxes with non-ASCII local parts cannot be staff sign-in names.
    """
    if not email.isascii():
        raise ValidationError(
            {"email": "Use a plain ASCII address (write an internationalised domain in its xn-- form)."},
            code="non_ascii_email",
        )


class UserManager(BaseUserManager["User"]):
    """Creates staff members, who sign in with their email address."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """Staff emails are normalised one way everywhere: `normalize_email` of this module."""
        return normalize_email(email)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=normalize_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member of the company; signs in with email and password (and TOTP if enrolled)."""

    email = models.EmailField("email address", max_length=255, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()
    audit_redacted: ClassVar[frozenset[str]] = frozenset({"password"})

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)
        constraints = (models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),)

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        """The email is stored normalised, and ASCII (see `validate_stored_email`)."""
        super().clean()
        self.email = normalize_email(self.email)
        validate_stored_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Whatever path creates or edits a member, the stored email is the normalised one."""
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_staff(self) -> bool:
        """Everyone with an account works the desk; what they may do comes from their role."""
        return self.is_active

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_names(self) -> list[str]:
        return [g.name for g in self.groups.all()]


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one scope: an (account, IP) pair, an account, or an IP; and
    password-reset requests counted for one email address or one IP (those never lock sign-in)."""

    class Scope(models.TextChoices):
        PAIR = "pair", "Account from one address"
        ACCOUNT = "account", "Account from any address"
        IP = "ip", "Address, any account"
        RESET_MAIL = "reset_mail", "Password resets asked for one email"
        RESET_IP = "reset_ip", "Password resets asked from one address"

    # "pair:<user pk>:<ip>", "account:<user pk>" or "ip:<ip>": one row per scope, so an upsert
    # on this unique key is the same statement on every database. Password-reset requests use
    # "reset-mail:<keyed digest of the email>" and "reset-ip:<ip>", with no `user` and no lock.
    key = models.CharField(max_length=100, unique=True)
    scope = models.CharField(max_length=10, choices=Scope)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="login_throttles"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True)
    last_failure_at = models.DateTimeField(null=True)
    locked_until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"


class RecoveryCode(models.Model):
    """A single-use two-factor recovery code of a staff member; only a keyed hash of it is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_redacted: ClassVar[frozenset[str]] = frozenset({"code_hash"})

    # 10 characters of 31 letters and digits without look-alikes (0/o, 1/l/i): 49 random bits a code.
    ALPHABET: ClassVar[str] = "23456789abcdefghjkmnpqrstuvwxyz"
    LENGTH: ClassVar[int] = 10
    HASH_SALT: ClassVar[str] = "clientdesk.accounts.RecoveryCode"

    class Meta:
        constraints = (models.UniqueConstraint(fields=("user", "code_hash"), name="accounts_recovery_code_unique"),)

    def __str__(self) -> str:
        return f"Recovery code of {self.user_id} ({'used' if self.used_at else 'unused'})"

    @classmethod
    def new_code(cls) -> str:
        """A fresh random code, written as two groups of five (`7kq2m-x9fhr`)."""
        raw = "".join(secrets.choice(cls.ALPHABET) for _ in range(cls.LENGTH))
        return f"{raw[:5]}-{raw[5:]}"

    @classmethod
    def normalize(cls, code: str) -> str:
        """The code as typed, without spaces, dashes or case."""
        return "".join(ch for ch in code.casefold() if ch.isalnum())

    @classmethod
    def digests(cls, code: str) -> list[str]:
        """Keyed SHA-256 of the code under the secret key, then under each fallback key (for lookups).

        Not a slow password hash: a code carries 49 random bits, so slowness adds little that the
        key does not; a keyed digest finds the code in one indexed query, with no hash per stored code.
        """
        value = cls.normalize(code)
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return [salted_hmac(cls.HASH_SALT, value, secret=key, algorithm="sha256").hexdigest() for key in keys]
