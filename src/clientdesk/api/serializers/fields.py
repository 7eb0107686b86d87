"""Fields shared by the API's serializers, and how the schema shows them."""

from collections.abc import Callable, Sequence
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type, build_choice_field
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

type Choices = Sequence[str] | Sequence[tuple[str, str]]


class Text(serializers.CharField):
    """A string, checked for its shape only: what it must hold is the form's and the model's to say.

    `enum` (values, or a callable giving them) only documents the accepted values in the schema:
    checking them here would be a second rule, with other words than the desk's own.
    """

    def __init__(self, *, enum: Choices | Callable[[], Choices] = (), **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        self.enum = enum
        super().__init__(**kwargs)

    def choices(self) -> list[Any]:
        return list(self.enum() if callable(self.enum) else self.enum)


class ChildUrl(serializers.HyperlinkedIdentityField):
    """The URL of a row under its client, e.g. `/api/v1/clients/34/notes/12/` (`client_id`, then the row's pk)."""

    def __init__(self, view_name: str, *, lookup_url_kwarg: str, **kwargs: Any) -> None:
        super().__init__(view_name=view_name, lookup_url_kwarg=lookup_url_kwarg, **kwargs)

    def get_url(self, obj: Any, view_name: str, request: Any, format: str | None) -> str | None:  # noqa: A002
        kwargs = {"pk": obj.client_id, self.lookup_url_kwarg: obj.pk}
        return str(self.reverse(view_name, kwargs=kwargs, request=request, format=format))


class TextExtension(OpenApiSerializerFieldExtension):
    """Documents a Text field: a string, with its accepted values when it names them."""

    target_class = Text

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        choices = self.target.choices()
        if choices:  # as a ChoiceField of these choices shows (so the schema names one enum for both)
            return dict(build_choice_field(serializers.ChoiceField(choices=choices)))
        return dict(build_basic_type(OpenApiTypes.STR) or {"type": "string"})


class ProblemSerializer(serializers.Serializer[Any]):
    """An error: RFC 9457 problem details (`application/problem+json`)."""

    type = serializers.CharField(help_text="What kind of problem: `urn:clientdesk:problem:<name>`, or about:blank.")
    title = serializers.CharField(help_text="A short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What happened this time, in words.")
    errors = serializers.DictField(  # type: ignore[assignment]  # a field, not Serializer.errors
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages by field, keyed as the desk raised them (`email`, `phones.0.number`, `__all__`).",
    )
    current = serializers.DictField(
        required=False, help_text="Edit conflicts: the current values of the fields named in `errors`."
    )
    duplicates = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Duplicate clients: the clients with this email."
    )
