"""Twenty staff members save the same client's edit form at the same moment: no update is lost.

Each opens the form, all before anyone saves; then all save at once from their own threads (own
browser, own database connection). Whatever the interleaving, at most one value lands per field,
every edit that landed is in the row, the others are refused by name, and the audit log is a chain.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.utils.html import escape

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Client
from clientdesk.clients.tests.test_edit_conflicts import edit_url, form_as_shown, signed_in, state_of

pytestmark = pytest.mark.django_db(transaction=True)

LABELS = {"city": "City", "postal_code": "Postal code", "phones": "Phone numbers"}


@dataclass(frozen=True)
class Edit:
    """One staff member's change: `field` of the client's state becomes `stored` once saved."""

    field: str
    stored: Any
    typed: str | None = None  # what is typed into the form, when not `stored` itself
    key: str = ""  # the form input, when not named `field`

    def form(self, shown: dict[str, str]) -> dict[str, str]:
        """The form as shown, with this edit made."""
        return {**shown, self.key or self.field: self.typed if self.typed is not None else str(self.stored)}


@dataclass(frozen=True)
class Outcome:
    """What one save answered."""

    edit: Edit
    status: int
    html: str


def save_all_at_once(staff: Any, client: Client, edits: Sequence[Edit]) -> list[Outcome]:
    """Open one edit form per edit, then save them all at the same moment, one thread each."""
    url = edit_url(client)
    browsers = [signed_in(staff) for _ in edits]
    forms = [edit.form(form_as_shown(web.get(url))) for edit, web in zip(edits, browsers, strict=True)]
    start = threading.Barrier(len(edits))
    outcomes: list[Outcome | None] = [None] * len(edits)

    def save(i: int) -> None:
        try:
            start.wait(timeout=30)
            response = browsers[i].post(url, forms[i])
            outcomes[i] = Outcome(edits[i], response.status_code, response.content.decode())
        except Exception as exc:  # a 500 raised by the test client: kept, and asserted on below
            outcomes[i] = Outcome(edits[i], 500, f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(edits))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a save never answered"
    done = [outcome for outcome in outcomes if outcome is not None]
    assert len(done) == len(edits)
    failed = [(o.edit, o.status, o.html[:300]) for o in done if o.status not in (302, 409)]
    assert failed == [], "every save answers 302 (saved) or 409 (refused); none fails or finds the database locked"
    return done


def assert_the_update_events_chain(client: Client, created: dict[str, Any]) -> list[dict[str, Any]]:
    """Each update event's "before" is what the previous event changing that field left (or the start)."""
    value = dict(created)
    events = [e.changes for e in AuditEvent.objects.filter(client_pk=client.pk, action="client.update").order_by("id")]
    for number, changes in enumerate(events):
        for field, (before, after) in changes.items():
            assert before == value[field], f"event {number} says {field} was {before!r}, but it was {value[field]!r}"
            value[field] = after
    assert value == state_of(client), "the events replayed from creation give the stored client"
    return events


def test_twenty_clashing_saves_land_one_value_per_field_and_refuse_the_rest_by_name(grace, billing):
    created = state_of(grace)
    edits = [
        *(Edit("city", f"Springfield {i}") for i in range(7)),
        *(Edit("postal_code", f"2230{i}") for i in range(7)),
        *(
            Edit("phones", [f"+1 202-555-011{i} (home phone)"], typed=f"(202) 555-011{i}", key="phones-0-number")
            for i in range(6)
        ),
    ]

    outcomes = save_all_at_once(billing, grace, edits)

    stored = state_of(grace)
    for field, label in LABELS.items():
        landed = [o.edit.stored for o in outcomes if o.edit.field == field and o.status == 302]
        assert len(landed) == 1, f"{field}: exactly one of the clashing saves lands, not {landed}"
        assert stored[field] == landed[0]
        shown = ", ".join(stored[field]) if isinstance(stored[field], list) else stored[field]
        message = escape(f"{label} was changed to “{shown}” by someone else after you opened this form.")
        refused = [o for o in outcomes if o.edit.field == field and o.status == 409]
        assert len(refused) == len([e for e in edits if e.field == field]) - 1
        assert all(message in o.html for o in refused), f"every refused {field} save names it and its value"
    assert stored == {**created, **{field: stored[field] for field in LABELS}}
    events = assert_the_update_events_chain(grace, created)
    assert sorted(field for changes in events for field in changes) == sorted(LABELS)


def test_twenty_saves_of_different_fields_all_land(grace, billing, make_group):
    created = state_of(grace)
    group = make_group("Resellers")
    edits = [
        Edit("first_name", "Amazing"),
        Edit("last_name", "Grace"),
        Edit("company", "Cobol Works"),
        Edit("title", "Rear Admiral"),
        Edit("email", "grace@navy.example"),
        Edit("address1", "1 Harbor Way"),
        Edit("address2", "Suite 5"),
        Edit("city", "Richmond"),
        Edit("state", "US-MD"),
        Edit("postal_code", "22202"),
        Edit("phones", ["+1 202-555-0199 (home phone)"], typed="(202) 555-0199", key="phones-0-number"),
        Edit("group", f"Resellers (#{group.pk})", typed=str(group.pk)),
        Edit("currency", "EUR"),
        Edit("language", "de"),
        Edit("tax_exempt", True, typed="on"),
        Edit("tax_id", "DE123456789"),
        Edit("invoice_method", "paper"),
        # The same value twice is no clash: both land, whichever saves second changes nothing.
        Edit("city", "Richmond"),
        Edit("title", "Rear Admiral"),
        Edit("currency", "EUR"),
    ]

    outcomes = save_all_at_once(billing, grace, edits)

    assert [o.status for o in outcomes] == [302] * len(edits)
    wanted = {edit.field: edit.stored for edit in edits}
    assert state_of(grace) == {**created, **wanted}
    events = assert_the_update_events_chain(grace, created)
    assert sorted(field for changes in events for field in changes) == sorted(wanted)
