import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.actions import (
    ClientData,
    ContactData,
    PhoneData,
    client_create,
    client_cycle_status,
    client_update,
)
from clientdesk.clients.models import Client, ClientStatus, Contact, ContactType, IdSequence, PhoneNumber

pytestmark = pytest.mark.django_db


def contact(**overrides):
    fields = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@navy.example",
        "country": "US",
        "company": "Cobol Works",
        "address1": "1 Harbor Way",
        "city": "Arlington",
        "state": "US-VA",
        "postal_code": "22201",
    }
    return ContactData(**{**fields, **overrides})


def test_create_makes_an_active_client_with_primary_contact_and_numbers(admin):
    client = client_create(
        actor=admin,
        data=ClientData(),
        contact=contact(),
        phones=[PhoneData(number="(202) 555-0143"), PhoneData(number="+44 20 7946 0958", type="fax", location="work")],
    )
    assert client.status == ClientStatus.ACTIVE
    primary = Contact.objects.get(client=client)
    assert primary.contact_type == ContactType.PRIMARY
    assert list(primary.phone_numbers.values_list("number", "type", "location")) == [
        ("+12025550143", "phone", "home"),
        ("+442079460958", "fax", "work"),
    ]
    assert (client.name, client.company, client.email, client.country) == (
        "Grace Hopper",
        "Cobol Works",
        "grace@navy.example",
        "US",
    )


def test_client_ids_start_at_1500_and_increase_by_one(admin):
    first = client_create(actor=admin, data=ClientData(), contact=contact())
    second = client_create(actor=admin, data=ClientData(), contact=contact(email="b@x.example"))
    assert (first.id_code, second.id_code) == ("1500", "1501")


def test_client_id_follows_the_configured_format(admin, settings):
    settings.CLIENTDESK_CLIENT_ID_FORMAT = "C-{num}"
    client = client_create(actor=admin, data=ClientData(), contact=contact())
    assert client.id_code == "C-1500"
    assert client.id_value == 1500


def test_create_is_audited_with_every_field(admin):
    client = client_create(actor=admin, data=ClientData(), contact=contact(), phones=[PhoneData(number="2025550143")])
    event = AuditEvent.objects.get(action="client.create")
    assert event.client_pk == client.pk
    assert event.client_code == client.id_code
    assert event.client_name == "Grace Hopper"
    assert event.actor_user == admin
    assert event.changes["email"] == [None, "grace@navy.example"]
    assert event.changes["phones"] == [None, ["+1 202-555-0143 (home phone)"]]
    assert "address2" not in event.changes  # left empty


def test_search_text_holds_every_searchable_field_normalised(admin):
    client = client_create(
        actor=admin,
        data=ClientData(),
        contact=contact(first_name="José", last_name="Álvarez"),
        phones=[PhoneData(number="(202) 555-0143")],
    )
    client.refresh_from_db()
    for fragment in [
        "1500",
        "jose alvarez",
        "cobol works",
        "grace@navy.example",
        "1 harbor way",
        "12025550143",
        "2025550143",
    ]:
        assert fragment in client.search_text


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"country": "XX"}, "country"),
        ({"country": "DE", "state": "US-VA"}, "state"),
        ({"company": "x" * 129}, "company"),
        ({"title": "x" * 65}, "title"),
    ],
)
def test_create_refuses_bad_contact_input_and_writes_nothing(admin, overrides, field):
    with pytest.raises(ValidationError) as exc:
        client_create(actor=admin, data=ClientData(), contact=contact(**overrides))
    assert field in exc.value.message_dict
    assert Client.objects.count() == 0
    assert Contact.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="client.").exists()
    assert not IdSequence.objects.exists()


def test_create_refuses_an_invalid_phone_naming_its_row(admin):
    with pytest.raises(ValidationError) as exc:
        client_create(
            actor=admin,
            data=ClientData(),
            contact=contact(),
            phones=[PhoneData(number="202 555 0143"), PhoneData(number="12345")],
        )
    assert list(exc.value.message_dict) == ["phones.1.number"]
    assert "not a valid phone number" in exc.value.message_dict["phones.1.number"][0]
    assert not Client.objects.exists()
    assert not PhoneNumber.objects.exists()


def test_phone_numbers_are_read_in_the_contacts_country(admin):
    client = client_create(
        actor=admin,
        data=ClientData(),
        contact=contact(country="GB", state=""),
        phones=[PhoneData(number="020 7946 0958")],
    )
    assert PhoneNumber.objects.get(contact__client=client).number == "+442079460958"


def test_empty_phone_rows_are_ignored(admin):
    client = client_create(
        actor=admin,
        data=ClientData(),
        contact=contact(),
        phones=[PhoneData(number="  "), PhoneData(number="2025550143")],
    )
    assert PhoneNumber.objects.filter(contact__client=client).count() == 1


def test_database_refuses_a_second_primary_contact(admin):
    client = client_create(actor=admin, data=ClientData(), contact=contact())
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            client=client,
            contact_type=ContactType.PRIMARY,
            first_name="A",
            last_name="B",
            email="a@b.example",
            country="US",
        )


def test_update_changes_contact_settings_and_numbers_and_audits_the_difference(admin, make_client):
    client = make_client(phones=("2025550143",), first_name="Ann")
    client_update(
        actor=admin,
        client=client,
        data=ClientData(currency="EUR", tax_exempt=True),
        contact=contact(first_name="Annie", email="annie@x.example"),
        phones=[PhoneData(number="2025550199", location="mobile")],
    )
    client.refresh_from_db()
    assert (client.name, client.email, client.currency, client.tax_exempt) == (
        "Annie Hopper",
        "annie@x.example",
        "EUR",
        True,
    )
    assert list(PhoneNumber.objects.filter(contact__client=client).values_list("number", flat=True)) == ["+12025550199"]
    assert "2025550199" in client.search_text
    assert "2025550143" not in client.search_text
    event = AuditEvent.objects.filter(action="client.update").get()
    assert event.changes["first_name"] == ["Ann", "Annie"]
    assert event.changes["currency"] == ["USD", "EUR"]
    assert event.changes["phones"] == [["+1 202-555-0143 (home phone)"], ["+1 202-555-0199 (mobile phone)"]]
    assert "country" not in event.changes


def test_update_with_nothing_changed_writes_no_event(admin, make_client):
    client = make_client(**contact().__dict__)
    client_update(actor=admin, client=client, data=ClientData(), contact=contact(), phones=[])
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_update_refuses_bad_input_and_keeps_everything(admin, make_client):
    client = make_client(phones=("2025550143",), first_name="Ann")
    with pytest.raises(ValidationError) as exc:
        client_update(
            actor=admin,
            client=client,
            data=ClientData(),
            contact=contact(first_name="", email="annie@x.example"),
            phones=[PhoneData(number="999")],
        )
    assert {"first_name", "phones.0.number"} <= set(exc.value.message_dict)
    client.refresh_from_db()
    assert client.name.startswith("Ann ")
    assert PhoneNumber.objects.get(contact__client=client).number == "+12025550143"
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_status_cycles_active_inactive_fraud_and_back(admin, make_client):
    client = make_client()
    seen = []
    for _ in range(3):
        client_cycle_status(actor=admin, client=client)
        client.refresh_from_db()
        seen.append(client.status)
    assert seen == ["inactive", "fraud", "active"]
    changes = [e.changes["status"] for e in AuditEvent.objects.filter(action="client.status").order_by("id")]
    assert changes == [["active", "inactive"], ["inactive", "fraud"], ["fraud", "active"]]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_consecutive_ids(make_staff):
    actor = make_staff("race@staff.test")
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            client_create(actor=actor, data=ClientData(), contact=contact(email=f"r{i}@x.example"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    codes = sorted(int(c) for c in Client.objects.values_list("id_code", flat=True))
    assert codes == list(range(1500, 1508))


def test_a_client_can_keep_the_date_it_joined_elsewhere(admin):
    joined = timezone.now() - timedelta(days=400)
    client = client_create(actor=admin, data=ClientData(), contact=contact(), member_since=joined)
    client.refresh_from_db()
    assert client.created_at == joined
    assert client.contacts.get().created_at == joined


def test_a_member_since_date_in_the_future_is_refused_and_nothing_written(admin):
    with pytest.raises(ValidationError) as exc:
        client_create(
            actor=admin, data=ClientData(), contact=contact(), member_since=timezone.now() + timedelta(days=1)
        )
    assert "created_at" in exc.value.message_dict
    assert not Client.objects.exists()
