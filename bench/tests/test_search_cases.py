"""The seeder makes two-letter surnames and CJK names, and `bench search` measures them (issue #10)."""

import random
from io import StringIO

import pytest
from django.core.management import call_command

from bench.measure import sample_clients, search_terms
from clientdesk.clients import queries
from clientdesk.clients.models import Client, Contact
from clientdesk.clients.search import build_search_text, has_cjk
from clientdesk.core import fakedata

pytestmark = pytest.mark.django_db


def seed(clients: int) -> None:
    call_command("bench", "seed", "--clients", str(clients), stdout=StringIO())


def test_the_seeder_gives_a_few_percent_of_contacts_two_letter_surnames_and_cjk_names():
    seed(400)
    contacts = list(Contact.objects.all())
    two_letter = [c for c in contacts if len(c.last_name) == 2 and c.last_name.isascii()]
    cjk = [c for c in contacts if has_cjk(c.first_name + c.last_name)]
    assert 0.01 < len(two_letter) / len(contacts) < 0.10
    assert 0.01 < len(cjk) / len(contacts) < 0.10
    assert {c.country for c in cjk} <= {"JP", "CN", "KR"}
    assert {c.country for c in two_letter} <= {"US", "GB", "CA", "AU"}
    for contact in [*two_letter, *cjk]:
        client = Client.objects.get(pk=contact.client_id)
        rows = Contact.objects.filter(client=client).prefetch_related("phone_numbers")
        assert client.search_text == build_search_text(client.id_code, rows)
    # …and the desk finds them: a CJK name family name first, a two-letter surname whole.
    wanted = cjk[0]
    assert wanted.client_id in {
        c.pk for c in queries.client_search(f"{wanted.last_name}{wanted.first_name}", limit=200)
    }
    surname = two_letter[0]
    assert surname.client_id in {c.pk for c in queries.client_search(surname.last_name, limit=200)}


def test_the_new_cases_search_for_two_letter_surnames_and_cjk_names_family_name_first():
    seed(200)
    rng = random.Random(1500)
    terms = search_terms(sample_clients(rng, 20), sample_clients(rng, 200))
    assert terms["two-letter surname"]
    assert all(len(term) == 2 and term.isascii() for term in terms["two-letter surname"])
    assert terms["CJK name"]
    assert all(has_cjk(term) and " " not in term for term in terms["CJK name"])
    # The older cases keep to names the trigram index finds, as before these cases existed.
    for term in terms["common surname"] + terms["two words"]:
        assert not has_cjk(term)
        assert len(term.split(" ")[-1]) > 2


@pytest.mark.parametrize("country", ["JP", "CN", "KR"])
def test_made_up_people_of_cjk_countries_are_valid_contacts_with_ascii_emails(country):
    rng = random.Random(7)
    for _ in range(20):
        person = fakedata.person(rng, country=country)
        assert has_cjk(person.first_name + person.last_name)
        assert person.email.isascii()
        contact = Contact(
            first_name=person.first_name,
            last_name=person.last_name,
            company=person.company,
            email=person.email,
            address1=person.address1,
            city=person.city,
            state=person.state,
            postal_code=person.postal_code,
            country=person.country,
        )
        contact.full_clean(exclude=["client"])
