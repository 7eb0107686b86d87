"""The offline test gateway: a gateway that stores accounts, on this machine, with no network.

Its table (`OfflineGatewayAccount`) stands for the remote side: it keeps a token, brand and last four,
and how charges on the account answer — never the number or security code, like a real gateway's
vault seen from the desk. Test numbers choose the answer, as processors' sandboxes do:

- 4000 0000 0000 0002 (any brand's number ending 0002): charges are declined;
- 4000 0000 0000 0119 (ending 0119): the gateway answers with a processing error;
- 4000 0000 0000 9995: refused when stored ("insufficient funds" on verification);
- any other Luhn-valid number: approved.
"""

import secrets
from decimal import Decimal

from clientdesk.payments.gateways.base import (
    BankDetails,
    CardDetails,
    ChargeResult,
    Gateway,
    GatewayError,
    StoredAccount,
)
from clientdesk.payments.models import OfflineGatewayAccount

DECLINE_SUFFIX = "0002"
ERROR_SUFFIX = "0119"
REFUSE_ON_STORE = "4000000000009995"


def _behaviour(number: str) -> str:
    if number.endswith(DECLINE_SUFFIX):
        return "decline"
    if number.endswith(ERROR_SUFFIX):
        return "error"
    return "approve"


class OfflineTestGateway(Gateway):
    """Stores accounts in its own table and answers charges by the test number given (see the module)."""

    code = "offline_test"
    label = "Offline test gateway"
    stores_accounts = True

    def store(self, details: CardDetails | BankDetails, *, customer: str = "") -> StoredAccount:
        number = details.number if isinstance(details, CardDetails) else details.account_number
        if number == REFUSE_ON_STORE:
            raise GatewayError("The gateway refused the card: insufficient funds to verify it.")
        if isinstance(details, CardDetails) and not details.security_code:
            raise GatewayError("The gateway needs the card's security code.")
        account = OfflineGatewayAccount.objects.create(
            token=f"tok_{secrets.token_hex(12)}",
            brand=getattr(details, "brand", ""),
            last4=number[-4:],
            behaviour=_behaviour(number),
        )
        return StoredAccount(token=account.token, last4=account.last4)

    def update(
        self, token: str, details: CardDetails | BankDetails | None, *, expiry: tuple[int, int] | None
    ) -> StoredAccount:
        account = OfflineGatewayAccount.objects.filter(token=token).first()
        if account is None:
            raise GatewayError("The gateway does not know this account any more.")
        if details is not None:
            number = details.number if isinstance(details, CardDetails) else details.account_number
            account.last4, account.behaviour = number[-4:], _behaviour(number)
            account.save(update_fields=["last4", "behaviour"])
        return StoredAccount(token=account.token, last4=account.last4)

    def remove(self, token: str) -> None:
        OfflineGatewayAccount.objects.filter(token=token).delete()

    def charge(self, token: str, amount: Decimal, currency: str) -> ChargeResult:
        account = OfflineGatewayAccount.objects.filter(token=token).first()
        if account is None:
            raise GatewayError("The gateway does not know this account.")
        reference = f"ch_{secrets.token_hex(10)}"
        if account.behaviour == "error":
            raise GatewayError("The gateway could not process the charge (processing error): try again later.")
        if account.behaviour == "decline":
            return ChargeResult(approved=False, reference=reference, message="Card declined.")
        return ChargeResult(approved=True, reference=reference, message=f"Charged {amount} {currency}.")

    def refund(self, reference: str, amount: Decimal, currency: str) -> ChargeResult:
        return ChargeResult(
            approved=True, reference=f"re_{secrets.token_hex(10)}", message=f"Refunded {amount} {currency}."
        )


GATEWAYS: dict[str, type[Gateway]] = {OfflineTestGateway.code: OfflineTestGateway}
