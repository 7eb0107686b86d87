"""The contact pages: who may use them, what they write, what they say about bad input."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Client, Contact, ContactType, CustomContactType, PhoneNumber

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def contact_form(**overrides):
    data = {
        "contact_type": "billing",
        "first_name": "Ada",
        "last_name": "Byron",
        "company": "Engines Ltd",
        "title": "Accounts",
        "email": "ada@engine.example",
        "address1": "12 St James's Square",
        "address2": "",
        "city": "London",
        "country": "GB",
        "state": "",
        "postal_code": "SW1Y 4JH",
        "phones-TOTAL_FORMS": "3",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "50",
        "phones-0-type": "phone",
        "phones-0-location": "work",
        "phones-0-number": "020 7946 0958",
        "phones-1-type": "phone",
        "phones-1-location": "mobile",
        "phones-1-number": "07911 123456",
        "phones-2-type": "fax",
        "phones-2-location": "work",
        "phones-2-number": "020 7946 0000",
    }
    return data | overrides


def others(client):
    return Contact.objects.filter(client=client).exclude(contact_type=ContactType.PRIMARY)


# --- Permissions ------------------------------------------------------------------------------

WRITERS = {
    "contact_add": {"admin", "billing", "support"},
    "contact_edit": {"admin", "billing", "support"},
    "contact_delete": {"admin", "billing"},
    "invoice_contact": {"admin", "billing"},
}


@pytest.mark.parametrize("persona", ["outsider", "readonly", "support", "billing", "admin"])
def test_add_contact_is_for_those_who_may_add_contacts(request, login_as, grace, persona):
    web = login_as(request.getfixturevalue(persona))
    url = reverse("clients:contact_add", args=[grace.pk])
    allowed = persona in WRITERS["contact_add"]
    assert web.get(url).status_code == (200 if allowed else 403)
    response = web.post(url, contact_form())
    assert response.status_code == (302 if allowed else 403)
    assert others(grace).count() == (1 if allowed else 0)


@pytest.mark.parametrize("persona", ["outsider", "readonly", "support", "billing", "admin"])
def test_edit_contact_is_for_those_who_may_change_contacts(request, login_as, grace, make_contact, persona):
    contact = make_contact(grace, first_name="Before")
    web = login_as(request.getfixturevalue(persona))
    url = reverse("clients:contact_edit", args=[grace.pk, contact.pk])
    allowed = persona in WRITERS["contact_edit"]
    assert web.get(url).status_code == (200 if allowed else 403)
    response = web.post(url, contact_form(first_name="After"))
    assert response.status_code == (302 if allowed else 403)
    assert Contact.objects.get(pk=contact.pk).first_name == ("After" if allowed else "Before")


@pytest.mark.parametrize("persona", ["outsider", "readonly", "support", "billing", "admin"])
def test_delete_contact_is_for_those_who_may_delete_contacts(request, login_as, grace, make_contact, persona):
    contact = make_contact(grace)
    web = login_as(request.getfixturevalue(persona))
    url = reverse("clients:contact_delete", args=[grace.pk, contact.pk])
    allowed = persona in WRITERS["contact_delete"]
    assert web.get(url).status_code == (200 if allowed else 403)
    response = web.post(url)
    assert response.status_code == (302 if allowed else 403)
    assert Contact.objects.filter(pk=contact.pk).exists() is not allowed


@pytest.mark.parametrize("persona", ["outsider", "readonly", "support", "billing", "admin"])
def test_address_invoices_to_is_a_billing_setting(request, login_as, grace, make_contact, persona):
    contact = make_contact(grace)
    web = login_as(request.getfixturevalue(persona))
    url = reverse("clients:invoice_contact", args=[grace.pk])
    allowed = persona in WRITERS["invoice_contact"]
    assert web.get(url).status_code == (200 if allowed else 403)
    response = web.post(url, {"invoice_contact": str(contact.pk)})
    assert response.status_code == (302 if allowed else 403)
    assert Client.objects.get(pk=grace.pk).invoice_contact_id == (contact.pk if allowed else None)


@pytest.mark.parametrize("name", ["clients:contact_add", "clients:invoice_contact", "clients:contact_type_list"])
def test_anonymous_visitors_are_sent_to_sign_in(client, grace, name):
    url = reverse(name) if name.startswith("clients:contact_type") else reverse(name, args=[grace.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response["Location"]
    assert client.post(url, contact_form()).status_code == 302
    assert others(grace).count() == 0


@pytest.mark.parametrize(
    ("persona", "status"), [("outsider", 403), ("readonly", 200), ("billing", 200), ("admin", 200)]
)
def test_the_contact_types_list_is_for_staff_with_a_role(request, login_as, persona, status):
    web = login_as(request.getfixturevalue(persona))
    assert web.get(reverse("clients:contact_type_list")).status_code == status


@pytest.mark.parametrize("persona", ["readonly", "support", "billing"])
def test_only_admin_manages_contact_types(request, login_as, make_contact_type, persona):
    kind = make_contact_type("Technical")
    web = login_as(request.getfixturevalue(persona))
    assert web.post(reverse("clients:contact_type_list"), {"name": "Sales"}).status_code == 403
    assert web.post(reverse("clients:contact_type_edit", args=[kind.pk]), {"name": "X"}).status_code == 403
    assert web.post(reverse("clients:contact_type_delete", args=[kind.pk])).status_code == 403
    assert list(CustomContactType.objects.values_list("name", flat=True)) == ["Technical"]


def test_the_primary_contact_has_no_contact_pages(login_as, admin, grace):
    web = login_as(admin)
    primary = Contact.objects.get(client=grace, contact_type=ContactType.PRIMARY)
    for name in ("clients:contact_edit", "clients:contact_delete"):
        url = reverse(name, args=[grace.pk, primary.pk])
        assert web.get(url).status_code == 404
        assert web.post(url, contact_form()).status_code == 404
    assert Contact.objects.filter(pk=primary.pk, contact_type=ContactType.PRIMARY).exists()


def test_a_contact_of_another_client_is_not_found_under_this_one(login_as, admin, grace, make_client, make_contact):
    stranger = make_contact(make_client())
    web = login_as(admin)
    assert web.get(reverse("clients:contact_edit", args=[grace.pk, stranger.pk])).status_code == 404
    assert web.post(reverse("clients:contact_delete", args=[grace.pk, stranger.pk])).status_code == 404
    assert Contact.objects.filter(pk=stranger.pk).exists()


# --- Add, edit, delete ------------------------------------------------------------------------


def test_add_a_billing_contact_with_three_numbers(login_as, billing, grace):
    web = login_as(billing)
    response = web.post(reverse("clients:contact_add", args=[grace.pk]), contact_form())
    assert response.status_code == 302
    assert response["Location"] == grace.get_absolute_url()
    contact = others(grace).get()
    assert (contact.contact_type, contact.full_name, contact.country) == ("billing", "Ada Byron", "GB")
    assert list(contact.phone_numbers.values_list("number", "type", "location")) == [
        ("+442079460958", "phone", "work"),
        ("+447911123456", "phone", "mobile"),
        ("+442079460000", "fax", "work"),
    ]
    page = web.get(response["Location"], follow=True).content.decode()
    assert "Ada Byron was added as a billing contact." in page


def test_the_contacts_widget_lists_type_email_and_numbers_as_links(
    login_as, readonly, grace, make_contact, make_contact_type
):
    make_contact(
        grace,
        first_name="Tess",
        contact_type="other",
        custom_type=make_contact_type("Technical"),
        phones=("(202) 555-0188",),
    )
    web = login_as(readonly)
    html = web.get(reverse("clients:client_contacts", args=[grace.pk]), headers=HTMX).content.decode()
    assert "Tess" in html
    assert "Technical" in html
    assert 'href="tel:+12025550188"' in html
    assert "mailto:" in html
    assert "Edit" not in html
    assert "Add contact" not in html


def test_every_error_shows_at_once_and_nothing_is_written(login_as, billing, grace):
    web = login_as(billing)
    response = web.post(
        reverse("clients:contact_add", args=[grace.pk]),
        contact_form(first_name="", email="nope", **{"phones-0-number": "12", "phones-2-number": "+999 123"}),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count("is-invalid") >= 4
    assert "not a valid phone number" in html
    assert others(grace).count() == 0
    assert not AuditEvent.objects.filter(action="contact.create").exists()


def test_an_unknown_contact_type_is_refused(login_as, billing, grace):
    web = login_as(billing)
    for kind in ("primary", "type-999", "other"):  # untyped "other" is not offered for a new contact
        response = web.post(reverse("clients:contact_add", args=[grace.pk]), contact_form(contact_type=kind))
        assert response.status_code == 422
        assert "Select a valid choice" in response.content.decode()
    assert others(grace).count() == 0


def test_add_another_number_adds_a_row_in_place(login_as, billing, grace):
    web = login_as(billing)
    response = web.post(reverse("clients:contact_add", args=[grace.pk]), contact_form(add_phone="1"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="row g-2 mb-2 phone-row"') == 4
    assert 'value="07911 123456"' in html
    assert others(grace).count() == 0


def test_copy_address_fills_the_primary_contacts_address_in_place(login_as, billing, grace):
    web = login_as(billing)
    response = web.post(reverse("clients:contact_add", args=[grace.pk]), contact_form(copy_address="1"), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset class="card card-body mb-4" id="contact-address">')
    assert 'value="Arlington"' in html
    assert 'value="22201"' in html
    assert '<option value="US-VA" selected>' in html
    assert "Copied the address of Grace Hopper" in html
    assert others(grace).count() == 0


def test_copy_address_without_htmx_keeps_what_was_typed(login_as, billing, grace):
    web = login_as(billing)
    response = web.post(reverse("clients:contact_add", args=[grace.pk]), contact_form(copy_address="1"))
    html = response.content.decode()
    assert 'value="Ada"' in html
    assert 'value="Arlington"' in html
    assert 'value="07911 123456"' in html


def test_edit_shows_the_numbers_and_an_emptied_row_is_removed(login_as, billing, grace, make_contact):
    contact = make_contact(grace, phones=("(202) 555-0100", "(202) 555-0101"))
    web = login_as(billing)
    url = reverse("clients:contact_edit", args=[grace.pk, contact.pk])
    html = web.get(url).content.decode()
    assert 'value="+1 202-555-0100"' in html
    assert 'value="+1 202-555-0101"' in html
    loaded_at = contact.updated_at.isoformat()
    data = contact_form(
        country="US",
        loaded_at=loaded_at,
        **{"phones-0-number": "+1 202-555-0100", "phones-1-number": "", "phones-2-number": ""},
    )
    assert web.post(url, data).status_code == 302
    assert list(PhoneNumber.objects.filter(contact=contact).values_list("number", flat=True)) == ["+12025550100"]


def test_a_stale_edit_is_refused_with_a_conflict(login_as, billing, grace, make_contact):
    contact = make_contact(grace)
    stale = contact.updated_at.isoformat()
    web = login_as(billing)
    url = reverse("clients:contact_edit", args=[grace.pk, contact.pk])
    assert web.post(url, contact_form(loaded_at=contact.updated_at.isoformat())).status_code == 302
    response = web.post(url, contact_form(first_name="Late", loaded_at=stale))
    assert response.status_code == 409
    assert "Someone else saved this contact" in response.content.decode()
    assert Contact.objects.get(pk=contact.pk).first_name == "Ada"


def test_the_delete_page_names_what_goes_and_deleting_takes_the_numbers(login_as, billing, grace, make_contact):
    contact = make_contact(grace, first_name="Doomed", phones=("(202) 555-0100", "(202) 555-0101"))
    web = login_as(billing)
    url = reverse("clients:contact_delete", args=[grace.pk, contact.pk])
    html = web.get(url).content.decode()
    assert "Doomed" in html
    assert "its 2 phone numbers" in html
    assert "(202) 555-0101" in html
    assert web.post(url).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not PhoneNumber.objects.filter(contact_id=contact.pk).exists()


def test_the_invoice_contact_cannot_be_deleted_and_the_page_says_why(login_as, billing, grace, make_contact):
    contact = make_contact(grace, first_name="Invoiced")
    web = login_as(billing)
    web.post(reverse("clients:invoice_contact", args=[grace.pk]), {"invoice_contact": str(contact.pk)})
    url = reverse("clients:contact_delete", args=[grace.pk, contact.pk])
    html = web.get(url).content.decode()
    assert "Invoices are addressed to Invoiced" in html
    assert "Delete contact</button>" not in html
    response = web.post(url)
    assert response.status_code == 409
    assert Contact.objects.filter(pk=contact.pk).exists()
    retype = web.post(reverse("clients:contact_edit", args=[grace.pk, contact.pk]), contact_form(contact_type="type-1"))
    assert retype.status_code == 422
    assert Contact.objects.get(pk=contact.pk).contact_type == "billing"


def test_the_profile_says_who_invoices_are_addressed_to(login_as, billing, grace, make_contact):
    contact = make_contact(grace, first_name="Payable")
    web = login_as(billing)
    assert "Primary contact" in web.get(grace.get_absolute_url()).content.decode()
    web.post(reverse("clients:invoice_contact", args=[grace.pk]), {"invoice_contact": str(contact.pk)})
    html = web.get(grace.get_absolute_url()).content.decode()
    assert f"Payable {contact.last_name}" in html


def test_invoice_contact_choices_are_this_clients_primary_and_billing_contacts(
    login_as, billing, grace, make_client, make_contact, make_contact_type
):
    stranger = make_contact(make_client())
    technical = make_contact(grace, contact_type="other", custom_type=make_contact_type())
    web = login_as(billing)
    url = reverse("clients:invoice_contact", args=[grace.pk])
    for pk in (stranger.pk, technical.pk, "x"):
        response = web.post(url, {"invoice_contact": str(pk)})
        assert response.status_code == 422
    assert Client.objects.get(pk=grace.pk).invoice_contact_id is None


# --- Contact types ----------------------------------------------------------------------------


def test_admin_adds_renames_and_deletes_a_contact_type_and_its_contacts_stay(login_as, admin, grace, make_contact):
    web = login_as(admin)
    url = reverse("clients:contact_type_list")
    assert web.post(url, {"name": "Technical"}).status_code == 302
    kind = CustomContactType.objects.get()
    contact = make_contact(grace, contact_type="other", custom_type=kind)
    html = web.get(url).content.decode()
    assert "Technical" in html
    assert '<td class="text-end">1</td>' in html
    duplicate = web.post(url, {"name": "technical"})
    assert duplicate.status_code == 422
    assert "already a contact type named" in duplicate.content.decode()
    assert web.post(reverse("clients:contact_type_edit", args=[kind.pk]), {"name": "Tech"}).status_code == 302
    confirm = web.get(reverse("clients:contact_type_delete", args=[kind.pk])).content.decode()
    assert "1 contact of this type stays" in confirm
    assert web.post(reverse("clients:contact_type_delete", args=[kind.pk])).status_code == 302
    kept = Contact.objects.get(pk=contact.pk)
    assert (kept.contact_type, kept.custom_type_id) == ("other", None)
    # Its edit form still offers the untyped "other" type it now has.
    html = web.get(reverse("clients:contact_edit", args=[grace.pk, contact.pk])).content.decode()
    assert '<option value="other" selected>Other (no type)</option>' in html


# --- Hostile input ----------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "{{ 7*7 }}"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_show_literally(login_as, admin, grace, text):
    web = login_as(admin)
    web.post(reverse("clients:contact_add", args=[grace.pk]), contact_form(first_name=text, company=text))
    contact = others(grace).get()
    assert contact.first_name == text
    shown = escape(text)
    for url in (
        reverse("clients:client_contacts", args=[grace.pk]),
        reverse("clients:contact_edit", args=[grace.pk, contact.pk]),
        reverse("clients:contact_delete", args=[grace.pk, contact.pk]),
        reverse("clients:client_history", args=[grace.pk]),
    ):
        html = web.get(url).content.decode()
        assert shown in html, url
        if "<" in text:
            assert text not in html, url
        assert f"49 {contact.last_name}" not in html, url


def test_history_tells_contact_changes_in_words(login_as, admin, grace, make_contact):
    contact = make_contact(grace, first_name="Wanda", phones=("(202) 555-0100", "(202) 555-0101"))
    web = login_as(admin)
    data = contact_form(
        first_name="Wanda",
        last_name=contact.last_name,
        email=contact.email,
        country="GB",
        state="GB-LND",
        **{"phones-0-number": "+1 202-555-0100", "phones-1-number": "020 7946 0958", "phones-2-number": ""},
    )
    assert web.post(reverse("clients:contact_edit", args=[grace.pk, contact.pk]), data).status_code == 302
    html = web.get(reverse("clients:client_history", args=[grace.pk])).content.decode()
    assert "Edited contact" in html
    assert "Added contact" in html
    assert "United Kingdom" in html
    assert "London, City of" in html or "City of London" in html
    assert "+44 20 7946 0958" in html
    assert "contact.update" not in html
