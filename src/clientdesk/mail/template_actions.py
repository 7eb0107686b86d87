"""Writes of the mail app's templates: edit one (checked in the sandbox), restore its default."""

from datetime import datetime

from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.mail import rendering
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.events import MailEvent
from clientdesk.mail.models import SUBJECT_MAX, EmailTemplate


def _template_changes(
    template: EmailTemplate, subject: str, html: str, text: str, active: bool
) -> dict[str, list[object]]:
    changes: dict[str, list[object]] = {}
    if template.subject != subject:
        changes["subject"] = [template.subject, subject]
    for name, new in (("html", html), ("text", text)):
        if getattr(template, name) != new:
            changes[name] = ["(changed)", "(changed)"]
    if template.active != active:
        changes["active"] = [template.active, active]
    return changes


class TemplateChangedError(ValidationError):
    """Someone else saved the template after the form was loaded (the page answers 409)."""


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

    The check renders the sample values in the strict sandbox and refuses variables the template's
    documentation does not list; `loaded_at`, when given, refuses a save over someone else's.
    """
    locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    if loaded_at is not None and locked.updated_at > loaded_at:
        raise TemplateChangedError(
            "Someone else saved this template after you opened it: reload to see their version.", code="conflict"
        )
    spec = SPECS[locked.action]
    subject = " ".join(subject.split())
    html = html.replace("\r\n", "\n").strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
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
    changes = _template_changes(locked, subject, html, text, active)
    if not changes:
        audit.nothing_changed()
        return locked
    locked.subject, locked.html, locked.text, locked.active = subject, html, text, active
    locked.save()
    audit.record(actor=actor, action=MailEvent.TEMPLATE_UPDATE, target=locked, changes=changes)
    return locked


@audit.action(MailEvent.TEMPLATE_RESET)
def template_reset(*, actor: audit.Actor, template: EmailTemplate) -> EmailTemplate:
    """Put a template back to the text installed by default (its active flag stays)."""
    locked = EmailTemplate.objects.select_for_update().get(pk=template.pk)
    spec = SPECS[locked.action]
    changes = _template_changes(locked, spec.subject, default_html(locked.action), spec.text, locked.active)
    if not changes:
        audit.nothing_changed()
        return locked
    locked.subject, locked.html, locked.text = spec.subject, default_html(locked.action), spec.text
    locked.save()
    audit.record(actor=actor, action=MailEvent.TEMPLATE_RESET, target=locked, changes=changes)
    return locked
