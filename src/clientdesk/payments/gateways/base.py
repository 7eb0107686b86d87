"""The gateway interface: what a merchant gateway does for the desk.

A gateway that stores accounts remotely (`stores_accounts`) receives the number and security code
once, when an account is added or its number changes, and gives back a token; the desk then keeps
only the token, brand, last four and expiry. Charges and refunds name the token. Gateways raise
`GatewayError` with a message staff can read; nothing is saved when one is raised.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal


class GatewayError(Exception):
    """The gateway refused or failed: the message says why, in words staff can act on."""


@dataclass(frozen=True)
class CardDetails:
    """A card as the form took it: handed to a gateway once, never kept (its repr hides the number)."""

    number: str
    expiry_month: int
    expiry_year: int
    security_code: str
    holder: str
    postal_code: str = ""
    country: str = ""

    def __repr__(self) -> str:
        return f"CardDetails(last4={self.number[-4:]!r}, expiry={self.expiry_month:02d}/{self.expiry_year})"


@dataclass(frozen=True)
class BankDetails:
    """A bank account as the form took it (its repr hides the numbers)."""

    routing_number: str
    account_number: str
    account_type: str
    holder: str

    def __repr__(self) -> str:
        return f"BankDetails(last4={self.account_number[-4:]!r}, type={self.account_type!r})"


@dataclass(frozen=True)
class StoredAccount:
    """What a gateway gives back for an account it stores: its token, and what may be shown."""

    token: str
    last4: str
    brand: str = ""


@dataclass(frozen=True)
class ChargeResult:
    """A charge's or refund's outcome: approved or declined, the gateway's reference and message."""

    approved: bool
    reference: str
    message: str = ""


class Gateway(ABC):
    """A merchant gateway."""

    code: str
    label: str
    stores_accounts: bool = False

    @abstractmethod
    def store(self, details: CardDetails | BankDetails, *, customer: str = "") -> StoredAccount:
        """Store an account at the gateway; its token."""

    @abstractmethod
    def update(
        self, token: str, details: CardDetails | BankDetails | None, *, expiry: tuple[int, int] | None
    ) -> StoredAccount:
        """Change a stored account (a new number, or only its expiry)."""

    @abstractmethod
    def remove(self, token: str) -> None:
        """Remove a stored account from the gateway (a missing one is not an error)."""

    @abstractmethod
    def charge(self, token: str, amount: Decimal, currency: str) -> ChargeResult:
        """Charge a stored account."""

    @abstractmethod
    def refund(self, reference: str, amount: Decimal, currency: str) -> ChargeResult:
        """Refund (part of) a charge."""
