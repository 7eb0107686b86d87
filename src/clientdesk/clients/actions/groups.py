"""Writes to client groups."""

from clientdesk import audit
from clientdesk.clients.events import ClientEvent
from clientdesk.clients.models import ClientGroup, GroupColor


@audit.action(ClientEvent.GROUP_CREATE)
def client_group_create(
    *, actor: audit.Actor, name: str, color: str = GroupColor.GREY, description: str = ""
) -> ClientGroup:
    """Add a client group."""
    group = ClientGroup(name=" ".join(name.split()), color=color, description=description.strip())
    group.full_clean()
    group.save()
    audit.record(
        actor=actor,
        action=ClientEvent.GROUP_CREATE,
        target=group,
        changes=audit.diff({}, audit.snapshot(group, ["name", "color", "description"]), skip_empty=True),
    )
    return group
