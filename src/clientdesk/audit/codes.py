"""Audit codes: every app names the events it records in an enum of its own.

    class ClientEvent(AuditCode):
        CREATE = "client.create", "Added client"

The value is what is stored; the label is what the History view shows. `label_for` finds the label
of any code of any app, so the audit app needs to know no app by name.
"""

from django.db import models


class AuditCode(models.TextChoices):
    """Base of the apps' audit-code enums (it holds no codes itself)."""


def _all_codes(base: type[AuditCode]) -> dict[str, str]:
    found: dict[str, str] = {}
    for enum in base.__subclasses__():
        found.update({member.value: str(member.label) for member in enum})
        found.update(_all_codes(enum))
    return found


def labels() -> dict[str, str]:
    """Every declared code and its label (each app's `events` module is imported when it loads)."""
    return _all_codes(AuditCode)


def label_for(code: str) -> str:
    """The words for a stored code; the code itself when no app declares it (any more)."""
    return labels().get(code, code)
