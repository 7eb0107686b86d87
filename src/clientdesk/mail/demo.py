"""Demo data of the mail app: a Mail Log for the demo clients, written through Email Client and the outbox.

Emails written by the demo admin (Email Client) and automatic ones (welcome, invoices, receipts), spread
over the last months. No worker runs while the demo is seeded, so what delivery would have recorded is
written directly: most were sent, one failed with the mail server's refusal (and was resent to another
address), one was left unknown by a worker that stopped mid-send.
"""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from clientdesk.accounts.models import User
from clientdesk.clients.models import Client, ContactType
from clientdesk.core.contract import DemoContext
from clientdesk.mail import delivery, outbox
from clientdesk.mail.actions import email_send
from clientdesk.mail.models import MailStatus, OutboundEmail, TemplateAction

# (subject, HTML) staff might write to a client.
MANUAL = [
    (
        "Your migration is scheduled",
        "<p>Hello {first},</p><p>We have scheduled the move of your sites for <strong>Saturday night</strong>."
        " Expect a few minutes of downtime around 02:00.</p><ul><li>Email keeps working throughout.</li>"
        "<li>DNS changes reach everyone within a day.</li></ul><p>Kind regards,<br>{staff}</p>",
    ),
    (
        "About your renewal",
        "<p>Hello {first},</p><p>Your plan renews next month. Switching to <em>annual billing</em> saves two"
        " months' fees; reply to this email and we will change it for you.</p><p>Kind regards,<br>{staff}</p>",
    ),
    (
        "Backup restored",
        "<h2>Restore complete</h2><p>Hello {first}, the files you asked for are back in place as they were"
        ' yesterday at 04:00.</p><p>See <a href="https://status.example.com/">our status page</a> for'
        " details.</p><p>{staff}</p>",
    ),
    (
        "Quote for a dedicated server",
        "<p>Hello {first},</p><p>As discussed, here is our quote:</p><ol><li>Dedicated server, 64 GB RAM</li>"
        "<li>Daily off-site backups</li><li>Managed updates</li></ol><p>Let us know if you have any"
        " questions.</p><p>{staff}</p>",
    ),
]
SMTP_REFUSAL = "550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
AUTOMATIC = [TemplateAction.ACCOUNT_WELCOME, TemplateAction.INVOICE_DELIVERY, TemplateAction.PAYMENT_RECEIPT]


def _context(client: Client, action: str, n: int) -> dict[str, Any]:
    contact = client.contacts.filter(contact_type=ContactType.PRIMARY).first()
    first, last, email = (contact.first_name, contact.last_name, contact.email) if contact else ("", "", client.email)
    context: dict[str, Any] = {
        "client": {"id_code": client.id_code, "name": client.name},
        "contact": {"first_name": first, "last_name": last, "email": email},
    }
    if action == TemplateAction.INVOICE_DELIVERY:
        context["invoice"] = {
            "number": f"INV-{1000 + n}",
            "total": f"{client.currency} {40 + n % 7 * 15}.00",
            "due_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
            "url": f"https://billing.example.com/invoices/{1000 + n}/",
        }
    elif action == TemplateAction.PAYMENT_RECEIPT:
        context["payment"] = {
            "amount": f"{client.currency} {40 + n % 7 * 15}.00",
            "method": "Visa ending 4242",
            "date": timezone.localdate().isoformat(),
            "reference": f"TX-{5000 + n}",
        }
    return context


def _automatic(client: Client, action: str, n: int) -> list[int]:
    with transaction.atomic():  # the outbox writes in the caller's transaction, as an action's would
        return outbox.send_template_mail(
            action, to=[client.email], context=_context(client, action, n), client_id=client.pk
        )


def _mark(pk: int, *, when: Any, status: MailStatus = MailStatus.SENT, error: str = "") -> None:
    """What a worker would have recorded, had one been running."""
    fields: dict[str, Any] = {"queued_at": when, "next_attempt_at": when, "status": status, "last_error": error}
    fields["attempts"] = 0 if status == MailStatus.QUEUED else 1
    if status == MailStatus.SENT:
        fields["sent_at"] = when + timedelta(seconds=3)
    OutboundEmail.objects.filter(pk=pk, status=MailStatus.QUEUED).update(**fields)


def seed(demo: DemoContext) -> None:
    """A Mail Log for the demo clients, unless the desk already has email written by staff."""
    existing = OutboundEmail.objects.filter(template_action="", client__isnull=False).count()
    if existing:
        demo.say(f"Keeping the {existing} emails staff have already written.")
        return
    staff = User.objects.filter(email=demo.login[0]).first() if demo.login else None
    name, address = (staff.full_name, staff.email) if staff else outbox.default_from()
    now = timezone.now()
    made = 0
    for index, client in enumerate(Client.objects.order_by("id")[: demo.size]):
        first = (
            client.contacts.filter(contact_type=ContactType.PRIMARY).values_list("first_name", flat=True).first()
            or "there"
        )
        # Oldest first, over the last four months: an automatic email or two, then what staff wrote.
        day = demo.rng.randrange(60, 120)
        for action in AUTOMATIC[: demo.rng.choice([1, 1, 2, 3])]:
            for pk in _automatic(client, action, index):
                _mark(pk, when=now - timedelta(days=day, minutes=demo.rng.randrange(600)))
                made += 1
            day -= demo.rng.randrange(5, 25)
        for _ in range(demo.rng.choices(range(4), weights=[35, 35, 20, 10])[0]):
            subject, html = demo.rng.choice(MANUAL)
            sent = email_send(
                actor=staff,
                client=client,
                to=[client.email],
                from_name=name,
                from_email=address,
                subject=subject,
                html=html.format(first=first, staff=name or "The team"),
            )
            _mark(sent.pk, when=now - timedelta(days=max(day, 1), minutes=demo.rng.randrange(600)))
            day -= demo.rng.randrange(3, 20)
            made += 1
        if index == 0:
            made += _troubles(client, staff, name, address, now)
    demo.say(f"Created {made} demo emails in the mail log.")


def _troubles(client: Client, staff: Any, name: str, address: str, now: Any) -> int:
    """On the first client: a failure with the server's error and its resend, and an email left unknown."""
    old = f"old.{client.email}"
    failed = email_send(
        actor=staff,
        client=client,
        to=[old],
        from_name=name,
        from_email=address,
        subject="Your domain renews soon",
        html="<p>Hello,</p><p>Your domain renews in <strong>30 days</strong>. Nothing to do if auto-renew is on.</p>",
    )
    _mark(
        failed.pk,
        when=now - timedelta(days=2, hours=3),
        status=MailStatus.FAILED,
        error=SMTP_REFUSAL.format(address=old),
    )
    resent = email_send(
        actor=staff,
        client=client,
        to=[client.email],
        from_name=name,
        from_email=address,
        subject=failed.subject,
        html=failed.html_body,
        resent_from=failed,
    )
    _mark(resent.pk, when=now - timedelta(days=2, hours=1))
    unknown = email_send(
        actor=staff,
        client=client,
        to=[client.email],
        from_name=name,
        from_email=address,
        subject="Maintenance window tonight",
        html="<p>Hello,</p><p>We will update the servers tonight between 01:00 and 03:00.</p>",
    )
    _mark(unknown.pk, when=now - timedelta(hours=5), status=MailStatus.UNKNOWN, error=delivery.UNKNOWN_ERROR)
    return 3
