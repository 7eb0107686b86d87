"""Audit codes of notes."""

from clientdesk.audit.codes import AuditCode


class NoteEvent(AuditCode):
    """What happens to a client's notes."""

    CREATE = "note.create", "Added note"
    UPDATE = "note.update", "Edited note"
    DELETE = "note.delete", "Deleted note"
    STICK = "note.stick", "Made note sticky"
    UNSTICK = "note.unstick", "Unstuck note"
