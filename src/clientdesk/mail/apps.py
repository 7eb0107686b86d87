"""The mail app: what it declares to the rest of the desk."""

from clientdesk.core.contract import AccountAction, DeskApp, MenuItem, ProfileWidget, Role


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
    profile_widgets = [
        ProfileWidget(
            name="emails",
            title="Mail log",
            url_name="mail:client_emails",
            permission="mail.view_outboundemail",
            column="main",
            order=80,
            link_label="All email",
            link_url_name="mail:email_list",
        )
    ]
    account_actions = [
        AccountAction(label="Email client", url_name="mail:email_send", permission="mail.add_outboundemail", order=60),
        AccountAction(label="Mail log", url_name="mail:email_list", permission="mail.view_outboundemail", order=65),
    ]
    menu = [
        MenuItem(label="Mail log", url_name="mail:mail_log", permission="mail.view_outboundemail", order=300),
        MenuItem(
            label="Email templates",
            url_name="mail_templates:emailtemplate_list",
            permission="mail.change_emailtemplate",
            order=920,
        ),
    ]
    mail_sender = "clientdesk.mail.outbox.send_template_mail"
    demo_seeder = "clientdesk.mail.demo.seed"
    demo_after = ("clients",)
