"""Sign-in throttle keyed on the account found (pair, account, IP scopes); emails stored normalised;
two-factor recovery codes."""

import unicodedata

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _normalize(email: str) -> str:
    # A frozen copy of accounts.models.normalize_email: migrations must not change when it does.
    text = unicodedata.normalize("NFKC", email or "")
    return unicodedata.normalize("NFKC", text.casefold()).strip()


def normalize_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    seen: dict[str, str] = {}
    for user in User.objects.order_by("pk"):
        email = _normalize(user.email)
        if email in seen:
            raise RuntimeError(
                f"Staff emails {seen[email]!r} and {user.email!r} are one address once normalised: "
                "change one of them, then migrate again."
            )
        seen[email] = user.email
        if email != user.email:
            User.objects.filter(pk=user.pk).update(email=email)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(normalize_emails, migrations.RunPython.noop),
        # The counts were keyed on the typed email; they are short-lived, so they start again.
        migrations.DeleteModel(name="LoginThrottle"),
        migrations.CreateModel(
            name="LoginThrottle",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=100, unique=True)),
                (
                    "scope",
                    models.CharField(
                        choices=[
                            ("pair", "Account from one address"),
                            ("account", "Account from any address"),
                            ("ip", "Address, any account"),
                        ],
                        max_length=10,
                    ),
                ),
                ("ip", models.GenericIPAddressField(blank=True, null=True)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("window_started_at", models.DateTimeField(null=True)),
                ("last_failure_at", models.DateTimeField(null=True)),
                ("locked_until", models.DateTimeField(null=True)),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="login_throttles",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code_hash", models.CharField(max_length=64)),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recovery_codes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "code_hash"), name="accounts_recovery_code_unique")
                ],
            },
        ),
    ]
