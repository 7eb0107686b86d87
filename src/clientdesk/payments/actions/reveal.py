"""Show number: a locally stored account's full number, for a staff member who proves who they are."""

from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.accounts import throttle
from clientdesk.accounts.models import User
from clientdesk.payments import vault
from clientdesk.payments.events import PaymentEvent
from clientdesk.payments.models import AccountKind, PaymentAccount, Storage

REVEAL_REFUSED = {
    "password": "That is not your password.",
    "passphrase": "That is not the company passphrase.",
}


@audit.action(PaymentEvent.REVEAL)
def _record_reveal(*, actor: audit.Actor, account: PaymentAccount) -> None:
    audit.record(
        actor=actor, action=PaymentEvent.REVEAL, client=account.client, target=account,
        changes={"account": [account.label, account.label]},
    )  # fmt: skip


@audit.action(PaymentEvent.REVEAL_REFUSED)
def _record_refused(*, actor: audit.Actor, account: PaymentAccount, reason: str) -> None:
    audit.record(
        actor=actor, action=PaymentEvent.REVEAL_REFUSED, client=account.client, target=account,
        changes={"account": [account.label, account.label], "reason": [None, reason]},
    )  # fmt: skip


def reveal_number(*, actor: User, account: PaymentAccount, secret: str, ip: str | None) -> str:
    """The full number of a locally stored account, for a staff member who re-enters their password — or the
    company passphrase when one is set. Throttled like sign-in (failures lock the member and the address),
    and audited whether it succeeds or not. Called outside any transaction (the throttle commits its count
    before the secret is checked).
    """
    if account.storage != Storage.LOCAL:
        raise ValidationError("The gateway keeps this account's number: it cannot be shown here.", code="remote")
    kind = "passphrase" if vault.passphrase_set() else "password"

    def check() -> bool:
        if kind == "password":
            return actor.check_password(secret)
        key = vault.current_key()
        try:
            vault.private_key(key, secret)
        except vault.PassphraseRequiredError:
            return False
        return True

    outcome = throttle.attempt(actor, ip, check)
    if not outcome.ok:
        reason = "locked" if outcome.refused else f"wrong {kind}"
        _record_refused(actor=actor, account=account, reason=reason)
        if outcome.refused:
            raise ValidationError(
                {"secret": ValidationError("Too many wrong attempts: try again later.", code="locked")}
            )
        raise ValidationError({"secret": ValidationError(REVEAL_REFUSED[kind], code="wrong")})
    purpose = vault.CARD_NUMBER if account.kind == AccountKind.CARD else vault.BANK_ACCOUNT
    number = vault.open_sealed(account.sealed_number, purpose, secret if kind == "passphrase" else None)
    _record_reveal(actor=actor, account=account)
    return number
