"""The mail app: what it declares to the rest of the desk."""

from clientdesk.core.contract import DeskApp, Role


class MailConfig(DeskApp):
    """Email: templates, the outbox and its worker, Email Client, the Mail Log and Resend."""

    name = "clientdesk.mail"
    label = "mail"
    verbose_name = "Email"
    role_permissions = {
        Role.BILLING: ["view_outboundemail", "add_outboundemail"],
        Role.SUPPORT: ["view_outboundemail", "add_outboundemail"],
        Role.READ_ONLY: ["view_outboundemail"],
    }
    mail_sender = "clientdesk.mail.outbox.send_template_mail"
    demo_after = ("clients",)
