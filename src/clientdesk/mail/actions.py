"""Writes of the mail app: staff email a client (Email Client, Resend). Templates: `template_actions`."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clientdesk import audit
from clientdesk.clients.models import Client
from clientdesk.mail import html as mail_html
from clientdesk.mail import outbox
from clientdesk.mail.events import MailEvent
from clientdesk.mail.models import SUBJECT_MAX, OutboundEmail

MAX_RECIPIENTS = 50
MAX_BODY = 1_000_000  # characters of one body
HEADER_INJECTION = "Line breaks are not allowed here."


def _no_line_breaks(value: str) -> bool:
    return not any(ch in value for ch in "\r\n\x00\u2028\u2029\x85\x0b\x0c")


def _addresses(field: str, values: Sequence[str], errors: dict[str, list[str]], *, required: bool) -> list[str]:
    """The addresses of one field, each checked; problems are added to `errors` under `field`."""
    cleaned: list[str] = []
    for value in values:
        if not _no_line_breaks(value):
            errors.setdefault(field, []).append(HEADER_INJECTION)
            continue
        address = value.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors.setdefault(field, []).append(f"“{address}” is not a valid email address.")
            continue
        if address.lower() not in {a.lower() for a in cleaned}:
            cleaned.append(address)
    if required and not cleaned and field not in errors:
        errors[field] = ["Enter at least one address."]
    return cleaned


def _check_message(
    *,
    to: Sequence[str],
    cc: Sequence[str],
    bcc: Sequence[str],
    from_name: str,
    from_email: str,
    subject: str,
    html: str,
    text: str,
) -> tuple[list[str], list[str], list[str], str, str, str, str, str]:
    errors: dict[str, list[str]] = {}
    to_list = _addresses("to", to, errors, required=True)
    cc_list = _addresses("cc", cc, errors, required=False)
    bcc_list = _addresses("bcc", bcc, errors, required=False)
    if len(to_list) + len(cc_list) + len(bcc_list) > MAX_RECIPIENTS:
        errors.setdefault("to", []).append(f"An email goes to {MAX_RECIPIENTS} addresses at most (To, CC and BCC).")
    sender = _addresses("from_email", [from_email], errors, required=True)
    if not _no_line_breaks(from_name):
        errors.setdefault("from_name", []).append(HEADER_INJECTION)
    elif len(from_name.strip()) > 255:
        errors.setdefault("from_name", []).append("Keep the name to 255 characters.")
    if not _no_line_breaks(subject):
        errors.setdefault("subject", []).append(HEADER_INJECTION)
    elif not subject.strip():
        errors.setdefault("subject", []).append("Enter a subject.")
    elif len(subject.strip()) > SUBJECT_MAX:
        errors.setdefault("subject", []).append(f"Keep the subject to {SUBJECT_MAX} characters.")
    if len(html) > MAX_BODY:
        errors.setdefault("html", []).append("The message is too long.")
    if len(text) > MAX_BODY:
        errors.setdefault("text", []).append("The text is too long.")
    clean_html = mail_html.sanitize(html) if "html" not in errors else ""
    clean_text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not clean_text and clean_html:
        clean_text = mail_html.to_text(clean_html)
    if not clean_text and not clean_html and "html" not in errors and "text" not in errors:
        errors["html"] = ["Write a message."]
    if errors:
        raise ValidationError(errors)
    return to_list, cc_list, bcc_list, " ".join(from_name.split()), sender[0], subject.strip(), clean_html, clean_text


@audit.action(MailEvent.SEND, MailEvent.RESEND)
def email_send(
    *,
    actor: audit.Actor,
    client: Client,
    to: Sequence[str],
    from_name: str,
    from_email: str,
    subject: str,
    html: str = "",
    text: str = "",
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    resent_from: OutboundEmail | None = None,
) -> OutboundEmail:
    """Email a client (Email Client), or send a logged email again (Resend): queued, delivered after the commit.

    The HTML is sanitised before it is stored; the text part is made from it when left empty; a line
    break in a header field (subject, name, address) is refused, never folded into the message.
    """
    if resent_from is not None and resent_from.client_id != client.pk:
        raise ValidationError("That email was not sent to this client.", code="other_client")
    to_list, cc_list, bcc_list, name, sender, clean_subject, clean_html, clean_text = _check_message(
        to=to, cc=cc, bcc=bcc, from_name=from_name, from_email=from_email, subject=subject, html=html, text=text
    )
    email = outbox.queue(
        to=to_list,
        cc=cc_list,
        bcc=bcc_list,
        from_name=name,
        from_email=sender,
        subject=clean_subject,
        text_body=clean_text,
        html_body=clean_html,
        client_id=client.pk,
        sent_by=outbox.staff_member(actor),
        resent_from=resent_from,
    )
    changes = {"to": [None, to_list], "subject": [None, clean_subject]}
    if cc_list:
        changes["cc"] = [None, cc_list]
    if bcc_list:
        changes["bcc"] = [None, bcc_list]
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
