"""Writes to the company's custom contact types (Settings → Contact types)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clientdesk import audit
from clientdesk.clients.events import ClientEvent
from clientdesk.clients.models import CustomContactType


def _save(contact_type: CustomContactType) -> None:
    """Save; a name someone else took since the check is refused like one taken before (not a 500)."""
    try:
        with transaction.atomic():
            contact_type.save()
    except IntegrityError:
        raise ValidationError(
            {"name": f"There is already a contact type named “{contact_type.name}”."}, code="unique"
        ) from None


@audit.action(ClientEvent.CONTACT_TYPE_CREATE)
def contact_type_create(*, actor: audit.Actor, name: str) -> CustomContactType:
    """Add a contact type (Technical, Sales…)."""
    contact_type = CustomContactType(name=name)
    contact_type.full_clean()
    _save(contact_type)
    audit.record(
        actor=actor,
        action=ClientEvent.CONTACT_TYPE_CREATE,
        target=contact_type,
        changes={"name": [None, contact_type.name]},
    )
    return contact_type


@audit.action(ClientEvent.CONTACT_TYPE_RENAME)
def contact_type_rename(*, actor: audit.Actor, contact_type: CustomContactType, name: str) -> CustomContactType:
    """Rename a contact type; its contacts keep it."""
    locked = CustomContactType.objects.select_for_update().get(pk=contact_type.pk)
    before = locked.name
    locked.name = name
    locked.full_clean()
    if locked.name == before:
        audit.nothing_changed()
        return locked
    _save(locked)
    audit.record(
        actor=actor, action=ClientEvent.CONTACT_TYPE_RENAME, target=locked, changes={"name": [before, locked.name]}
    )
    return locked


@audit.action(ClientEvent.CONTACT_TYPE_DELETE)
def contact_type_delete(*, actor: audit.Actor, contact_type: CustomContactType) -> int:
    """Delete a contact type; its contacts stay, as untyped "other" contacts. Returns how many there were."""
    locked = CustomContactType.objects.select_for_update().get(pk=contact_type.pk)
    count = locked.contacts.count()
    pk = locked.pk
    locked.delete()  # contacts.custom_type is SET NULL
    locked.pk = pk
    audit.record(
        actor=actor,
        action=ClientEvent.CONTACT_TYPE_DELETE,
        target=locked,
        changes={"name": [locked.name, None], "contacts": [count, None]},
    )
    return count
