"""Writes of the mail app: staff email a client (Email Client, Resend). Templates: `template_actions`.

The checks of a message are plain functions, shared by the form, the API and the action itself:
`split_addresses` reads a comma-separated field, `header_safe` tells whether a value may go into a
header, and `email_send` refuses (a ValidationError keyed by field) whatever does not pass.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clientdesk import audit
from clientdesk.clients.models import Client
from clientdesk.mail import html as mail_html
from clientdesk.mail import outbox
from clientdesk.mail.events import MailEvent
from clientdesk.mail.models import SUBJECT_MAX, OutboundEmail

FROM_EMAIL_MAX = 254  # the column's length (RFC 5321's limit on a path)
MAX_RECIPIENTS = 50
MAX_BODY = 1_000_000  # characters of one body
NAME_MAX = 255
HEADER_INJECTION = "Line breaks and other control characters are not allowed here."
# "Ada Lovelace <ada@example.com>", as mail programs copy an address: the address is what is kept.
ANGLE_ADDRESS = re.compile(r"^[^<>]*<([^<>]*)>$")
SEPARATORS = re.compile(r"[,;]")


def header_safe(value: str) -> bool:
    """True when `value` can go into a header as it is: no line break or other control character (tab aside)."""
    return not any(ch != "\t" and unicodedata.category(ch) in {"Cc", "Zl", "Zp", "Cs"} for ch in value)


def split_addresses(text: str) -> list[str]:
    """The addresses of a field as typed: separated by commas (or semicolons), blanks dropped, nothing checked.

    Line breaks stay inside the pieces, so `email_send` refuses them as header injection rather than
    reading them as separators.
    """
    return [piece.strip(" \t") for piece in SEPARATORS.split(text or "") if piece.strip(" \t")]


def _body_ok(value: str) -> bool:
    return "\x00" not in value and not any(unicodedata.category(ch) == "Cs" for ch in value)


def _addresses(
    field: str, values: Sequence[str] | str, errors: dict[str, list[str]], *, seen: set[str], required: bool
) -> list[str]:
    """The addresses of one field, each checked and none already in `seen`; problems go to `errors[field]`."""
    if isinstance(values, str):
        values = split_addresses(values)
    cleaned: list[str] = []
    for value in values:
        if not isinstance(value, str) or not header_safe(value):
            errors.setdefault(field, []).append(HEADER_INJECTION)
            continue
        address = value.strip()
        if match := ANGLE_ADDRESS.match(address):
            address = match.group(1).strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors.setdefault(field, []).append(f"“{address}” is not a valid email address.")
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            cleaned.append(address)
    if required and not cleaned and field not in errors:
        errors[field] = ["Enter at least one address."]
    return cleaned


@dataclass(frozen=True)
class Message:
    """A message that passed every check: addresses validated, HTML sanitised, text made when left empty."""

    to: list[str]
    cc: list[str]
    bcc: list[str]
    from_name: str
    from_email: str
    subject: str
    html: str
    text: str


def check_message(
    *,
    to: Sequence[str] | str,
    from_name: str,
    from_email: str,
    subject: str,
    html: str = "",
    text: str = "",
    cc: Sequence[str] | str = (),
    bcc: Sequence[str] | str = (),
) -> Message:
    """The message as it would be queued, or a ValidationError naming each field that does not pass.

    An address repeated in CC or BCC (or in the same field) is kept once, where it first appears.
    """
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    to_list = _addresses("to", to, errors, seen=seen, required=True)
    cc_list = _addresses("cc", cc, errors, seen=seen, required=False)
    bcc_list = _addresses("bcc", bcc, errors, seen=seen, required=False)
    if len(to_list) + len(cc_list) + len(bcc_list) > MAX_RECIPIENTS:
        errors.setdefault("to", []).append(f"An email goes to {MAX_RECIPIENTS} addresses at most (To, CC and BCC).")
    sender = _addresses("from_email", [from_email], errors, seen=set(), required=True)
    if sender and len(sender[0]) > FROM_EMAIL_MAX:
        errors.setdefault("from_email", []).append(f"Keep the address to {FROM_EMAIL_MAX} characters.")
    if not header_safe(from_name):
        errors.setdefault("from_name", []).append(HEADER_INJECTION)
    elif len(from_name.strip()) > NAME_MAX:
        errors.setdefault("from_name", []).append(f"Keep the name to {NAME_MAX} characters.")
    if not header_safe(subject):
        errors.setdefault("subject", []).append(HEADER_INJECTION)
    elif not subject.strip():
        errors.setdefault("subject", []).append("Enter a subject.")
    elif len(subject.strip()) > SUBJECT_MAX:
        errors.setdefault("subject", []).append(f"Keep the subject to {SUBJECT_MAX} characters.")
    for field, value, name in (("html", html, "message"), ("text", text, "text")):
        if len(value) > MAX_BODY:
            errors.setdefault(field, []).append(f"The {name} is too long.")
        elif not _body_ok(value):
            errors.setdefault(field, []).append(f"The {name} holds characters an email cannot carry.")
    clean_html = mail_html.sanitize(html) if "html" not in errors else ""
    if clean_html and "<img" not in clean_html and not mail_html.to_text(clean_html):
        clean_html = ""  # an editor's empty paragraph is no message
    clean_text = text.replace("\r\n", "\n").replace("\r", "\n").strip() if "text" not in errors else ""
    if not clean_text and clean_html:
        clean_text = mail_html.to_text(clean_html)
    if not clean_text and not clean_html and "html" not in errors and "text" not in errors:
        errors["html"] = ["Write a message."]
    if errors:
        raise ValidationError(errors)
    return Message(
        to=to_list,
        cc=cc_list,
        bcc=bcc_list,
        from_name=" ".join(from_name.split()),
        from_email=sender[0],
        subject=subject.strip(),
        html=clean_html,
        text=clean_text,
    )


@audit.action(MailEvent.SEND, MailEvent.RESEND)
def email_send(
    *,
    actor: audit.Actor,
    client: Client,
    to: Sequence[str] | str,
    from_name: str,
    from_email: str,
    subject: str,
    html: str = "",
    text: str = "",
    cc: Sequence[str] | str = (),
    bcc: Sequence[str] | str = (),
    resent_from: OutboundEmail | None = None,
) -> OutboundEmail:
    """Email a client (Email Client), or send a logged email again (Resend): queued, delivered after the commit.

    The HTML is sanitised before it is stored; the text part is made from it when left empty; a line
    break in a header field (subject, name, address) is refused, never folded into the message.
    Address fields take a list of addresses or one comma-separated string.
    """
    if resent_from is not None and resent_from.client_id != client.pk:
        raise ValidationError("That email was not sent to this client.", code="other_client")
    message = check_message(
        to=to, cc=cc, bcc=bcc, from_name=from_name, from_email=from_email, subject=subject, html=html, text=text
    )
    email = outbox.queue(
        to=message.to,
        cc=message.cc,
        bcc=message.bcc,
        from_name=message.from_name,
        from_email=message.from_email,
        subject=message.subject,
        text_body=message.text,
        html_body=message.html,
        client_id=client.pk,
        sent_by=outbox.staff_member(actor),
        resent_from=resent_from,
    )
    changes: dict[str, list[object]] = {"to": [None, message.to], "subject": [None, message.subject]}
    if message.cc:
        changes["cc"] = [None, message.cc]
    if message.bcc:
        changes["bcc"] = [None, message.bcc]
    if resent_from is not None:
        changes["resent_from"] = [None, resent_from.pk]
    audit.record(
        actor=actor,
        action=MailEvent.RESEND if resent_from is not None else MailEvent.SEND,
        client=client,
        target=email,
        changes=changes,
    )
    return email
