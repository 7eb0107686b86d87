"""Password reset by email: a member who forgot their password asks for a link on the sign-in page.

The request answers the same whether or not the address is a member's: the view shows one page
either way, and the action does the same cheap work (one lookup, one audit event; no password is
hashed), queueing the email only when the address is an active member's. The link is single-use
(setting the password, or signing in, spends it), expires after PASSWORD_RESET_LINK_HOURS and stops
working when the member is deactivated. Setting the password signs no one in: a member with
two-factor sign-in still gives their code at the next sign-in. Requests are counted per address
and per IP before this action runs (`throttle.reset_request`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clientdesk import audit
from clientdesk.accounts import emails
from clientdesk.accounts.actions.staff import LinkState, SetPasswordTokens, spend_link
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User, normalize_email

PASSWORD_RESET_LINK_HOURS = 1

RESET_LINK_REFUSED = {
    LinkState.EXPIRED: (
        f"This link has expired: password reset links work for {PASSWORD_RESET_LINK_HOURS} hour. "
        "Ask for a new one below."
    ),
    LinkState.INVALID: (
        "This link no longer works: it has been used, a sign-in since has spent it, or the account is "
        "deactivated. If you know your password, sign in with it; otherwise ask for a new link."
    ),
}


class PasswordResetLinkTokens(SetPasswordTokens):
    """Tokens of password reset links: the set-password links' rules, their own salt, an hour's life."""

    key_salt = "clientdesk.accounts.password_reset_link"
    timeout = PASSWORD_RESET_LINK_HOURS * 60 * 60


password_reset_tokens = PasswordResetLinkTokens()


@dataclass(frozen=True)
class PasswordResetLink:
    """A member's password reset link: the page `accounts:password_reset_confirm` with these parts."""

    uid: str
    token: str
    expires_at: datetime

    @property
    def path(self) -> str:
        """The link's path (the email adds the desk's address)."""
        return reverse("accounts:password_reset_confirm", args=[self.uid, self.token])


def reset_link(user: User) -> PasswordResetLink:
    """A fresh reset link for the member (not stored: the token is checked against the member's state)."""
    return PasswordResetLink(
        uid=urlsafe_base64_encode(force_bytes(user.pk)),
        token=password_reset_tokens.make_token(user),
        expires_at=timezone.now() + timedelta(seconds=password_reset_tokens.timeout),
    )


@audit.action(AccountEvent.PASSWORD_RESET_REQUEST)
def user_password_reset_request(*, actor: audit.Actor, email: str) -> bool:
    """Someone asked for a password reset link for `email`: queue it when the address is an active member's.

    Recorded every time, with the member as target when the address is one's. True when an email
    was queued — for tests and the shell only: what the visitor is shown must not depend on it.
    """
    address = normalize_email(email)
    member = User.objects.filter(email=address).first()
    emailed = False
    if member is not None and member.is_active:
        link = reset_link(member)
        emailed = emails.send_link(
            emails.STAFF_PASSWORD_RESET, user=member, path=link.path, expires_at=link.expires_at, actor=actor
        )
    audit.record(actor=actor, action=AccountEvent.PASSWORD_RESET_REQUEST, target=member, changes={"email": address})
    return emailed


@audit.action(AccountEvent.PASSWORD_RESET_LINK_USED)
def user_password_reset_by_link(*, actor: audit.Actor, user: User, token: str, password: str) -> User:
    """Set a member's password from their emailed reset link, which is then spent (refused when spent or expired)."""
    locked = spend_link(user, token=token, password=password, tokens=password_reset_tokens, refused=RESET_LINK_REFUSED)
    audit.record(
        actor=actor, action=AccountEvent.PASSWORD_RESET_LINK_USED, target=locked, changes={"password": ["", ""]}
    )
    return locked
