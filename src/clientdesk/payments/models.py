"""Payment accounts (cards and bank accounts), where their numbers live, and the vault's keys."""

from typing import ClassVar

from django.db import models
from django.utils import timezone

from clientdesk.clients.models import Client, Contact


class AccountKind(models.TextChoices):
    """Card or bank account."""

    CARD = "card", "Card"
    BANK = "bank", "Bank account"


class BankAccountType(models.TextChoices):
    """A US bank account's type."""

    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"


class Storage(models.TextChoices):
    """Where an account's number is kept: sealed in the local vault, or at a gateway that holds it for us."""

    LOCAL = "local", "Stored locally (encrypted)"
    OFFLINE_TEST = "offline_test", "Offline test gateway"


class PaymentAccount(models.Model):
    """A client's card or bank account: who holds it, its brand and last four, and where the number lives.

    The number itself is never here in clear: `sealed_number` (and `sealed_routing` for banks) hold
    the vault's sealed text when stored locally; a gateway's account keeps only `gateway_token`.
    The security code is never stored anywhere.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="payment_accounts")
    # The contact the account belongs to; emptied when that contact is deleted (then: the primary contact).
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=AccountKind.choices)
    first_name = models.CharField(max_length=100, error_messages={"blank": "Enter the holder's first name."})
    last_name = models.CharField(max_length=100, error_messages={"blank": "Enter the holder's last name."})
    address1 = models.CharField("address", max_length=255, blank=True)
    address2 = models.CharField("address line 2", max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=10, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    brand = models.CharField(max_length=16, blank=True, help_text="Card brand (visa, mastercard…).")
    last4 = models.CharField("last four", max_length=4)
    expiry_month = models.PositiveSmallIntegerField(null=True, blank=True)
    expiry_year = models.PositiveSmallIntegerField(null=True, blank=True)
    bank_account_type = models.CharField(max_length=8, choices=BankAccountType.choices, blank=True)
    routing_last4 = models.CharField(max_length=4, blank=True)
    storage = models.CharField(max_length=16, choices=Storage.choices)
    sealed_number = models.TextField(blank=True, editable=False)
    sealed_routing = models.TextField(blank=True, editable=False)
    gateway_token = models.CharField(max_length=255, blank=True, editable=False)
    # Keyed HMAC of the number: tells a duplicate without reading anything.
    fingerprint = models.CharField(max_length=64, editable=False, db_index=True)
    auto_debit = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    audit_redacted: ClassVar[frozenset[str]] = frozenset(
        {"sealed_number", "sealed_routing", "gateway_token", "fingerprint"}
    )

    class Meta:
        ordering = ("-auto_debit", "kind", "id")
        permissions = (("reveal_paymentaccount", "Can reveal a payment account's full number"),)
        constraints = (
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(auto_debit=True), name="payment_one_auto_debit_per_client"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="card", bank_account_type="")
                | models.Q(kind="bank", brand="", expiry_month__isnull=True, expiry_year__isnull=True)
                & ~models.Q(bank_account_type=""),
                name="payment_kind_fields",
            ),
            models.CheckConstraint(
                condition=~models.Q(storage="local", sealed_number="")
                & ~models.Q(storage="offline_test", gateway_token=""),
                name="payment_number_stored",
            ),
        )

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Brand and last four ("Visa ending 4242"), or type and last four for a bank account."""
        from clientdesk.payments.cards import BRAND_LABELS

        if self.kind == AccountKind.CARD:
            return f"{BRAND_LABELS.get(self.brand, self.brand.title())} ending {self.last4}"
        return f"{BankAccountType(self.bank_account_type).label} account ending {self.last4}"


class ClientPaymentTypes(models.Model):
    """Which kinds of payment account a client may use (both unless set otherwise)."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, primary_key=True, related_name="+")
    cards = models.BooleanField("cards", default=True)
    bank_accounts = models.BooleanField("bank accounts", default=True)

    def __str__(self) -> str:
        return f"Payment types of {self.client_id}"


class KeyWrapping(models.TextChoices):
    """What the vault's private key is wrapped under."""

    VAULT_KEY = "vault_key", "The vault key (outside the database)"
    PASSPHRASE = "passphrase", "The company passphrase"


class VaultKey(models.Model):
    """One key pair of the vault: the public key in clear, the private key only wrapped.

    One is `current` (new numbers are sealed to it); during `clientdesk vault rotate` the previous one
    stays until no number is sealed to it any more, then it is deleted.
    """

    key_id = models.CharField(max_length=32, unique=True)
    public_key = models.TextField()
    wrapped_private_key = models.TextField()
    wrapping = models.CharField(max_length=16, choices=KeyWrapping.choices)
    salt = models.CharField(max_length=64, blank=True, help_text="Argon2id salt when wrapped by the passphrase.")
    current = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["current"], condition=models.Q(current=True), name="vault_one_current_key"),
        )

    def __str__(self) -> str:
        return self.key_id


class OfflineGatewayAccount(models.Model):
    """The offline test gateway's own records, standing for a remote gateway's: tokens, never numbers."""

    token = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=16, blank=True)
    last4 = models.CharField(max_length=4)
    # How the test gateway answers charges on this account (from the test number it was given).
    behaviour = models.CharField(max_length=16, default="approve")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.token
