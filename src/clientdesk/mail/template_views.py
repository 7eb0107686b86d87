"""Settings → Email templates: the list, the edit page with its preview, and Restore default (Admin only)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientdesk.accounts.requests import StaffRequest
from clientdesk.core.access import permission_required
from clientdesk.core.forms import apply_validation_error
from clientdesk.core.http import is_htmx
from clientdesk.mail import html as mail_html
from clientdesk.mail import rendering
from clientdesk.mail.catalog import SPECS, TemplateSpec, default_html
from clientdesk.mail.models import EmailTemplate
from clientdesk.mail.template_actions import TemplateChangedError, template_reset, template_update
from clientdesk.mail.template_forms import EmailTemplateForm

PERMISSION = "mail.change_emailtemplate"
FORM = "mail/emailtemplate_form.html"
# The preview's HTML is a document of its own in a sandboxed frame: no scripts, no same-origin access.
PREVIEW_DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Preview</title></head><body>{}</body></html>'
)


def _template(action: str) -> EmailTemplate:
    """The template of `action`: 404 for an action the desk does not know."""
    if action not in SPECS:
        raise Http404("No such email template.")
    return get_object_or_404(EmailTemplate, action=action)


def _sample_values(sample: dict[str, Any], prefix: str = "") -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in sample.items():
        if isinstance(value, dict):
            values.update(_sample_values(value, f"{prefix}{key}."))
        else:
            values[f"{prefix}{key}"] = str(value)
    return values


def _variables(spec: TemplateSpec) -> list[dict[str, str]]:
    """The documented variables as the edit page lists them: how to write each, what it is, the preview's value."""
    sample = _sample_values(spec.sample)
    return [
        {"name": name, "tag": f"{{{{ {name} }}}}", "description": description, "sample": sample.get(name, "")}
        for name, description in spec.variables.items()
    ]


def _form_page(
    request: HttpRequest, template: EmailTemplate, form: EmailTemplateForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    spec = SPECS[template.action]
    context = {
        "template": template,
        "spec": spec,
        "form": form,
        "variables": _variables(spec),
        "filters": sorted(rendering.FILTERS),
        **extra,
    }
    return render(request, FORM, context, status=status)


@require_GET
@permission_required(PERMISSION)
def emailtemplate_list(request: HttpRequest) -> HttpResponse:
    """Settings → Email templates: every automatic email, who receives it, whether it is sent, when it last changed."""
    order = list(SPECS)
    templates = sorted(EmailTemplate.objects.filter(action__in=order), key=lambda t: order.index(t.action))
    rows = [{"template": t, "recipients": SPECS[t.action].recipients} for t in templates]
    return render(request, "mail/emailtemplate_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@permission_required(PERMISSION)
def emailtemplate_edit(request: StaffRequest, action: str) -> HttpResponse:
    """Edit a template: subject, HTML, text and active, checked in the sandbox when saved."""
    template = _template(action)
    if request.method == "GET":
        return _form_page(request, template, EmailTemplateForm(initial=EmailTemplateForm.initial_for(template)))
    form = EmailTemplateForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = template_update(
                actor=request.user,
                template=template,
                subject=data["subject"],
                html=data["html"],
                text=data["text"],
                active=data["active"],
                loaded_at=data["loaded_at"],
            )
        except TemplateChangedError as exc:
            # Shown their save's time, the staff member may save theirs over it on purpose.
            template.refresh_from_db()
            posted = request.POST.copy()
            posted["loaded_at"] = template.updated_at.isoformat()
            form = EmailTemplateForm(posted)
            form.is_valid()
            apply_validation_error(exc, form)
            status = 409
        except ValidationError as exc:
            apply_validation_error(exc, form)
        else:
            if saved.updated_at == template.updated_at:
                messages.info(request, f"No changes to save in the “{saved}” email.")
            else:
                messages.success(request, f"The “{saved}” email was saved.")
            return redirect("mail_templates:emailtemplate_list")
    return _form_page(request, template, form, status=status)


@require_POST
@permission_required(PERMISSION)
def emailtemplate_preview(request: StaffRequest, action: str) -> HttpResponse:
    """The form's current content rendered with the sample values: in place for htmx, else the edit page with it."""
    template = _template(action)
    spec = SPECS[template.action]
    form = EmailTemplateForm(request.POST, preview=True)
    form.is_valid()
    subject, html, text = (str(form.data.get(name, "")) for name in ("subject", "html", "text"))
    errors = rendering.check(subject=subject, html=html, text=text, variables=spec.variables, sample=spec.sample)
    preview: dict[str, Any] = {"errors": [(form[name].label, message) for name, message in errors.items()]}
    if not errors:
        try:
            rendered = rendering.render(subject=subject, html=html, text=text, context=spec.sample, strict=True)
        except rendering.TemplateRenderError as exc:
            preview["errors"] = [("", str(exc))]
        else:
            preview.update(
                rendered=rendered,
                document=PREVIEW_DOCUMENT.format(rendered.html) if rendered.html else "",
                removed=mail_html.removed(rendering.render_part(html, spec.sample, html=True, strict=True)),
            )
    if is_htmx(request):
        return render(request, f"{FORM}#preview", {"template": template, "preview": preview})
    return _form_page(request, template, form, preview=preview)


@require_http_methods(["GET", "POST"])
@permission_required(PERMISSION)
def emailtemplate_reset(request: StaffRequest, action: str) -> HttpResponse:
    """Restore default: put the template back to the text installed with the desk, after a confirmation page."""
    template = _template(action)
    if request.method == "POST":
        template_reset(actor=request.user, template=template)
        messages.success(request, f"The “{template}” email is back to its default text.")
        return redirect("mail_templates:emailtemplate_edit", action=template.action)
    spec = SPECS[template.action]
    context = {"template": template, "spec": spec, "default_html": default_html(template.action)}
    return render(request, "mail/emailtemplate_confirm_reset.html", context)
