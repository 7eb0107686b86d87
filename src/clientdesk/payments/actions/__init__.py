"""Writes of payments: accounts (add, edit, delete, auto-debit, accepted types, reveal) and the vault."""

from clientdesk.payments.actions.accounts import (
    HolderData,
    account_delete,
    auto_debit_set,
    bank_add,
    card_add,
    merchant_gateway,
    payment_types_set,
)
from clientdesk.payments.actions.edits import MASK, bank_update, card_update, is_masked
from clientdesk.payments.actions.reveal import REVEAL_REFUSED, reveal_number
from clientdesk.payments.actions.vault import (
    PASSPHRASE_MIN_LENGTH,
    VaultStatus,
    passphrase_change,
    vault_rotate,
    vault_status,
)

__all__ = [
    "MASK",
    "PASSPHRASE_MIN_LENGTH",
    "REVEAL_REFUSED",
    "HolderData",
    "VaultStatus",
    "account_delete",
    "auto_debit_set",
    "bank_add",
    "bank_update",
    "card_add",
    "card_update",
    "is_masked",
    "merchant_gateway",
    "passphrase_change",
    "payment_types_set",
    "reveal_number",
    "vault_rotate",
    "vault_status",
]
