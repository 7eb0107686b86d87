"""The emails the desk sends a staff member about their own account: the invitation and the password reset.

They go out through the core contract's `send_template_mail` (the mail app delivers them; this app
does not import it), queued inside the caller's transaction: an action that rolls back sends nothing.
Their links are absolute, on CLIENTDESK_BASE_URL (never the Host of the request that caused them).
"""

from datetime import datetime

from django.conf import settings
from django.utils import formats, timezone

from clientdesk import audit
from clientdesk.accounts.models import User
from clientdesk.core import contract

# The mail app's template actions (`mail.models.TemplateAction`) of these emails.
STAFF_INVITATION = "staff_invitation"
STAFF_PASSWORD_RESET = "staff_password_reset"  # noqa: S105  # a template name, not a password


def absolute_url(path: str) -> str:
    """`path` on the desk's own address, as an email carries it."""
    return settings.CLIENTDESK_BASE_URL + path


def send_link(template: str, *, user: User, path: str, expires_at: datetime, actor: audit.Actor) -> bool:
    """Queue `template` to the member with their single-use link; False when the template is switched off."""
    queued = contract.send_template_mail(
        template,
        to=[user.email],
        context={
            "staff": {"full_name": str(user), "email": user.email},
            "link": absolute_url(path),
            "link_expires": formats.date_format(timezone.localtime(expires_at), "DATETIME_FORMAT"),
        },
        actor=actor,
    )
    return bool(queued)
