"""Audit codes of email: what staff send, resend and change about templates."""

from clientdesk.audit.codes import AuditCode


class MailEvent(AuditCode):
    """What happens to the desk's email."""

    SEND = "mail.send", "Emailed client"
    RESEND = "mail.resend", "Resent email"
    TEMPLATE_UPDATE = "mail.template_update", "Edited email template"
    TEMPLATE_RESET = "mail.template_reset", "Restored email template"
