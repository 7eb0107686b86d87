"""/api/v1/clients/{id}/contacts/ and /invoice-contact/: the contact pages' rules, through the same actions."""

import pytest
from django.core.exceptions import ValidationError

from clientdesk.api.views.contacts import PRIMARY_REFUSAL
from clientdesk.audit.models import AuditEvent
from clientdesk.clients.actions import ContactData, client_set_invoice_contact, contact_update
from clientdesk.clients.models import Contact, ContactType, PhoneNumber

pytestmark = pytest.mark.django_db

ADA = {
    "contact_type": "billing",
    "first_name": "Ada",
    "last_name": "Byron",
    "company": "Engines Ltd",
    "email": "ada@engines.example",
    "country": "GB",
    "city": "London",
    "phones": [
        {"number": "020 7946 0958", "type": "phone", "location": "work"},
        {"number": "07911 123456", "location": "mobile"},
        {"number": "020 7946 0000", "type": "fax", "location": "work"},
    ],
}


def contacts_url(client):
    return f"/api/v1/clients/{client.pk}/contacts/"


def url(contact):
    return f"/api/v1/clients/{contact.client_id}/contacts/{contact.pk}/"


def primary_of(client):
    return Contact.objects.get(client=client, contact_type=ContactType.PRIMARY)


def writes():
    return Contact.objects.count(), PhoneNumber.objects.count(), AuditEvent.objects.count()


def walk(api, link):
    rows = []
    while link:
        body = api.get(link).json()
        rows += body["results"]
        link = body["next"]
    return rows


# --- The list and one contact --------------------------------------------------------------------


def test_the_list_has_the_primary_first_then_billing_then_others_by_name(
    api_as, readonly, grace, make_contact, make_contact_type, make_client
):
    technical = make_contact_type("Technical")
    zed = make_contact(grace, last_name="Zed")
    abel = make_contact(grace, last_name="Abel")
    typed = make_contact(grace, contact_type="other", custom_type=technical, last_name="Aaron")
    make_contact(make_client(), last_name="Elsewhere")
    rows = walk(api_as(readonly), f"{contacts_url(grace)}?page_size=2")
    assert [r["id"] for r in rows] == [primary_of(grace).pk, abel.pk, zed.pk, typed.pk]
    assert [r["contact_type"] for r in rows] == ["primary", "billing", "billing", "other"]
    assert rows[3]["custom_type"] == {"id": technical.pk, "name": "Technical"}
    assert rows[3]["type_label"] == "Technical"
    assert rows[0]["phones"] == [
        {"number": "+12025550143", "display": "(202) 555-0143", "type": "phone", "location": "home"}
    ]


def test_a_contact_shows_its_numbers_in_e164_and_as_staff_read_them(api_as, readonly, grace, make_contact):
    contact = make_contact(grace, country="GB", phones=("020 7946 0958",))
    response = api_as(readonly).get(url(contact))
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == f"http://testserver{url(contact)}"
    assert body["phones"] == [
        {"number": "+442079460958", "display": "020 7946 0958", "type": "phone", "location": "home"}
    ]
    assert response["ETag"].startswith('"')


def test_a_contact_of_another_client_is_not_found_under_this_one(api_as, admin, grace, make_client, make_contact):
    other = make_contact(make_client())
    api = api_as(admin)
    elsewhere = f"{contacts_url(grace)}{other.pk}/"
    before = writes()
    assert api.get(elsewhere).status_code == 404
    assert api.patch(elsewhere, {"city": "Bath"}).status_code == 404
    assert api.delete(elsewhere).status_code == 404
    assert writes() == before


# --- Add -----------------------------------------------------------------------------------------


def test_add_contact_makes_it_with_its_numbers_through_the_action(api_as, support, grace):
    response = api_as(support).post(contacts_url(grace), ADA, HTTP_IDEMPOTENCY_KEY="ada")
    assert response.status_code == 201, response.json()
    contact = Contact.objects.get(client=grace, contact_type=ContactType.BILLING)
    assert response["Location"] == f"http://testserver{url(contact)}"
    assert response.json()["type_label"] == "Billing"
    assert list(contact.phone_numbers.values_list("number", "type", "location")) == [
        ("+442079460958", "phone", "work"),
        ("+447911123456", "phone", "mobile"),
        ("+442079460000", "fax", "work"),
    ]
    event = AuditEvent.objects.get(action="contact.create")
    assert event.actor_label.startswith("API token ")
    assert event.client_pk == grace.pk


def test_a_new_contact_is_in_its_clients_country_unless_told(api_as, support, grace):
    body = {"contact_type": "billing", "first_name": "Al", "last_name": "Bo", "email": "al@bo.example"}
    response = api_as(support).post(contacts_url(grace), body)
    assert response.status_code == 201
    assert response.json()["country"] == "US"


def test_a_contact_of_a_company_type_is_named_by_its_id(api_as, support, grace, make_contact_type):
    technical = make_contact_type("Technical")
    response = api_as(support).post(contacts_url(grace), {**ADA, "contact_type": "other", "custom_type": technical.pk})
    assert response.status_code == 201
    contact = Contact.objects.get(pk=response.json()["id"])
    assert (contact.contact_type, contact.custom_type_id) == ("other", technical.pk)


def test_every_bad_field_is_named_as_the_action_keys_it_and_nothing_is_written(api_as, support, grace):
    api = api_as(support)
    before = writes()
    bad = {**ADA, "email": "nope", "phones": [ADA["phones"][0], {"number": "12"}]}
    response = api.post(contacts_url(grace), bad)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"email", "phones.1.number"}
    assert writes() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"custom_type": 999_999, "contact_type": "other"}, "Select a valid choice. type-999999 is not one"),
        ({"contact_type": "other"}, "Select a valid choice. other is not one"),
        ({"contact_type": "primary"}, "Select a valid choice. primary is not one"),
        ({"contact_type": "billing", "custom_type": "{technical}"}, "A billing contact has no other contact type."),
    ],
)
def test_a_type_that_cannot_be_given_is_refused_under_contact_type(
    api_as, support, grace, make_contact_type, change, message
):
    technical = make_contact_type("Technical")
    change = {k: technical.pk if v == "{technical}" else v for k, v in change.items()}
    api = api_as(support)
    before = writes()
    response = api.post(contacts_url(grace), {**ADA, **change})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["contact_type"]
    assert response.json()["errors"]["contact_type"][0].startswith(message)
    assert writes() == before


def test_add_contact_refuses_unknown_fields(api_as, support, grace):
    response = api_as(support).post(contacts_url(grace), {**ADA, "primary": True})
    assert response.json()["errors"] == {"primary": ["There is no such field to write here."]}


# --- Edit ----------------------------------------------------------------------------------------


def test_an_edit_changes_only_the_fields_it_sends(api_as, support, grace, make_contact):
    contact = make_contact(grace, city="London", country="GB", phones=("020 7946 0958",))
    response = api_as(support).patch(url(contact), {"city": "Bath", "postal_code": "BA1 1LT"})
    assert response.status_code == 200
    assert response.json()["city"] == "Bath"
    event = AuditEvent.objects.get(action="contact.update")
    assert event.changes == {"city": ["London", "Bath"], "postal_code": ["", "BA1 1LT"]}
    assert list(contact.phone_numbers.values_list("number", flat=True)) == ["+442079460958"]


def test_an_edit_that_changes_nothing_writes_nothing(api_as, support, grace, make_contact):
    contact = make_contact(grace, city="London")
    assert api_as(support).patch(url(contact), {"city": "London"}).status_code == 200
    assert not AuditEvent.objects.filter(action="contact.update").exists()


def test_an_edit_replaces_the_numbers_when_it_sends_them(api_as, support, grace, make_contact):
    contact = make_contact(grace, phones=("(202) 555-0143", "(202) 555-0144"))
    response = api_as(support).patch(url(contact), {"phones": [{"number": "(703) 555-0100", "type": "fax"}]})
    assert [(p["number"], p["type"]) for p in response.json()["phones"]] == [("+17035550100", "fax")]


def test_retyped_billing_a_contact_loses_its_company_type(api_as, support, grace, make_contact, make_contact_type):
    contact = make_contact(grace, contact_type="other", custom_type=make_contact_type("Technical"))
    response = api_as(support).patch(url(contact), {"contact_type": "billing"})
    assert response.status_code == 200
    assert (response.json()["contact_type"], response.json()["custom_type"]) == ("billing", None)


def test_an_edit_based_on_a_version_someone_else_saved_since_is_refused(api_as, support, billing, grace, make_contact):
    contact = make_contact(grace, city="London")
    mine, theirs = api_as(support), api_as(billing)
    version = mine.get(url(contact))["ETag"]
    assert theirs.patch(url(contact), {"title": "Accounts"}).status_code == 200
    events = AuditEvent.objects.count()
    refused = mine.patch(url(contact), {"city": "Bath"}, HTTP_IF_MATCH=version)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:clientdesk:problem:edit-conflict"
    assert list(refused.json()["errors"]) == ["__all__"]
    assert AuditEvent.objects.count() == events
    again = mine.patch(url(contact), {"city": "Bath"}, HTTP_IF_MATCH=mine.get(url(contact))["ETag"])
    assert again.status_code == 200


@pytest.mark.parametrize("if_match", ['"nonsense"', "another-contact", "the-client"])
def test_an_if_match_that_is_no_version_of_the_contact_is_412(api_as, support, grace, make_contact, if_match):
    contact, other = make_contact(grace), make_contact(grace)
    api = api_as(support)
    if if_match == "another-contact":
        if_match = api.get(url(other))["ETag"]
    elif if_match == "the-client":
        if_match = api.get(f"/api/v1/clients/{grace.pk}/")["ETag"]
    response = api.patch(url(contact), {"city": "Bath"}, HTTP_IF_MATCH=if_match)
    assert response.status_code == 412
    assert not AuditEvent.objects.filter(action="contact.update").exists()


# --- The primary contact and the invoice contact -------------------------------------------------


def test_the_primary_contact_is_changed_with_its_client_not_here(api_as, admin, grace):
    primary = primary_of(grace)
    api = api_as(admin)
    before = writes()
    response = api.patch(url(primary), {"city": "Reston"})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:clientdesk:problem:refused"
    assert response.json()["errors"] == {"contact_type": [PRIMARY_REFUSAL]}
    assert writes() == before


def test_the_primary_refusal_is_the_actions_own(admin, grace):
    primary = primary_of(grace)
    data = ContactData(first_name="Grace", last_name="Hopper", email="g@h.example", country="US")
    with pytest.raises(ValidationError) as refused:
        contact_update(actor=admin, contact=primary, contact_type="billing", data=data, phones=[])
    assert refused.value.message_dict == {"contact_type": [PRIMARY_REFUSAL]}


def test_the_primary_contact_cannot_be_deleted(api_as, admin, grace):
    api = api_as(admin)
    before = writes()
    response = api.delete(url(primary_of(grace)))
    assert response.status_code == 409
    assert response.json()["errors"] == {
        "__all__": ["The primary contact cannot be deleted: it holds the client's details."]
    }
    assert writes() == before


def test_the_contact_invoices_are_addressed_to_is_neither_deleted_nor_retyped(api_as, admin, grace, make_contact):
    contact = make_contact(grace, first_name="Ada", last_name="Byron")
    client_set_invoice_contact(actor=admin, client=grace, contact=contact)
    api = api_as(admin)
    before = writes()
    deleted = api.delete(url(contact))
    assert deleted.status_code == 409
    assert deleted.json()["type"] == "urn:clientdesk:problem:refused"
    assert deleted.json()["errors"]["__all__"][0].startswith("Invoices are addressed to Ada Byron.")
    retyped = api.patch(url(contact), {"contact_type": "other"})
    assert retyped.status_code == 422
    assert list(retyped.json()["errors"]) == ["contact_type"]
    assert writes() == before


def test_delete_takes_the_contacts_numbers_with_it(api_as, billing, grace, make_contact):
    contact = make_contact(grace, phones=("(202) 555-0100",))
    response = api_as(billing).delete(url(contact))
    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not PhoneNumber.objects.filter(contact_id=contact.pk).exists()
    assert AuditEvent.objects.get(action="contact.delete").actor_label.startswith("API token ")


def test_invoices_go_to_the_primary_contact_until_there_is_a_billing_one(api_as, billing, grace, make_contact):
    api = api_as(billing)
    invoice_url = f"/api/v1/clients/{grace.pk}/invoice-contact/"
    primary = primary_of(grace)
    body = api.get(invoice_url).json()
    assert body["invoice_contact"]["id"] == primary.pk
    assert [r["id"] for r in body["recipients"]] == [primary.pk]
    ada = make_contact(grace, first_name="Ada")
    body = api.get(invoice_url).json()
    assert body["invoice_contact"]["id"] == primary.pk
    assert [r["id"] for r in body["recipients"]] == [ada.pk]

    moved = api.put(invoice_url, {"invoice_contact": ada.pk}, HTTP_IDEMPOTENCY_KEY="to-ada")
    assert moved.status_code == 200
    assert moved.json()["invoice_contact"]["id"] == ada.pk
    grace.refresh_from_db()
    assert grace.invoice_contact_id == ada.pk
    back = api.patch(invoice_url, {"invoice_contact": None})
    assert back.json()["invoice_contact"]["id"] == primary.pk
    assert AuditEvent.objects.filter(action="client.invoice_contact").count() == 2
    assert api.patch(invoice_url, {}).json()["invoice_contact"]["id"] == primary.pk


def test_invoices_are_addressed_only_to_the_primary_or_a_billing_contact_of_this_client(
    api_as, billing, grace, make_contact, make_client, make_contact_type
):
    other_client = make_contact(make_client())
    typed = make_contact(grace, contact_type="other", custom_type=make_contact_type())
    api = api_as(billing)
    before = writes()
    for contact in (other_client, typed):
        response = api.put(f"/api/v1/clients/{grace.pk}/invoice-contact/", {"invoice_contact": contact.pk})
        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["invoice_contact"]
    assert writes() == before


def test_the_invoice_contact_is_a_billing_setting(api_as, support, grace, make_contact):
    contact = make_contact(grace)
    api = api_as(support)
    invoice_url = f"/api/v1/clients/{grace.pk}/invoice-contact/"
    assert api.get(invoice_url).status_code == 200
    refused = api.put(invoice_url, {"invoice_contact": contact.pk})
    assert refused.status_code == 403
    assert "billing" in refused.json()["detail"]
