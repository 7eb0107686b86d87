import json
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command

from bench.measure import API_CASES, PAGE_CASES, SEARCH_CASES
from clientdesk.clients import queries
from clientdesk.clients.models import Client, Contact, ContactType, IdSequence, PhoneNumber
from clientdesk.clients.phones import search_digits
from clientdesk.clients.search import build_search_text
from clientdesk.notes.models import Note, note_search_text

pytestmark = pytest.mark.django_db


def bench(*args: str) -> str:
    out = StringIO()
    call_command("bench", *args, stdout=out)
    return out.getvalue()


def test_seed_adds_clients_with_two_contacts_and_their_numbers():
    out = bench("seed", "--clients", "30", "--batch", "7")
    assert "Seeded 30 clients" in out
    assert Client.objects.count() == 30
    assert Contact.objects.count() == 60
    assert Contact.objects.filter(contact_type=ContactType.PRIMARY).count() == 30
    assert set(Contact.objects.exclude(contact_type=ContactType.PRIMARY).values_list("contact_type", flat=True)) <= {
        ContactType.BILLING,
        ContactType.OTHER,
    }
    for contact in Contact.objects.prefetch_related("phone_numbers"):
        assert 1 <= len(contact.phone_numbers.all()) <= 2
    assert 60 <= PhoneNumber.objects.count() <= 120


def test_seeded_clients_hold_what_the_app_would_store():
    bench("seed", "--clients", "30")
    for client in Client.objects.all():
        contacts = list(Contact.objects.filter(client=client).prefetch_related("phone_numbers"))
        assert client.search_text == build_search_text(client.id_code, contacts)
        primary = next(c for c in contacts if c.contact_type == ContactType.PRIMARY)
        assert (client.name, client.email, client.company, client.country) == (
            primary.full_name,
            primary.email,
            primary.company,
            primary.country,
        )
        assert client.id_code == client.id_format.replace("{num}", str(client.id_value))
        for contact in contacts:
            contact.full_clean(exclude=["client"])
            for phone in contact.phone_numbers.all():
                parsed = phonenumbers.parse(phone.number)
                assert phonenumbers.is_valid_number(parsed), phone.number
                assert phonenumbers.region_code_for_number(parsed) == contact.country
                assert search_digits(phone.number)[0] in client.search_text


def test_seeded_notes_hold_what_the_app_would_store_and_one_client_has_many():
    bench("seed", "--clients", "60", "--heavy-notes", "50")
    notes = list(Note.objects.all())
    assert len(notes) >= 50 + 6  # about 1.1 a client, and the heavy client's
    for note in notes:
        assert note.search_text == note_search_text(note.summary, note.details)
        note.full_clean(exclude=["client", "author"])
    first = Client.objects.order_by("id").first()
    assert Note.objects.filter(client=first).count() >= 50
    # The client search finds clients by their notes' text, through the notes' own rows.
    reference = next(w for n in notes for w in n.details.split() if w.startswith("INC")).rstrip(".")
    holder = Note.objects.filter(details__contains=reference).values_list("client_id", flat=True)
    assert {c.pk for c in queries.client_search(reference)} == set(holder)


def test_seed_continues_the_id_series_and_the_app_numbers_after_it(make_client):
    first = make_client()
    bench("seed", "--clients", "5", "--force")  # forced: the client made in the desk is not the seeder's
    values = sorted(Client.objects.values_list("id_value", flat=True))
    assert values == list(range(first.id_value, first.id_value + 6))
    assert IdSequence.objects.get(name="client:{num}").last_value == values[-1]
    assert make_client().id_value == values[-1] + 1


def test_search_benchmark_measures_every_case(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.measure.HEAVY_MIN", 40)  # 100 000 notes at scale; 40 here
    bench("seed", "--clients", "30", "--heavy-notes", "40")
    path = tmp_path / "results.json"
    out = bench("search", "--iterations", "2", "--naive-iterations", "1", "--json", str(path))
    for case in (*SEARCH_CASES, *PAGE_CASES, *API_CASES):
        assert case in out
    assert "Naive substring scan" in out
    report = json.loads(path.read_text())
    assert (report["clients"], report["contacts"]) == (30, 60)
    assert set(report["cases"]) == {*SEARCH_CASES, *PAGE_CASES, *API_CASES}
    assert set(report["naive"]) == {case for case in SEARCH_CASES if not case.startswith("note")}
    for case in report["cases"].values():
        assert len(case["samples_ms"]) == 2
        assert case["queries_max"] > 0
        assert set(case["status_codes"]) <= {200, 302}  # a search with one hit redirects to the profile


def test_search_pages_show_every_match_once_across_ranked_windows(monkeypatch, make_client):
    """Matches are ranked RANK_WINDOW at a time; the exact id code still comes first."""
    monkeypatch.setattr(queries, "RANK_WINDOW", 4)
    tagged = [make_client(last_name=f"Tag{1500 + 10}") for _ in range(10)]  # id codes 1500-1509
    exact = make_client(last_name="Other")  # id code 1510, found last in table order
    assert exact.id_code == "1510"
    assert queries.client_search_count("1510") == 11
    pages = [queries.client_search("1510", limit=3, offset=offset) for offset in range(0, 12, 3)]
    shown = [client.pk for page in pages for client in page]
    assert shown[0] == exact.pk
    assert sorted(shown) == sorted(c.pk for c in [*tagged, exact])
    assert queries.client_search("1510", limit=20) == [Client.objects.get(pk=pk) for pk in shown]
