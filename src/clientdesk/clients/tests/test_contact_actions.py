"""The contact actions' rules: types, the primary contact, invoice recipients, numbers, search, audit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clientdesk.audit.models import AuditEvent
from clientdesk.clients import queries
from clientdesk.clients.actions import (
    ContactData,
    EditConflictError,
    PhoneData,
    client_set_invoice_contact,
    contact_create,
    contact_delete,
    contact_type_create,
    contact_type_delete,
    contact_type_rename,
    contact_update,
)
from clientdesk.clients.events import ClientEvent
from clientdesk.clients.models import Contact, ContactType, CustomContactType, PhoneNumber

pytestmark = pytest.mark.django_db


def data(**overrides):
    fields = {"first_name": "Ada", "last_name": "Byron", "email": "ada@engine.example", "country": "GB"}
    return ContactData(**{**fields, **overrides})


def events(code):
    return list(AuditEvent.objects.filter(action=str(code)).order_by("id"))


def test_add_a_billing_contact_with_numbers_of_every_kind(grace, admin):
    contact = contact_create(
        actor=admin,
        client=grace,
        contact_type=ContactType.BILLING,
        data=data(),
        phones=[
            PhoneData("020 7946 0958", "phone", "work"),
            PhoneData("07911 123456", "phone", "mobile"),
            PhoneData("020 7946 0000", "fax", "work"),
            PhoneData("  "),  # an empty row is no number
        ],
    )
    assert contact.client == grace
    assert contact.contact_type == ContactType.BILLING
    assert list(contact.phone_numbers.values_list("number", "type", "location", "position")) == [
        ("+442079460958", "phone", "work", 0),
        ("+447911123456", "phone", "mobile", 1),
        ("+442079460000", "fax", "work", 2),
    ]
    [event] = events(ClientEvent.CONTACT_CREATE)
    assert event.client_pk == grace.pk
    assert event.actor_user == admin
    assert event.changes["type"] == [None, "Billing"]
    assert event.changes["phones"][1] == [
        "+44 20 7946 0958 (work phone)",
        "+44 7911 123456 (mobile phone)",
        "+44 20 7946 0000 (work fax)",
    ]


def test_a_custom_type_makes_an_other_contact_carrying_it(grace, make_contact_type):
    technical = make_contact_type("Technical")
    contact = contact_create(
        actor=None, client=grace, contact_type=ContactType.OTHER, custom_type=technical, data=data()
    )
    assert (contact.contact_type, contact.custom_type, contact.type_label) == ("other", technical, "Technical")


@pytest.mark.parametrize("kind", ["primary", "owner", ""])
def test_a_contact_cannot_be_added_as_primary_or_of_no_known_type(grace, kind):
    with pytest.raises(ValidationError) as caught:
        contact_create(actor=None, client=grace, contact_type=kind, data=data())
    assert "contact_type" in caught.value.message_dict
    assert Contact.objects.filter(client=grace).count() == 1
    assert not events(ClientEvent.CONTACT_CREATE)


def test_a_billing_contact_carries_no_custom_type(grace, make_contact_type):
    with pytest.raises(ValidationError):
        contact_create(actor=None, client=grace, contact_type="billing", custom_type=make_contact_type(), data=data())


def test_two_primary_contacts_are_impossible_in_the_database(grace):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            client=grace,
            contact_type=ContactType.PRIMARY,
            first_name="X",
            last_name="Y",
            email="x@y.example",
            country="US",
        )


def test_a_custom_type_on_a_billing_contact_is_refused_by_the_database(grace, make_contact, make_contact_type):
    contact, kind = make_contact(grace), make_contact_type()
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(custom_type=kind)


def test_every_error_comes_at_once_and_nothing_is_written(grace):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            actor=None,
            client=grace,
            contact_type="billing",
            data=data(first_name="", email="not an email", state="US-VA"),
            phones=[PhoneData("12"), PhoneData("+999 123")],
        )
    errors = caught.value.message_dict
    assert {"first_name", "email", "state", "phones.0.number", "phones.1.number"} <= set(errors)
    assert Contact.objects.filter(client=grace).count() == 1
    assert PhoneNumber.objects.filter(contact__client=grace).count() == 1
    assert not events(ClientEvent.CONTACT_CREATE)


def test_numbers_are_read_in_the_contacts_country(grace):
    contact = contact_create(
        actor=None, client=grace, contact_type="billing", data=data(country="DE"), phones=[PhoneData("030 123456")]
    )
    assert contact.phone_numbers.get().number == "+4930123456"


def test_edit_changes_fields_type_and_numbers_and_records_only_the_change(grace, make_contact, make_contact_type):
    contact = make_contact(grace, phones=("(202) 555-0100", "(202) 555-0101"))
    sales = make_contact_type("Sales")
    changes = contact_update(
        actor=None,
        contact=contact,
        contact_type="other",
        custom_type=sales,
        data=data(first_name="Augusta", country="US", email=contact.email, last_name=contact.last_name),
        phones=[PhoneData("(202) 555-0100"), PhoneData(""), PhoneData("(202) 555-0199", "fax", "work")],
    )
    contact.refresh_from_db()
    assert (contact.first_name, contact.type_label) == ("Augusta", "Sales")
    assert list(contact.phone_numbers.values_list("number", flat=True)) == ["+12025550100", "+12025550199"]
    assert set(changes) == {"type", "first_name", "phones"}
    [event] = events(ClientEvent.CONTACT_UPDATE)
    assert event.changes["type"] == ["Billing", "Sales"]
    assert event.changes["first_name"] == ["Contact", "Augusta"]


def test_an_edit_changing_nothing_records_nothing(grace, make_contact):
    contact = make_contact(grace, phones=("(202) 555-0100",))
    same = ContactData(**{name: getattr(contact, name) for name in ("first_name", "last_name", "email", "country")})
    changes = contact_update(
        actor=None, contact=contact, contact_type="billing", data=same, phones=[PhoneData("202-555-0100")]
    )
    assert changes == {}
    assert not events(ClientEvent.CONTACT_UPDATE)


def test_an_edit_begun_before_someone_elses_save_is_refused(grace, make_contact):
    contact = make_contact(grace)
    loaded_at = contact.updated_at
    contact_update(actor=None, contact=contact, contact_type="billing", data=data(), phones=[])
    with pytest.raises(EditConflictError):
        contact_update(
            actor=None,
            contact=contact,
            contact_type="billing",
            data=data(first_name="Late"),
            phones=[],
            loaded_at=loaded_at,
        )
    assert Contact.objects.get(pk=contact.pk).first_name == "Ada"


def test_the_primary_contact_cannot_be_edited_retyped_or_deleted_here(grace):
    primary = Contact.objects.get(client=grace, contact_type=ContactType.PRIMARY)
    with pytest.raises(ValidationError, match="Edit client"):
        contact_update(actor=None, contact=primary, contact_type="billing", data=data(), phones=[])
    with pytest.raises(ValidationError, match="primary contact cannot be deleted"):
        contact_delete(actor=None, contact=primary)
    assert Contact.objects.get(pk=primary.pk).contact_type == ContactType.PRIMARY


def test_delete_takes_the_numbers_and_records_what_went(grace, make_contact):
    contact = make_contact(grace, phones=("(202) 555-0100",), first_name="Gone")
    contact_delete(actor=None, contact=contact)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not PhoneNumber.objects.filter(contact_id=contact.pk).exists()
    [event] = events(ClientEvent.CONTACT_DELETE)
    assert event.changes["first_name"] == ["Gone", None]
    assert event.changes["phones"] == [["+1 202-555-0100 (home phone)"], None]
    assert event.target_pk == str(contact.pk)


def test_invoice_recipients_are_the_billing_contacts_else_the_primary(grace, make_contact, make_contact_type):
    primary = Contact.objects.get(client=grace, contact_type=ContactType.PRIMARY)
    assert queries.invoice_recipients(grace) == [primary]
    make_contact(grace, contact_type="other", custom_type=make_contact_type())
    assert queries.invoice_recipients(grace) == [primary]
    first, second = make_contact(grace), make_contact(grace)
    assert queries.invoice_recipients(grace) == [first, second]


def test_invoice_recipients_is_one_query(grace, make_contact, django_assert_num_queries):
    make_contact(grace)
    with django_assert_num_queries(1):
        queries.invoice_recipients(grace)


def test_invoices_addressed_to_a_billing_contact_which_then_cannot_be_deleted_or_retyped(
    grace, make_contact, make_contact_type
):
    billing = make_contact(grace, first_name="Bill")
    client_set_invoice_contact(actor=None, client=grace, contact=billing)
    grace.refresh_from_db()
    assert queries.invoice_address_contact(grace) == billing
    with pytest.raises(ValidationError, match="Invoices are addressed to Bill"):
        contact_delete(actor=None, contact=billing)
    with pytest.raises(ValidationError, match="Invoices are addressed to Bill"):
        contact_update(
            actor=None, contact=billing, contact_type="other", custom_type=make_contact_type(), data=data(), phones=[]
        )
    assert Contact.objects.get(pk=billing.pk).contact_type == ContactType.BILLING
    # Addressed back to the primary contact, the billing contact may go.
    client_set_invoice_contact(actor=None, client=grace, contact=None)
    contact_delete(actor=None, contact=billing)
    [first, second] = events(ClientEvent.INVOICE_CONTACT)
    assert first.changes == {"invoice_contact": ["Grace Hopper", "Bill " + billing.last_name]}
    assert second.changes == {"invoice_contact": ["Bill " + billing.last_name, "Grace Hopper"]}


def test_invoices_go_only_to_a_billing_contact_of_the_same_client(grace, make_client, make_contact, make_contact_type):
    other_client_contact = make_contact(make_client())
    with pytest.raises(ValidationError):
        client_set_invoice_contact(actor=None, client=grace, contact=other_client_contact)
    technical = make_contact(grace, contact_type="other", custom_type=make_contact_type())
    with pytest.raises(ValidationError):
        client_set_invoice_contact(actor=None, client=grace, contact=technical)
    grace.refresh_from_db()
    assert grace.invoice_contact_id is None


def test_choosing_the_current_invoice_contact_again_records_nothing(grace):
    primary = Contact.objects.get(client=grace, contact_type=ContactType.PRIMARY)
    client_set_invoice_contact(actor=None, client=grace, contact=primary)
    assert not events(ClientEvent.INVOICE_CONTACT)


def test_search_follows_contacts_as_they_are_added_edited_and_deleted(grace, make_contact):
    contact = make_contact(
        grace, first_name="Zebulon", email="zeb@stripes.example", address1="9 Quagga Lane", phones=("(202) 555-0177",)
    )
    for query in ("zebulon", "zeb@stripes", "quagga", "2025550177", "555-0177"):
        assert [c.pk for c in queries.client_search(query)] == [grace.pk], query
    contact_update(
        actor=None,
        contact=contact,
        contact_type="billing",
        data=data(first_name="Yorick", email="zeb@stripes.example", country="US"),
        phones=[],
    )
    assert queries.client_search("zebulon") == []
    assert queries.client_search("2025550177") == []
    assert [c.pk for c in queries.client_search("yorick")] == [grace.pk]
    contact_delete(actor=None, contact=Contact.objects.get(pk=contact.pk))
    assert queries.client_search("yorick") == []
    assert queries.client_search("zeb@stripes") == []


def test_contact_types_add_rename_and_delete_keep_their_contacts(grace, make_contact):
    technical = contact_type_create(actor=None, name="  Technical  ")
    assert technical.name == "Technical"
    contacts = [make_contact(grace, contact_type="other", custom_type=technical) for _ in range(2)]
    contact_type_rename(actor=None, contact_type=technical, name="Tech support")
    assert Contact.objects.get(pk=contacts[0].pk).type_label == "Tech support"
    assert contact_type_delete(actor=None, contact_type=technical) == 2
    assert not CustomContactType.objects.exists()
    for contact in contacts:
        kept = Contact.objects.get(pk=contact.pk)
        assert (kept.contact_type, kept.custom_type_id, kept.type_label) == ("other", None, "Other")
    [deleted] = events(ClientEvent.CONTACT_TYPE_DELETE)
    assert deleted.changes == {"name": ["Tech support", None], "contacts": [2, None]}


@pytest.mark.parametrize("name", ["", "   ", "Billing", "primary", "technical", "x" * 65])
def test_contact_type_names_are_required_unique_and_not_built_in(name):
    contact_type_create(actor=None, name="Technical")
    with pytest.raises(ValidationError) as caught:
        contact_type_create(actor=None, name=name)
    assert "name" in caught.value.message_dict
    assert CustomContactType.objects.count() == 1


def test_renaming_a_type_to_its_own_name_records_nothing(make_contact_type):
    kind = make_contact_type("Sales")
    contact_type_rename(actor=None, contact_type=kind, name=" Sales ")
    assert not events(ClientEvent.CONTACT_TYPE_RENAME)


@pytest.mark.django_db(transaction=True)
def test_a_name_taken_between_the_check_and_the_save_is_refused_as_taken(monkeypatch):
    kind = contact_type_create(actor=None, name="Technical")
    other = contact_type_create(actor=None, name="Sales")
    # The other save lands after the checks: neither clean() nor the constraint check sees it.
    monkeypatch.setattr(CustomContactType, "clean", lambda self: None)
    monkeypatch.setattr(CustomContactType, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as caught:
        contact_type_create(actor=None, name="technical")
    assert "already a contact type" in caught.value.message_dict["name"][0]
    with pytest.raises(ValidationError):
        contact_type_rename(actor=None, contact_type=other, name="TECHNICAL")
    assert sorted(CustomContactType.objects.values_list("name", flat=True)) == ["Sales", "Technical"]
    assert AuditEvent.objects.filter(action="contact_type.create").count() == 2
    assert not AuditEvent.objects.filter(action="contact_type.rename").exists()
    assert kind.pk
