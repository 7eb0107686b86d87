"""Writes of payments: accounts (add, edit, delete, auto-debit, accepted types, reveal) and the vault."""

from clientdesk.payments.actions.accounts import (
    MASK,
    REVEAL_REFUSED,
    HolderData,
    account_delete,
    auto_debit_set,
    bank_add,
    bank_update,
    card_add,
    card_update,
    is_masked,
    merchant_gateway,
    payment_types_set,
    reveal_number,
)

__all__ = [
    "MASK",
    "REVEAL_REFUSED",
    "HolderData",
    "account_delete",
    "auto_debit_set",
    "bank_add",
    "bank_update",
    "card_add",
    "card_update",
    "is_masked",
    "merchant_gateway",
    "payment_types_set",
    "reveal_number",
]
