"""Putting email in the outbox: rows written in the caller's transaction, delivered after its commit.

`queue` writes one row (status `queued`, a fresh Message-ID) and, once the transaction commits,
asks the task queue to deliver it: one task per commit, naming every email the transaction queued
(an action mailing 500 clients enqueues one task, not 500). A rolled-back action leaves no row and
sends nothing; a task message that is lost or sent twice changes nothing either (the worker's sweep
finds queued rows on its own, and a row is claimed by one worker only: see `delivery`).
"""

import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db import transaction

from clientdesk import audit
from clientdesk.mail import rendering
from clientdesk.mail.catalog import SPECS
from clientdesk.mail.models import EmailTemplate, MailStatus, OutboundEmail

logger = logging.getLogger(__name__)


def default_from() -> tuple[str, str]:
    """The name and address automatic email is sent from (CLIENTDESK_MAIL_FROM)."""
    name, address = parseaddr(settings.CLIENTDESK_MAIL_FROM)
    return name, address or "desk@localhost"


def new_message_id(from_email: str) -> str:
    """A Message-ID unique to this email: a random id at the sending domain (in IDNA: a header is ASCII)."""
    domain = from_email.rpartition("@")[2] or "localhost"
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def staff_member(actor: audit.Actor) -> Any:
    """The staff member an actor is or acts for (an API token's owner); None for the system."""
    if actor is None:
        return None
    return getattr(actor, "user", actor)


def wake(ids: Sequence[int]) -> None:
    """Ask the task queue to deliver these emails now; if it cannot be reached, the worker's sweep will."""
    from clientdesk.mail.tasks import deliver_outbox  # the task module imports delivery, which imports this

    try:
        deliver_outbox.enqueue(list(ids))
    except Exception:  # the queue is a hint: the rows stay queued and the sweep sends them
        logger.warning("Could not reach the task queue; the worker's sweep will send emails %s.", list(ids))


_pending = threading.local()  # ids of emails queued in this thread's transaction, for its commit hook


def _wake_after_commit(email_id: int) -> None:
    """Name the email in the one task its transaction enqueues when it commits (one hook per transaction).

    Django drops the hooks of a transaction or savepoint that rolls back: when no hook of ours is
    left pending, the ids kept so far are of emails rolled back with it, and are dropped too.
    """
    connection = transaction.get_connection()
    if not any(hook is _wake_pending for _, hook, _ in connection.run_on_commit):
        _pending.ids = []
        transaction.on_commit(_wake_pending, robust=True)  # a failure here never fails the committed action
    _pending.ids.append(email_id)


def _wake_pending() -> None:
    """After a commit: one task naming the emails its transaction queued.

    An email queued after the hook was registered, in a savepoint that then rolled back, is still in
    the list: with more than one id, only the rows that exist (committed) are named.
    """
    ids: list[int] = getattr(_pending, "ids", [])
    _pending.ids = []
    if len(ids) > 1:
        ids = list(OutboundEmail.objects.filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    if ids:
        wake(ids)


def queue(
    *,
    to: Sequence[str],
    subject: str,
    text_body: str,
    html_body: str = "",
    from_name: str = "",
    from_email: str = "",
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    client_id: int | None = None,
    template_action: str = "",
    sent_by: Any = None,
    resent_from: OutboundEmail | None = None,
    status: MailStatus = MailStatus.QUEUED,
    last_error: str = "",
) -> OutboundEmail:
    """Write one email to the outbox inside the caller's transaction; it is delivered after the commit.

    The caller has checked the addresses and sanitised the HTML (`html.sanitize`).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue() runs inside the transaction of the action that sends the email.")
    if not from_email:
        from_name, from_email = default_from()
    email = OutboundEmail.objects.create(
        client_id=client_id,
        template_action=template_action,
        sent_by=sent_by,
        from_name=from_name,
        from_email=from_email,
        to=list(to),
        cc=list(cc),
        bcc=list(bcc),
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        message_id=new_message_id(from_email),
        status=status,
        last_error=last_error,
        resent_from=resent_from,
    )
    if status == MailStatus.QUEUED:
        _wake_after_commit(email.pk)
    return email


def base_context() -> dict[str, Any]:
    """What every template may use besides its own variables."""
    return {"company_name": settings.CLIENTDESK_COMPANY_NAME, "desk_url": settings.CLIENTDESK_BASE_URL + "/"}


def send_template_mail(
    action: str,
    *,
    to: Sequence[str],
    context: Mapping[str, Any],
    client_id: int | None = None,
    actor: audit.Actor = None,
) -> list[int]:
    """Queue template `action`'s email to `to` (the desk's `core.contract.send_template_mail`).

    Nothing is queued when the template is switched off. A template that fails to render (it was
    checked when saved, so only a variable the caller did not supply can do this) is logged as a
    failed email with the reason, never raised into the action that sent it.
    """
    if action not in SPECS:
        raise ValueError(f"No email template {action!r}.")
    template = EmailTemplate.objects.filter(action=action).first()
    if template is None or not template.active or not to:
        return []
    full_context = {**base_context(), **context}
    try:
        rendered = rendering.render(
            subject=template.subject, html=template.html, text=template.text, context=full_context
        )
    except rendering.TemplateRenderError as exc:
        email = queue(
            to=to,
            subject=f"({template} email: template error)",
            text_body="",
            client_id=client_id,
            template_action=action,
            sent_by=staff_member(actor),
            status=MailStatus.FAILED,
            last_error=f"The template could not be rendered: {exc}",
        )
        return [email.pk]
    email = queue(
        to=to,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        client_id=client_id,
        template_action=action,
        sent_by=staff_member(actor),
    )
    return [email.pk]


def format_address(name: str, address: str) -> str:
    """ "Name <address>" as a header carries it, or the address alone."""
    return str(Address(display_name=name, addr_spec=address)) if name else address
