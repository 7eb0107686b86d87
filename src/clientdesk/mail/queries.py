"""Reads of the mail app shared by pages and the API: the Mail Logs, one email, Resend's defaults."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import BooleanField, Case, CharField, Q, QuerySet, Value, When
from django.db.models.functions import Left
from django.utils import timezone

from clientdesk.clients.models import Client, Contact
from clientdesk.clients.queries import client_contacts
from clientdesk.mail import html as mail_html
from clientdesk.mail.catalog import SPECS
from clientdesk.mail.models import OutboundEmail

# Emails to staff (invitations, password resets) carry a single-use sign-in link: the Mail Log shows
# who they went to and when, never their bodies, to anyone.
HIDDEN_BODY_ACTIONS = frozenset(str(action) for action, spec in SPECS.items() if not spec.client_mail)
HEAD_CHARS = 200  # of the text body, read for a row's one-line summary
# What a row of a Mail Log shows: never the bodies themselves (up to a megabyte each), only their start.
ROW_COLUMNS = (
    "id",
    "client_id",
    "template_action",
    "from_name",
    "from_email",
    "to",
    "subject",
    "status",
    "attempts",
    "last_error",
    "queued_at",
    "sent_at",
    "resent_from_id",
)
CLIENT_COLUMNS = ("client__id", "client__id_code", "client__name")


def _rows(emails: QuerySet[OutboundEmail]) -> QuerySet[OutboundEmail]:
    """Rows of a Mail Log: their columns, `head` (the text body's start) and `body_hidden`."""
    hidden = Q(template_action__in=HIDDEN_BODY_ACTIONS)
    return emails.annotate(
        head=Case(When(hidden, then=Value("")), default=Left("text_body", HEAD_CHARS), output_field=CharField()),
        body_hidden=Case(When(hidden, then=Value(True)), default=Value(False), output_field=BooleanField()),
    ).order_by("-queued_at", "-id")


def client_mail_log(client: Client) -> QuerySet[OutboundEmail]:
    """Every email to the client, automatic and manual, newest first (the Mail Log; `mail_client_recent`)."""
    return _rows(OutboundEmail.objects.filter(client=client).only(*ROW_COLUMNS))


def _one(emails: QuerySet[OutboundEmail]) -> QuerySet[OutboundEmail]:
    return emails.select_related("client", "sent_by", "resent_from").defer(
        "lease_token", "client__search_text", "resent_from__text_body", "resent_from__html_body"
    )


def client_email(client: Client, pk: int) -> OutboundEmail:
    """One email of the client's Mail Log, whole (DoesNotExist when it is another client's)."""
    return _one(OutboundEmail.objects.filter(client=client)).get(pk=pk)


def email(pk: int) -> OutboundEmail:
    """One email of the desk, whole, with its client (DoesNotExist when there is none)."""
    return _one(OutboundEmail.objects.all()).get(pk=pk)


def body_hidden(email: OutboundEmail) -> bool:
    """True for an email whose bodies the Mail Log never shows (staff sign-in links)."""
    return email.template_action in HIDDEN_BODY_ACTIONS


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def mail_log(
    *, status: str = "", template_action: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[OutboundEmail]:
    """All outgoing email, newest first, filtered by status, template ("manual" for staff-written mail) and day.

    Days are the desk's local days, `since` and `until` included; the filters read ranges of
    `queued_at`, so the `mail_recent` and `mail_status_recent` indexes serve them.
    """
    emails = OutboundEmail.objects.select_related("client").only(*ROW_COLUMNS, *CLIENT_COLUMNS)
    if status:
        emails = emails.filter(status=status)
    if template_action == "manual":
        emails = emails.filter(template_action="")
    elif template_action:
        emails = emails.filter(template_action=template_action)
    if since is not None:
        emails = emails.filter(queued_at__gte=_day_start(since))
    if until is not None:
        emails = emails.filter(queued_at__lt=_day_start(until + timedelta(days=1)))
    return _rows(emails)


# --- Pages by position (keyset): the desk-wide log is never counted ---------------------------------

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class KeysetPage:
    """One page of a list read by position: its rows and the cursors of the pages around it ("" when none)."""

    rows: list[Any] = field(default_factory=list)
    newer: str = ""
    older: str = ""
    is_first: bool = True


def cursor_of(email: OutboundEmail) -> str:
    """The position of `email` in a newest-first list, as a URL carries it."""
    return f"{(email.queued_at - EPOCH) // timedelta(microseconds=1)}.{email.pk}"


def read_cursor(value: str) -> tuple[datetime, int] | None:
    """The (queued_at, id) of a cursor made by `cursor_of`; None when `value` is not one."""
    micros, _, pk = (value or "").partition(".")
    if not (micros.isdigit() and pk.isdigit()) or len(micros) > 18 or len(pk) > 18:
        return None
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        return None


def keyset_page(emails: QuerySet[OutboundEmail], *, size: int, older: str = "", newer: str = "") -> KeysetPage:
    """The page of `emails` (newest first) after cursor `older`, or before cursor `newer`; the first otherwise.

    One query: a page's rows and one more, which tells whether another page follows.
    """
    if (position := read_cursor(newer)) is not None:
        at, pk = position
        rows = list(
            emails.filter(Q(queued_at__gt=at) | Q(queued_at=at, id__gt=pk)).order_by("queued_at", "id")[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        page = KeysetPage(rows=rows, is_first=not more)
        page.newer = cursor_of(rows[0]) if more and rows else ""
        page.older = cursor_of(rows[-1]) if rows else ""
        return page
    query = emails
    if (position := read_cursor(older)) is not None:
        at, pk = position
        query = emails.filter(Q(queued_at__lt=at) | Q(queued_at=at, id__lt=pk))
    rows = list(query[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    page = KeysetPage(rows=rows, is_first=position is None)
    page.older = cursor_of(rows[-1]) if more else ""
    page.newer = cursor_of(rows[0]) if position is not None and rows else ""
    return page


# --- Email Client ----------------------------------------------------------------------------------


def recipient_contacts(client: Client) -> QuerySet[Contact]:
    """The client's contacts with an address, as Email Client offers them: the primary contact first."""
    return client_contacts(client).exclude(email="").prefetch_related(None)


def contact_label(contact: Contact) -> str:
    """How Email Client names a contact: "First Last <email>"."""
    return f"{contact.full_name} <{contact.email}>"


def resend_defaults(email: OutboundEmail) -> dict[str, Any]:
    """What Resend starts from: the logged message, to its original addresses.

    The text part is left empty when it was made from the HTML, so an edit of the HTML makes it anew.
    """
    made_from_html = bool(email.html_body) and email.text_body == mail_html.to_text(email.html_body)
    return {
        "to": list(email.to),
        "cc": list(email.cc),
        "bcc": list(email.bcc),
        "from_name": email.from_name,
        "from_email": email.from_email,
        "subject": email.subject,
        "html": email.html_body,
        "text": "" if made_from_html else email.text_body,
    }
