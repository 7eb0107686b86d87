"""Notes on clients."""

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from clientdesk.clients.models import Client
from clientdesk.clients.search import join_search_text, normalise

SUMMARY_MAX = 255


class Note(models.Model):
    """A note on a client, by a staff member or (no author) by the system; sticky ones top its profile."""

    # No index of its own: the (client, -created_at, -id) index below starts with it.
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="notes", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The staff member who wrote it; empty for notes written by the system.",
    )
    summary = models.CharField(max_length=SUMMARY_MAX, error_messages={"blank": "Enter a summary."})
    details = models.TextField(blank=True)
    sticky = models.BooleanField(default=False, help_text="Shown at the top of the client's profile.")
    created_at = models.DateTimeField("added", default=timezone.now)
    updated_at = models.DateTimeField("updated", auto_now=True)
    # The summary and details as the client search matches them (see `clients/search.py`), kept by
    # save(); its trigram and search-words indexes (PostgreSQL) make the notes a search source.
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            # The Notes widget and page: one client's notes, newest first.
            models.Index(fields=["client", "-created_at", "-id"], name="note_client_recent"),
            # The sticky notes at the top of the profile: a client's few sticky notes, last updated first.
            models.Index(
                fields=["client", "-updated_at", "-id"], condition=models.Q(sticky=True), name="note_client_sticky"
            ),
        )
        constraints = (models.CheckConstraint(condition=~models.Q(summary=""), name="note_summary_present"),)

    def __str__(self) -> str:
        return self.summary

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, with the search text made from the summary and details as they are now."""
        self.search_text = note_search_text(self.summary, self.details)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"summary", "details"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def author_name(self) -> str:
        """Who wrote the note as staff read it: the staff member, or "System"."""
        return str(self.author) if self.author_id is not None else "System"

    def tidy_text(self) -> None:
        """The summary on one line without outer spaces; the details as typed, less trailing whitespace.

        Line breaks of the details are kept, stored as "\\n" whatever the browser sent.
        """
        self.summary = " ".join((self.summary or "").split())
        self.details = (self.details or "").replace("\r\n", "\n").replace("\r", "\n").rstrip()

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Tidied before the fields are checked, so a summary of spaces is a blank one (refused: the
        # summary is required) and trailing spaces count against no limit.
        self.tidy_text()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """Tidy the text (see `tidy_text`), also when clean() is called on its own."""
        self.tidy_text()


def note_search_text(summary: str, details: str) -> str:
    """What the client search matches of a note: its summary and details, normalised, then its search words."""
    return join_search_text(normalise(part) for part in (summary, details) if part)
