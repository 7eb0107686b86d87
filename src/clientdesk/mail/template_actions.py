"""Writes of the mail app's templates: edit one (checked in the sandbox), restore its default."""

from datetime import datetime

from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.mail import rendering
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.events import MailEvent
from clientdesk.mail.models import SUBJECT_MAX, EmailTemplate

FIELDS = ("subject", "html", "text", "active")


class TemplateChangedError(ValidationError):
    """Someone else saved the template after the form was loaded (the page answers 409)."""


def _lines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _save(*, actor: audit.Actor, template: EmailTemplate, code: MailEvent, values: dict[str, object]) -> EmailTemplate:
    """Write `values` to the (locked) template and record `code` with what changed; nothing when nothing did."""
    changes = audit.diff(audit.snapshot(template, FIELDS), {**audit.snapshot(template, FIELDS), **values})
    if not changes:
        audit.nothing_changed()
        return template
    for name, value in values.items():
        setattr(template, name, value)
    template.save(update_fields=[*values, "updated_at"])
    audit.record(actor=actor, action=code, target=template, changes=changes)
    return template


@audit.action(MailEvent.TEMPLATE_UPDATE)
def template_update(
    *,
    actor: audit.Actor,
    template: EmailTemplate,
    subject: str,
    html: str,
    text: str,
    active: bool,
    loaded_at: datetime | None = None,
) -> EmailTemplate:
    """Save a template's subject, HTML, text and active flag, refused when it does not render.

    The check renders the sample values in the strict sandbox and refuses what a template may not do
    and variables its documentation does not list; `loaded_at` (the `updated_at` the form was loaded
    with), when given, refuses a save over someone else's.
    """
    locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    if loaded_at is not None and locked.updated_at != loaded_at:
        raise TemplateChangedError(
            "Someone else saved this template after you opened it. Save again to replace their version with "
            "yours, or open the template again to see theirs.",
            code="conflict",
        )
    spec = SPECS[locked.action]
    subject, html, text = " ".join(subject.split()), _lines(html), _lines(text)
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = "Enter a subject."
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = f"Keep the subject to {SUBJECT_MAX} characters."
    if not html and not text:
        errors["text"] = "Write the email's text, its HTML, or both."
    errors = {
        **rendering.check(subject=subject, html=html, text=text, variables=spec.variables, sample=spec.sample),
        **errors,
    }
    if errors:
        raise ValidationError(errors)
    values: dict[str, object] = {"subject": subject, "html": html, "text": text, "active": active}
    return _save(actor=actor, template=locked, code=MailEvent.TEMPLATE_UPDATE, values=values)


@audit.action(MailEvent.TEMPLATE_RESET)
def template_reset(*, actor: audit.Actor, template: EmailTemplate) -> EmailTemplate:
    """Put a template back to the text installed by default (its active flag stays)."""
    locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    spec = SPECS[locked.action]
    values: dict[str, object] = {"subject": spec.subject, "html": default_html(locked.action), "text": spec.text}
    return _save(actor=actor, template=locked, code=MailEvent.TEMPLATE_RESET, values=values)
