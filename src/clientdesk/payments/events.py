"""Audit codes of payment accounts."""

from clientdesk.audit.codes import AuditCode


class PaymentEvent(AuditCode):
    """What happens to a client's payment accounts and the vault."""

    ADD = "payment.add", "Added payment account"
    UPDATE = "payment.update", "Edited payment account"
    DELETE = "payment.delete", "Deleted payment account"
    AUTO_DEBIT = "payment.auto_debit", "Changed auto-debit account"
    TYPES = "payment.types", "Changed accepted payment types"
    REVEAL = "payment.reveal", "Revealed account number"
    REVEAL_REFUSED = "payment.reveal_refused", "Refused to reveal account number"
    PASSPHRASE = "payment.passphrase", "Changed the encryption passphrase"
    ROTATE = "payment.rotate", "Rotated the vault's key pair"
