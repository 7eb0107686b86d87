"""Helpers of the staff-mail tests: the default email templates, the outbox, and the links emails carry."""

import re
from email.message import EmailMessage

from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import EmailTemplate, OutboundEmail, TemplateAction

INVITATION = TemplateAction.STAFF_INVITATION
RESET = TemplateAction.STAFF_PASSWORD_RESET
LINK = re.compile(r"(https?://[^/\s]+)(/accounts/(?:set-password|password/reset)/[\w-]+/[\w-]+/)")


def install_templates():
    """The default templates, as migrating installs them (a test database flushed by a transactional test has none)."""
    for action, spec in SPECS.items():
        EmailTemplate.objects.get_or_create(
            action=str(action), defaults={"subject": spec.subject, "text": spec.text, "html": default_html(action)}
        )


def switch_off(action):
    EmailTemplate.objects.filter(action=action).update(active=False)


def outbox(action=None):
    """The emails queued so far (of one template), oldest first."""
    emails = OutboundEmail.objects.order_by("id")
    return list(emails.filter(template_action=action) if action else emails)


def link_in(text, base="http://127.0.0.1:8000"):
    """The one desk link an email's text carries, as a path; it must be on `base`."""
    found = LINK.findall(text)
    assert len(found) == 1, text
    assert found[0][0] == base, found
    return found[0][1]


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a received message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())
