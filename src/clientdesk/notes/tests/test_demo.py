import random

import pytest

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.queries import client_search
from clientdesk.core.contract import DemoContext, demo_order
from clientdesk.notes import demo
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db


def context(size, said):
    return DemoContext(size=size, rng=random.Random(1500), say=said.append, login=("ada@staff.test", "x"))


def test_the_notes_seeder_runs_after_the_clients_seeder():
    labels = [app.label for app in demo_order()]
    assert labels.index("clients") < labels.index("notes")


def test_the_demo_writes_notes_through_the_action_once(make_client, admin):
    clients = [make_client() for _ in range(15)]
    said: list[str] = []
    demo.seed(context(15, said))
    notes = Note.objects.all()
    assert notes.count() > 15
    assert notes.filter(sticky=True).exists()
    assert notes.filter(sticky=False).exists()
    assert notes.filter(author=admin).exists()
    system = notes.filter(author=None)
    assert system.count() == 3  # clients 0, 7 and 14
    assert system.filter(summary="Auto debit disabled for payment account.", client=clients[0], sticky=True).exists()
    assert AuditEvent.objects.filter(action="note.create").count() == notes.count()
    # Found by the search, like any note.
    assert clients[0] in client_search("auto debit disabled")

    demo.seed(context(15, said))
    assert Note.objects.count() == notes.count()
    assert said[-1] == f"Keeping the {notes.count()} notes already here."
