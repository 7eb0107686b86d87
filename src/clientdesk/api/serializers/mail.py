"""A client's email (its Mail Log) and the email templates, in and out of the API.

Out: a Mail Log row (never the bodies: their start, as a one-line summary), a whole email (its
bodies; the HTML sanitised, as the page serves it; none at all for staff mail, which carries a
sign-in link), a template with the variables it may use and who receives it. Never the worker's
lease. In: the shape of Email Client, Resend and a template edit only; what the values must be is
checked by the page's EmailForm and the actions.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clientdesk.api.serializers.clients import StrictSerializer
from clientdesk.api.serializers.fields import ChildUrl, Text
from clientdesk.mail import html as mail_html
from clientdesk.mail import queries
from clientdesk.mail.catalog import SPECS
from clientdesk.mail.models import EmailTemplate, MailStatus, TemplateAction
from clientdesk.mail.queries import HEAD_CHARS

SUMMARY_CHARS = 80
HIDDEN_BODY = "Carries a single-use sign-in link: its bodies are never shown, to anyone."


def summary(head: str) -> str:
    """The start of a text body on one line, as the Mail Log lists it (the model's `summary`, from a row's `head`)."""
    words = " ".join(head.split())
    return words if len(words) <= SUMMARY_CHARS else words[: SUMMARY_CHARS - 1].rstrip() + "…"


class TemplateActionField(serializers.ChoiceField):
    """Which automatic email this is; null for an email staff wrote."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=TemplateAction.choices, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


class MailSenderSerializer(serializers.Serializer[Any]):
    """The staff member who wrote an email or whose action sent it."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__", help_text="Their full name (their email when they have none).")


class MailLogRowSerializer(serializers.Serializer[Any]):
    """An email as a client's Mail Log lists it."""

    id = serializers.IntegerField()
    url = ChildUrl("api:v1:client-email-detail", lookup_url_kwarg="email_id")
    queued_at = serializers.DateTimeField(help_text="When it was written to the outbox.")
    sent_at = serializers.DateTimeField(allow_null=True, help_text="When the mail server took it; null until then.")
    status = serializers.ChoiceField(
        choices=MailStatus.choices,
        help_text="`queued` (waiting, or retried later after a temporary failure), `sending`, `sent`, `failed` "
        "(given up: see `last_error`), `unknown` (the worker stopped while sending it: it may have gone out).",
    )
    attempts = serializers.IntegerField(help_text="How many times sending it was tried.")
    last_error = serializers.CharField(help_text="Why the last attempt failed (empty when none did).")
    template_action = TemplateActionField(help_text="The automatic email this is; null for one staff wrote.")
    from_name = serializers.CharField()
    from_email = serializers.EmailField()
    to = serializers.ListField(child=serializers.CharField())
    subject = serializers.CharField()
    summary = serializers.SerializerMethodField(help_text="The text body's start, on one line.")
    resent_from = serializers.IntegerField(
        source="resent_from_id", allow_null=True, help_text="The id of the email this one sent again."
    )

    def get_summary(self, email: Any) -> str:
        return summary(getattr(email, "head", None) or "")


class EmailSerializer(MailLogRowSerializer):
    """One email of a client, whole."""

    sent_by = MailSenderSerializer(allow_null=True, help_text="Null for the system's own mail.")
    cc = serializers.ListField(child=serializers.CharField())
    bcc = serializers.ListField(child=serializers.CharField())
    text_body = serializers.SerializerMethodField(help_text="The plain-text part.")
    html_body = serializers.SerializerMethodField(
        help_text="The HTML part, sanitised (no scripts, styles, forms or remote images); empty for a text-only email."
    )
    body_hidden = serializers.SerializerMethodField(help_text=f"True for staff mail: {HIDDEN_BODY}")
    message_id = serializers.CharField(help_text="Its Message-ID header.")

    def get_summary(self, email: Any) -> str:
        return "" if queries.body_hidden(email) else summary(email.text_body[:HEAD_CHARS])

    def get_text_body(self, email: Any) -> str:
        return "" if queries.body_hidden(email) else str(email.text_body)

    def get_html_body(self, email: Any) -> str:
        # Sanitised again on the way out, as the page serves it, should the rules have tightened since.
        return "" if queries.body_hidden(email) else mail_html.sanitize(email.html_body)

    def get_body_hidden(self, email: Any) -> bool:
        return queries.body_hidden(email)


def _addresses(help_text: str, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=Text(), help_text=help_text, **kwargs)


class EmailSendSerializer(StrictSerializer):
    """Email Client: to whom, from whom, the subject and the message (HTML, text or both)."""

    to = _addresses("One or more addresses (`Name <address>` is read as the address).", required=True)
    cc = _addresses("Copied to.", required=False)
    bcc = _addresses("Copied to, unseen by the others.", required=False)
    from_name = Text(required=False, help_text="Default: the token's owner's name.")
    from_email = Text(required=False, help_text="Default: the token's owner's email.")
    subject = Text(required=True, help_text="One line.")
    html = Text(
        required=False,
        help_text="The message as HTML; sanitised before it is stored or sent (scripts, styles, forms and remote "
        "images never survive).",
    )
    text = Text(required=False, help_text="The plain-text part; left empty, it is made from the HTML.")


class EmailResendSerializer(EmailSendSerializer):
    """Resend: the logged email again, as a new one; every field left out is the original's."""

    to = _addresses("Default: the original's To addresses.", required=False)
    subject = Text(required=False, help_text="Default: the original's.")
    cc = _addresses("Default: the original's.", required=False)
    bcc = _addresses("Default: the original's.", required=False)
    from_name = Text(required=False, help_text="Default: the original's.")
    from_email = Text(required=False, help_text="Default: the original's.")
    html = Text(required=False, help_text="Default: the original's (sanitised again).")
    text = Text(
        required=False,
        help_text="Default: the original's, or made from the HTML again when the original's was made from it.",
    )


class TemplateVariableSerializer(serializers.Serializer[Any]):
    """A variable a template may use, written `{{ name }}`."""

    name = serializers.CharField(help_text="E.g. `client.name`.")
    description = serializers.CharField()


class EmailTemplateRowSerializer(serializers.Serializer[Any]):
    """An automatic email's template, as Settings → Email templates lists it."""

    action = serializers.ChoiceField(choices=TemplateAction.choices, help_text="Which automatic email it is.")
    url = serializers.HyperlinkedIdentityField(
        view_name="api:v1:email-template-detail", lookup_field="action", lookup_url_kwarg="action"
    )
    name = serializers.CharField(source="__str__")
    subject = serializers.CharField(help_text="A template (Jinja2 syntax) of one line.")
    active = serializers.BooleanField(help_text="Switched off, this email is not sent at all.")
    updated_at = serializers.DateTimeField()


class EmailTemplateSerializer(EmailTemplateRowSerializer):
    """A template whole: its parts, who receives it and the variables it may use."""

    html = serializers.CharField(help_text="The HTML part (Jinja2 syntax; values are escaped, the result sanitised).")
    text = serializers.CharField(help_text="The text part; when empty, the text is made from the rendered HTML.")
    recipients = serializers.SerializerMethodField(help_text="Who receives it, and when it is sent.")
    variables = serializers.SerializerMethodField(help_text="The only variables it may use.")

    def get_recipients(self, template: EmailTemplate) -> str:
        return SPECS[template.action].recipients

    @extend_schema_field(TemplateVariableSerializer(many=True))
    def get_variables(self, template: EmailTemplate) -> list[dict[str, str]]:
        return [{"name": name, "description": text} for name, text in SPECS[template.action].variables.items()]


class EmailTemplateEditSerializer(StrictSerializer):
    """Edit template: only the fields sent are changed."""

    subject = Text(required=False, help_text="One line; the template's variables may be used.")
    html = Text(required=False)
    text = Text(required=False)
    active = serializers.BooleanField(required=False, help_text="Switched off, this email is not sent at all.")


class NoBodySerializer(StrictSerializer):
    """Nothing to send: an empty object (or no body)."""
