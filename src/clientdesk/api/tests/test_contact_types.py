"""/api/v1/contact-types/: Settings → Contact types, through the same actions and form."""

import pytest

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Contact, CustomContactType

pytestmark = pytest.mark.django_db

TYPES = "/api/v1/contact-types/"


def test_the_list_is_by_name_with_how_many_contacts_carry_each(
    api_as, readonly, grace, make_contact, make_contact_type
):
    sales, technical = make_contact_type("sales"), make_contact_type("Technical")
    make_contact_type("Accounts")
    for _ in range(2):
        make_contact(grace, contact_type="other", custom_type=technical)
    make_contact(grace, contact_type="other", custom_type=sales)
    api = api_as(readonly)
    first = api.get(f"{TYPES}?page_size=2").json()
    rest = api.get(first["next"]).json()
    rows = first["results"] + rest["results"]
    assert [(r["name"], r["contacts"]) for r in rows] == [("Accounts", 0), ("sales", 1), ("Technical", 2)]
    assert rest["next"] is None
    detail = api.get(f"{TYPES}{technical.pk}/").json()
    assert (detail["name"], detail["contacts"]) == ("Technical", 2)


def test_admin_adds_renames_and_deletes_a_type_and_its_contacts_stay(api_as, admin, grace, make_contact):
    api = api_as(admin)
    made = api.post(TYPES, {"name": "  Technical  "}, HTTP_IDEMPOTENCY_KEY="t")
    assert made.status_code == 201, made.json()
    assert made.json()["name"] == "Technical"
    technical = CustomContactType.objects.get()
    assert made["Location"] == f"http://testserver{TYPES}{technical.pk}/"
    contact = make_contact(grace, contact_type="other", custom_type=technical)

    renamed = api.patch(f"{TYPES}{technical.pk}/", {"name": "Technical support"})
    assert renamed.json() | {"url": None, "created_at": None} == {
        "id": technical.pk,
        "url": None,
        "name": "Technical support",
        "contacts": 1,
        "created_at": None,
    }
    assert api.patch(f"{TYPES}{technical.pk}/", {}).json()["name"] == "Technical support"

    assert api.delete(f"{TYPES}{technical.pk}/").status_code == 204
    contact.refresh_from_db()
    assert (contact.contact_type, contact.custom_type_id) == ("other", None)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="contact_type.").order_by("id")] == [
        "contact_type.create",
        "contact_type.rename",
        "contact_type.delete",
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("technical", "There is already a contact type named “technical”."),
        ("Billing", "“Billing” is a built-in contact type: choose another name."),
        ("", "This field is required."),
        ("x" * 65, "Ensure this value has at most 64 characters (it has 65)."),
    ],
)
def test_a_name_that_cannot_be_used_is_refused_as_the_page_refuses_it(
    api_as, admin, make_contact_type, login_as, name, message
):
    make_contact_type("Technical")
    api = api_as(admin)
    events = AuditEvent.objects.count()
    response = api.post(TYPES, {"name": name})
    assert response.status_code == 422
    assert response.json()["errors"] == {"name": [message]}
    page = login_as(admin).post("/settings/contact-types/", {"name": name})
    assert page.context["form"].errors == {"name": [message]}
    assert CustomContactType.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_types_are_admins_to_manage(api_as, billing, make_contact_type):
    technical = make_contact_type("Technical")
    api = api_as(billing)
    assert api.get(TYPES).status_code == 200
    refused = api.post(TYPES, {"name": "Sales"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You need the “Can add contact type” permission (Admin role) to do this."
    assert api.delete(f"{TYPES}{technical.pk}/").status_code == 403
    assert CustomContactType.objects.count() == 1
    assert Contact.objects.count() == 0
