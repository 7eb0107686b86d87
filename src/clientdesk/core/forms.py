"""Form rendering (Bootstrap markup) and mapping action errors back onto forms."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import TemplatesSetting


class BootstrapRenderer(TemplatesSetting):
    """Renders forms and fields with our Bootstrap templates."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
    formset_template_name = "components/formset.html"


def widget_css_class(widget: forms.Widget) -> str:
    """The Bootstrap class a widget's input wants."""
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


class StyledFormMixin:
    """Adds Bootstrap classes to every widget, and `is-invalid` to fields with errors."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def style_widgets(self) -> None:
        """Give every widget its Bootstrap class (again after fields were added; idempotent)."""
        for field in self.fields.values():
            css = widget_css_class(field.widget)
            existing = field.widget.attrs.get("class", "")
            if css not in existing.split():
                field.widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]  # the form class this is mixed into has it
        self._mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]  # the form class this is mixed into has it
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        for name in getattr(self, "_errors", None) or {}:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def apply_validation_error(
    error: ValidationError,
    form: forms.BaseForm,
    *,
    rows: Sequence[forms.BaseForm] = (),
    row_prefix: str = "",
) -> None:
    """Attach an action's ValidationError to the form fields it names.

    Keys like ``phones.2.number`` (``row_prefix`` = "phones") go to row 2 of `rows`;
    keys the form does not have become non-field errors.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        if row_prefix and key.startswith(f"{row_prefix}."):
            _, index, field = key.split(".", 2)
            row = rows[int(index)] if int(index) < len(rows) else None
            if row is not None:
                row.add_error(field if field in row.fields else None, messages)
                continue
        target = key if key in form.fields else None
        if key == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, messages if target else [f"{m}" for m in messages])
