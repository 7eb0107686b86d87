"""Clients, their groups, and the id-code sequence."""

from typing import Any

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clientdesk.core import geo
from clientdesk.core.db import IsBlank


class GroupColor(models.TextChoices):
    """The badge colours of client groups (Bootstrap's contextual colours)."""

    GREY = "secondary", "Grey"
    BLUE = "primary", "Blue"
    GREEN = "success", "Green"
    RED = "danger", "Red"
    YELLOW = "warning", "Yellow"
    CYAN = "info", "Cyan"
    DARK = "dark", "Dark"


class ClientGroup(models.Model):
    """A set of clients sharing defaults, shown as a coloured badge (e.g. General, Resellers)."""

    name = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=255, blank=True)
    color = models.CharField(max_length=16, choices=GroupColor.choices, default=GroupColor.GREY)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ClientStatus(models.TextChoices):
    """A client's status, cycled by a click on its badge."""

    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    FRAUD = "fraud", "Fraud"

    @classmethod
    def after(cls, status: str) -> "ClientStatus":
        """The status a click on the badge moves to: active → inactive → fraud → active."""
        order = [cls.ACTIVE, cls.INACTIVE, cls.FRAUD]
        return order[(order.index(cls(status)) + 1) % len(order)]


class InvoiceMethod(models.TextChoices):
    """How a client's invoices are delivered."""

    EMAIL = "email", "Email"
    PAPER = "paper", "Paper"


class IdSequence(models.Model):
    """The last number handed out in one id-code series (row-locked while a number is taken)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}={self.last_value}"


class ClientStatusCount(models.Model):
    """How many clients hold one status: kept exact by database triggers on clients_client (migration 0004).

    Every write to clients_client (the actions, raw SQL, COPY) updates it in the same transaction; the
    client list reads it instead of counting. Only the triggers write it. Recount (if it were ever
    wrong) with the SQL in `RECOUNT` of migration 0004_status_counts.
    """

    status = models.CharField(max_length=16, primary_key=True, choices=ClientStatus.choices)
    clients = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()  # nobody edits it

    def __str__(self) -> str:
        return f"{self.status}={self.clients}"


class Client(models.Model):
    """A customer account. Its name, address and email live on its primary contact."""

    id_format = models.CharField(max_length=64, default="{num}")
    id_value = models.PositiveBigIntegerField()
    id_code = models.CharField("client ID", max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=ClientStatus.choices, default=ClientStatus.ACTIVE)
    group = models.ForeignKey(ClientGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="clients")
    # Copied from the primary contact by the actions that change it, so the client list is one
    # indexed table (sorting a million rows across a join is not).
    name = models.CharField(max_length=257)
    company = models.CharField(max_length=128, blank=True)
    email = models.EmailField(max_length=255)
    country = models.CharField(max_length=2)

    currency = models.CharField("preferred currency", max_length=3, default=settings.CLIENTDESK_DEFAULT_CURRENCY)
    language = models.CharField(max_length=8, default="en")
    tax_exempt = models.BooleanField(default=False)
    tax_id = models.CharField("tax ID / VATIN", max_length=64, blank=True)
    invoice_method = models.CharField(
        "invoice delivery", max_length=8, choices=InvoiceMethod.choices, default=InvoiceMethod.EMAIL
    )
    auto_debit = models.BooleanField(
        "auto-debit", default=True, help_text="Charge the client's auto-debit payment account when invoices fall due."
    )
    auto_suspend = models.BooleanField(
        "auto-suspension", default=True, help_text="Suspend the client's services when invoices stay unpaid."
    )
    payment_notices = models.BooleanField(
        default=True, help_text="Email the client reminders before and after invoices fall due."
    )
    # "Address invoices to": a billing contact of this client, or none for the primary contact. That
    # contact cannot be deleted or retyped while chosen (the actions refuse it; RESTRICT backs them).
    invoice_contact = models.ForeignKey(
        "clients.Contact",
        verbose_name="address invoices to",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
    )

    created_at = models.DateTimeField("member since", default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Lower-cased, accent-free text of everything the search box matches (see clients/search.py).
    search_text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("-id_value",)
        permissions = (
            ("change_client_status", "Can cycle a client's status"),
            ("change_client_billing", "Can change a client's billing settings"),
        )
        indexes = (
            models.Index(fields=["status", "id_value", "id"], name="client_status_idvalue"),
            models.Index(fields=["status", "name", "id"], name="client_status_name"),
            # Sorting by company puts blank companies last in both directions (clients.queries):
            # "is it blank?" first, so the first page is read in order from one index or the other.
            models.Index(
                models.F("status"),
                IsBlank("company"),
                models.F("company"),
                models.F("id"),
                name="client_company_sort_asc",
            ),
            models.Index(
                models.F("status"),
                IsBlank("company"),
                models.F("company").desc(),
                models.F("id").desc(),
                name="client_company_sort_desc",
            ),
            models.Index(fields=["status", "created_at", "id"], name="client_status_created"),
            models.Index(fields=["status", "country"], name="client_status_country"),
            models.Index(fields=["status", "group"], name="client_status_group"),
        )
        constraints = (
            models.UniqueConstraint(fields=["id_format", "id_value"], name="client_unique_id_value"),
            models.CheckConstraint(condition=models.Q(status__in=ClientStatus.values), name="client_status_valid"),
        )

    def __str__(self) -> str:
        return f"#{self.id_code} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("clients:client_detail", args=[self.pk])

    @property
    def language_name(self) -> str:
        """The client's language in words ("German"), or its code when the desk no longer offers it."""
        return dict(settings.CLIENTDESK_LANGUAGES).get(self.language, self.language)

    @classmethod
    def audit_display(cls, field: str, value: Any) -> str | None:
        """How the History view words a stored value of the client or its contacts (None: as stored)."""
        if field == "country" and isinstance(value, str):
            return geo.country_name(value)
        if field == "state" and isinstance(value, str):
            return geo.subdivision_name(value)
        if field == "language":
            return dict(settings.CLIENTDESK_LANGUAGES).get(value)
        return None

    def clean(self) -> None:
        """Currency: an ISO 4217 code the company bills in; language: one the desk speaks."""
        errors = {}
        self.currency = (self.currency or "").strip().upper()
        if (
            self.currency not in settings.CLIENTDESK_CURRENCIES
            or pycountry.currencies.get(alpha_3=self.currency) is None
        ):
            errors["currency"] = (
                f"Choose one of the currencies the company bills in: {', '.join(settings.CLIENTDESK_CURRENCIES)}."
            )
        if self.language not in dict(settings.CLIENTDESK_LANGUAGES):
            errors["language"] = "Choose a language from the list."
        if errors:
            raise ValidationError(errors)
