"""Note factories, for every app's tests."""

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def make_note(db: Any, make_client: Callable[..., Any]) -> Callable[..., Any]:
    """Factory: a note made by the real action (so search text and audit are real), on a new client unless given."""
    from clientdesk.notes.actions import note_create

    counter = iter(range(1, 1_000_000))

    def make(
        *, client: Any = None, actor: Any = None, summary: str = "", details: str = "", sticky: bool = False
    ) -> Any:
        return note_create(
            actor=actor,
            client=client if client is not None else make_client(),
            summary=summary or f"Note {next(counter)}",
            details=details,
            sticky=sticky,
        )

    return make
