"""The outbox (which is also the mail log) and the email templates."""

from email.headerregistry import Address
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from clientdesk.clients.models import Client

SUBJECT_MAX = 998  # RFC 5322's line limit: a subject is one header line


class TemplateAction(models.TextChoices):
    """The automatic emails: each one template, sent when its event happens."""

    ACCOUNT_WELCOME = "account_welcome", "Welcome"
    SERVICE_CREATED = "service_created", "Service created"
    SERVICE_SUSPENDED = "service_suspended", "Service suspended"
    SERVICE_UNSUSPENDED = "service_unsuspended", "Service unsuspended"
    SERVICE_CANCELLED = "service_cancelled", "Service cancelled"
    INVOICE_DELIVERY = "invoice_delivery", "Invoice delivery"
    PAYMENT_RECEIPT = "payment_receipt", "Payment receipt"
    TICKET_OPENED = "ticket_opened", "Ticket opened"
    TICKET_UPDATED = "ticket_updated", "Ticket updated"
    STAFF_INVITATION = "staff_invitation", "Staff invitation"
    STAFF_PASSWORD_RESET = "staff_password_reset", "Staff password reset"


class EmailTemplate(models.Model):
    """The subject, HTML and text of one automatic email (Jinja2 syntax, rendered in a sandbox)."""

    action = models.CharField(max_length=64, choices=TemplateAction.choices, unique=True)
    subject = models.CharField(max_length=SUBJECT_MAX, error_messages={"blank": "Enter a subject."})
    html = models.TextField("HTML", blank=True)
    text = models.TextField(blank=True)
    active = models.BooleanField(default=True, help_text="Switched off, this email is not sent at all.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("action",)

    def __str__(self) -> str:
        return TemplateAction(self.action).label if self.action in TemplateAction.values else self.action


class MailStatus(models.TextChoices):
    """Where an email is on its way out."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown"  # the worker stopped mid-send: it may have gone out


class OutboundEmail(models.Model):
    """One email: queued by an action in its own transaction, delivered by the worker, kept as the mail log.

    The row, not the task message, is the truth: a worker claims it (`queued → sending`, with a lease),
    sends it over SMTP and marks it `sent`, puts it back with a later `next_attempt_at` after a
    temporary failure, or marks it `failed`. A row whose lease ran out while `sending` becomes `unknown`
    and is never sent again on its own.
    """

    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="emails", db_index=False
    )
    template_action = models.CharField(max_length=64, choices=TemplateAction.choices, blank=True, default="")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who wrote or caused it; empty for the system's own mail.",
    )
    from_name = models.CharField(max_length=255, blank=True)
    from_email = models.EmailField(max_length=254)
    to = models.JSONField(default=list, help_text="The To addresses.")
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=SUBJECT_MAX)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True, help_text="Sanitised before it was stored.")
    message_id = models.CharField(max_length=255, unique=True, help_text="The Message-ID header, set when queued.")
    status = models.CharField(max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    resent_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends", db_index=False
    )

    # Bodies and addresses are the message itself, not something the audit log repeats.
    audit_redacted: ClassVar[frozenset[str]] = frozenset({"text_body", "html_body"})

    class Meta:
        ordering = ("-queued_at", "-id")
        indexes = (
            # A client's Mail Log, newest first.
            models.Index(fields=["client", "-queued_at", "-id"], name="mail_client_recent"),
            # The staff-wide Mail Log, newest first (and by status).
            models.Index(fields=["-queued_at", "-id"], name="mail_recent"),
            models.Index(fields=["status", "-queued_at", "-id"], name="mail_status_recent"),
            # What the worker claims: queued rows that are due; and leases to recover.
            models.Index(fields=["next_attempt_at", "id"], condition=models.Q(status="queued"), name="mail_due"),
            models.Index(fields=["lease_expires_at"], condition=models.Q(status="sending"), name="mail_leased"),
        )

    def __str__(self) -> str:
        return self.subject

    @property
    def summary(self) -> str:
        """The text body's start on one line, as the Mail Log lists it."""
        words = " ".join(self.text_body.split())
        return words if len(words) <= 80 else words[:79].rstrip() + "…"

    @property
    def from_header(self) -> str:
        """The From header: "Name <address>", or the address alone."""
        return (
            str(Address(display_name=self.from_name, addr_spec=self.from_email)) if self.from_name else self.from_email
        )
