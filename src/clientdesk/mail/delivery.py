"""Delivering the outbox: claim a row, send it over SMTP, mark it. Safe with any number of workers.

**Claiming.** A worker takes one due `queued` row at a time and marks it `sending` with its own
lease token and a lease expiry, in one short transaction: on PostgreSQL `SELECT … FOR UPDATE SKIP
LOCKED` (other workers skip the row instead of waiting); on SQLite every transaction begins
IMMEDIATE (see settings), one writer at a time, so the select and the update cannot interleave.

**Marking.** Sent → `sent`. A temporary failure (4xx reply, dropped connection, timeout) → back to
`queued` with `next_attempt_at` after an exponential backoff, until the attempts run out → `failed`.
A permanent one (5xx) → `failed` at once. Every mark names the lease token, so a worker never marks a
row another worker holds.

**Crashes.** A worker that dies between claiming and marking leaves its row `sending`; once the lease
has expired, `recover_expired` marks it `unknown` ("it may have gone out"), shown as such in the Mail
Log and never sent again on its own (staff can resend it). A connection that drops after the message's
final dot but before the server's reply is the one case where a retried email may arrive twice; it
then carries the same Message-ID, so mail clients show one.
"""

import email.policy as email_policy
import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend
from django.db import connection, transaction
from django.utils import timezone

from clientdesk.mail.models import MailStatus, OutboundEmail
from clientdesk.mail.outbox import format_address

logger = logging.getLogger(__name__)

UNKNOWN_ERROR = (
    "The worker stopped while sending this email (its lease expired): it may or may not have gone out. "
    "It is not sent again on its own; resend it if it did not arrive."
)


class TemporaryFailureError(Exception):
    """Sending failed in a way that may pass: try again later."""


class PermanentFailureError(Exception):
    """Sending failed in a way that will not pass by trying again."""


@dataclass
class Report:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    ids: list[int] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th attempt failed for a reason that may pass."""
    seconds = settings.CLIENTDESK_MAIL_BACKOFF * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.CLIENTDESK_MAIL_BACKOFF_MAX))


def claim(ids: list[int] | None = None) -> tuple[OutboundEmail, str] | None:
    """Take one due queued email (of `ids`, when given) for this worker: (the row, its lease token) or None."""
    now = timezone.now()
    due = OutboundEmail.objects.filter(status=MailStatus.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    with transaction.atomic():
        locked = due.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            locked = locked.select_for_update(skip_locked=True)
        email = locked.first()
        if email is None:
            return None
        token = uuid.uuid4().hex
        email.status = MailStatus.SENDING
        email.lease_token = token
        email.lease_expires_at = now + timedelta(seconds=settings.CLIENTDESK_MAIL_LEASE)
        email.attempts += 1
        email.save(update_fields=["status", "lease_token", "lease_expires_at", "attempts"])
    return email, token


def message(email: OutboundEmail) -> EmailMultiAlternatives:
    """The email as it goes out: text, and HTML as its alternative, under the row's Message-ID."""
    msg = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=format_address(email.from_name, email.from_email),
        to=email.to,
        cc=email.cc,
        bcc=email.bcc,
        headers={"Message-ID": email.message_id},
    )
    if email.html_body:
        msg.attach_alternative(email.html_body, "text/html")
    return msg


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {body}".strip()


class Session:
    """One SMTP connection, opened when first needed and reopened after a failure broke it."""

    def __init__(self) -> None:
        self.backend: EmailBackend | None = None

    def send(self, email: OutboundEmail) -> str:
        """Send the email; what the server refused of its recipients ("" when none), or raise a failure."""
        msg = message(email)
        recipients = msg.recipients()
        try:
            data = msg.message(policy=email_policy.SMTP).as_bytes()
        except (ValueError, UnicodeError) as exc:
            raise PermanentFailureError(f"The email cannot be built: {exc}") from None
        try:
            if self.backend is None:
                backend = mailers.default
                assert isinstance(backend, EmailBackend)
                backend.open()
                self.backend = backend
            assert self.backend.connection is not None
            refused = self.backend.connection.sendmail(email.from_email, recipients, data)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{rcpt}: {_reply(code, text)}" for rcpt, (code, text) in exc.recipients.items())
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailureError(f"Every recipient was refused: {detail}") from None
            raise TemporaryFailureError(f"Recipients refused for now: {detail}") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            error = _reply(exc.smtp_code, exc.smtp_error)
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailureError(error) from None
            raise TemporaryFailureError(error) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailureError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        return "; ".join(f"{rcpt}: {_reply(code, text)}" for rcpt, (code, text) in refused.items())

    def close(self) -> None:
        """Close the connection, quietly if it is already broken."""
        backend, self.backend = self.backend, None
        if backend is not None:
            try:
                backend.close()
            except Exception:  # a broken connection: nothing left to close
                logger.debug("SMTP connection closed uncleanly", exc_info=True)


def _mark(email: OutboundEmail, token: str, **fields: object) -> bool:
    """Apply `fields` if this worker still holds the row (its token, `sending` or since marked `unknown`)."""
    return bool(
        OutboundEmail.objects.filter(
            pk=email.pk, lease_token=token, status__in=[MailStatus.SENDING, MailStatus.UNKNOWN]
        ).update(lease_expires_at=None, **fields)
    )


def deliver_one(session: Session, email: OutboundEmail, token: str, report: Report) -> None:
    """Send one claimed email and mark what happened."""
    try:
        refused = session.send(email)
    except TemporaryFailureError as exc:
        if email.attempts >= settings.CLIENTDESK_MAIL_MAX_ATTEMPTS:
            _mark(email, token, status=MailStatus.FAILED, last_error=f"Gave up after {email.attempts} attempts: {exc}")
            report.failed += 1
        else:
            _mark(
                email,
                token,
                status=MailStatus.QUEUED,
                next_attempt_at=timezone.now() + backoff(email.attempts),
                last_error=str(exc),
            )
            report.retried += 1
        logger.info("Email %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
    except PermanentFailureError as exc:
        _mark(email, token, status=MailStatus.FAILED, last_error=str(exc))
        report.failed += 1
        logger.info("Email %s failed: %s", email.pk, exc)
    else:
        note = f"Some recipients were refused: {refused}" if refused else ""
        _mark(email, token, status=MailStatus.SENT, sent_at=timezone.now(), last_error=note)
        report.sent += 1
    report.ids.append(email.pk)


def deliver(ids: list[int] | None = None, *, limit: int | None = None) -> Report:
    """Send the given emails if still due, then any other due ones, up to `limit` (CLIENTDESK_MAIL_BATCH)."""
    limit = limit or settings.CLIENTDESK_MAIL_BATCH
    report = Report()
    session = Session()
    try:
        for scope in [ids, None] if ids else [None]:
            while len(report.ids) < limit and (claimed := claim(scope)) is not None:
                deliver_one(session, *claimed, report)
    finally:
        session.close()
    return report


def recover_expired() -> int:
    """Mark `unknown` the emails still `sending` whose lease expired (their worker died mid-send)."""
    return OutboundEmail.objects.filter(status=MailStatus.SENDING, lease_expires_at__lt=timezone.now()).update(
        status=MailStatus.UNKNOWN, last_error=UNKNOWN_ERROR, lease_expires_at=None
    )


def sweep() -> Report:
    """What a worker does now and then, whatever the queue delivered: recover leases, send what is due."""
    recovered = recover_expired()
    if recovered:
        logger.warning("%s email(s) were left sending by a stopped worker: marked unknown.", recovered)
    return deliver()
