"""The automatic emails: for each template, who receives it, the variables it may use, sample values
for the preview, and the text installed by default.

Templates see only these variables, all plain values (strings, and dicts of strings): never a
model, a queryset, settings or anything with methods worth calling.
"""

from dataclasses import dataclass, field
from typing import Any

from clientdesk.mail.models import TemplateAction

COMMON = {
    "company_name": "The company's name, as the desk shows it.",
    "desk_url": "The address of the staff desk.",
}
CLIENT = {
    "client.id_code": "The client's ID (for example 1500).",
    "client.name": "The client's name: the company, else the primary contact's name.",
    "contact.first_name": "The recipient contact's first name.",
    "contact.last_name": "The recipient contact's last name.",
    "contact.email": "The recipient contact's email address.",
}
SERVICE = {
    "service.name": "The service's package name.",
    "service.domain": "The service's domain or label.",
    "service.status": "The service's status after the change.",
}
INVOICE = {
    "invoice.number": "The invoice number.",
    "invoice.total": "The total with its currency (for example $12.00).",
    "invoice.due_date": "The date the invoice is due.",
    "invoice.url": "A link to the invoice.",
}
PAYMENT = {
    "payment.amount": "The amount paid with its currency.",
    "payment.method": "How it was paid (for example Visa ending 4242).",
    "payment.date": "The date of the payment.",
    "payment.reference": "The payment's reference.",
}
TICKET = {
    "ticket.code": "The ticket's number.",
    "ticket.subject": "The ticket's subject.",
    "ticket.status": "The ticket's status.",
    "ticket.message": "The latest message on the ticket (plain text).",
}
STAFF = {
    "staff.full_name": "The staff member's name.",
    "staff.email": "The staff member's email address.",
    "link": "The single-use link to follow.",
    "link_expires": "When the link stops working.",
}

SAMPLE_CLIENT: dict[str, Any] = {
    "company_name": "Clientdesk",
    "desk_url": "https://desk.example.com/",
    "client": {"id_code": "1500", "name": "Acme Hosting Ltd"},
    "contact": {"first_name": "Grace", "last_name": "Hopper", "email": "grace@acme.example"},
}


@dataclass(frozen=True)
class TemplateSpec:
    """What one automatic email is: its recipients, its variables and sample values, and its default text."""

    recipients: str
    variables: dict[str, str]
    sample: dict[str, Any]
    subject: str
    text: str
    html: str = ""
    client_mail: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def _html(text: str) -> str:
    """The default HTML of a default text: each paragraph a <p>, lines kept with <br>."""
    paragraphs = [p.strip() for p in text.strip().split("\n\n") if p.strip()]
    return "\n".join("<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paragraphs)


GREETING = "Hello {{ contact.first_name }},"
SIGN_OFF = "Kind regards,\n{{ company_name }}"

SPECS: dict[str, TemplateSpec] = {
    TemplateAction.ACCOUNT_WELCOME: TemplateSpec(
        recipients="The client's primary contact, when the client is added with “Send a welcome email” ticked.",
        variables={**COMMON, **CLIENT},
        sample=SAMPLE_CLIENT,
        subject="Welcome to {{ company_name }}",
        text=f"{GREETING}\n\nYour account with us is ready. Your client ID is {{{{ client.id_code }}}}: quote it "
        f"whenever you get in touch.\n\n{SIGN_OFF}",
    ),
    TemplateAction.SERVICE_CREATED: TemplateSpec(
        recipients="The client's primary contact.",
        variables={**COMMON, **CLIENT, **SERVICE},
        sample={
            **SAMPLE_CLIENT,
            "service": {"name": "Shared Hosting Pro", "domain": "acme.example", "status": "Active"},
        },
        subject="Your new service: {{ service.name }}",
        text=f"{GREETING}\n\nYour service {{{{ service.name }}}} ({{{{ service.domain }}}}) is set up and "
        f"active.\n\n{SIGN_OFF}",
    ),
    TemplateAction.SERVICE_SUSPENDED: TemplateSpec(
        recipients="The client's primary contact.",
        variables={**COMMON, **CLIENT, **SERVICE},
        sample={
            **SAMPLE_CLIENT,
            "service": {"name": "Shared Hosting Pro", "domain": "acme.example", "status": "Suspended"},
        },
        subject="Service suspended: {{ service.name }}",
        text=f"{GREETING}\n\nYour service {{{{ service.name }}}} ({{{{ service.domain }}}}) has been suspended. "
        f"Please get in touch to have it restored.\n\n{SIGN_OFF}",
    ),
    TemplateAction.SERVICE_UNSUSPENDED: TemplateSpec(
        recipients="The client's primary contact.",
        variables={**COMMON, **CLIENT, **SERVICE},
        sample={
            **SAMPLE_CLIENT,
            "service": {"name": "Shared Hosting Pro", "domain": "acme.example", "status": "Active"},
        },
        subject="Service restored: {{ service.name }}",
        text=f"{GREETING}\n\nYour service {{{{ service.name }}}} ({{{{ service.domain }}}}) is active "
        f"again.\n\n{SIGN_OFF}",
    ),
    TemplateAction.SERVICE_CANCELLED: TemplateSpec(
        recipients="The client's primary contact.",
        variables={**COMMON, **CLIENT, **SERVICE},
        sample={
            **SAMPLE_CLIENT,
            "service": {"name": "Shared Hosting Pro", "domain": "acme.example", "status": "Cancelled"},
        },
        subject="Service cancelled: {{ service.name }}",
        text=f"{GREETING}\n\nYour service {{{{ service.name }}}} ({{{{ service.domain }}}}) has been "
        f"cancelled.\n\n{SIGN_OFF}",
    ),
    TemplateAction.INVOICE_DELIVERY: TemplateSpec(
        recipients="The client's billing contacts, else its primary contact.",
        variables={**COMMON, **CLIENT, **INVOICE},
        sample={
            **SAMPLE_CLIENT,
            "invoice": {
                "number": "INV-1042",
                "total": "$120.00",
                "due_date": "Dec 1, 2026",
                "url": "https://desk.example.com/invoices/1042/",
            },
        },
        subject="Invoice {{ invoice.number }}",
        text=f"{GREETING}\n\nInvoice {{{{ invoice.number }}}} for {{{{ invoice.total }}}} is due on "
        f"{{{{ invoice.due_date }}}}.\n\n{{{{ invoice.url }}}}\n\n{SIGN_OFF}",
    ),
    TemplateAction.PAYMENT_RECEIPT: TemplateSpec(
        recipients="The client's billing contacts, else its primary contact.",
        variables={**COMMON, **CLIENT, **PAYMENT},
        sample={
            **SAMPLE_CLIENT,
            "payment": {
                "amount": "$120.00",
                "method": "Visa ending 4242",
                "date": "Nov 25, 2026",
                "reference": "TX-88",
            },
        },
        subject="Payment received: {{ payment.amount }}",
        text=f"{GREETING}\n\nThank you: we received {{{{ payment.amount }}}} by {{{{ payment.method }}}} on "
        f"{{{{ payment.date }}}} (reference {{{{ payment.reference }}}}).\n\n{SIGN_OFF}",
    ),
    TemplateAction.TICKET_OPENED: TemplateSpec(
        recipients="The client's primary contact.",
        variables={**COMMON, **CLIENT, **TICKET},
        sample={
            **SAMPLE_CLIENT,
            "ticket": {"code": "482913", "subject": "Mail not arriving", "status": "Open", "message": "Hello…"},
        },
        subject="[Ticket {{ ticket.code }}] {{ ticket.subject }}",
        text=f"{GREETING}\n\nWe opened ticket {{{{ ticket.code }}}} for you:\n\n{{{{ ticket.message }}}}\n\n{SIGN_OFF}",
    ),
    TemplateAction.TICKET_UPDATED: TemplateSpec(
        recipients="The client's primary contact.",
        variables={**COMMON, **CLIENT, **TICKET},
        sample={
            **SAMPLE_CLIENT,
            "ticket": {
                "code": "482913",
                "subject": "Mail not arriving",
                "status": "Awaiting reply",
                "message": "We fixed…",
            },
        },
        subject="[Ticket {{ ticket.code }}] {{ ticket.subject }}",
        text=f"{GREETING}\n\nTicket {{{{ ticket.code }}}} has a new reply:\n\n{{{{ ticket.message }}}}\n\n{SIGN_OFF}",
    ),
    TemplateAction.STAFF_INVITATION: TemplateSpec(
        recipients="The new staff member, when an Admin adds them under Settings → Staff.",
        variables={**COMMON, **STAFF},
        sample={
            "company_name": "Clientdesk",
            "desk_url": "https://desk.example.com/",
            "staff": {"full_name": "Ann Lee", "email": "ann@example.com"},
            "link": "https://desk.example.com/accounts/password/set/MQ/abc-123/",
            "link_expires": "Nov 28, 2026, 6:00 p.m.",
        },
        client_mail=False,
        subject="Your {{ company_name }} staff account",
        text="Hello {{ staff.full_name }},\n\nAn account on the {{ company_name }} staff desk was made for you. "
        "Choose your password here (the link works once, until {{ link_expires }}):\n\n{{ link }}\n\n"
        "Then sign in at {{ desk_url }} with {{ staff.email }}.",
    ),
    TemplateAction.STAFF_PASSWORD_RESET: TemplateSpec(
        recipients="The staff member who asked for a new password on the sign-in page.",
        variables={**COMMON, **STAFF},
        sample={
            "company_name": "Clientdesk",
            "desk_url": "https://desk.example.com/",
            "staff": {"full_name": "Ann Lee", "email": "ann@example.com"},
            "link": "https://desk.example.com/accounts/password/reset/MQ/abc-123/",
            "link_expires": "Nov 26, 2026, 6:00 p.m.",
        },
        client_mail=False,
        subject="Reset your {{ company_name }} password",
        text="Hello {{ staff.full_name }},\n\nSomeone (we hope you) asked to reset the password of your staff "
        "account. Choose a new one here (the link works once, until {{ link_expires }}):\n\n{{ link }}\n\n"
        "If you did not ask, ignore this email: your password stays as it is.",
    ),
}


def default_html(action: str) -> str:
    """The HTML installed by default for a template: its text, as paragraphs."""
    spec = SPECS[action]
    return spec.html or _html(spec.text)
