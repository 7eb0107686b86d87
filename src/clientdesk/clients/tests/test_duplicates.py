"""Add client warns about a client that may already exist (same email) and creates it only when told."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.actions import ClientData, ContactData, DuplicateClientError, client_create
from clientdesk.clients.models import Client

pytestmark = pytest.mark.django_db


def new(email, **kwargs):
    return client_create(
        actor=None,
        data=ClientData(),
        contact=ContactData(first_name="Ann", last_name="Lee", email=email, country="US"),
        **kwargs,
    )


def test_a_client_with_the_email_of_another_clients_contact_is_refused_naming_it(make_client):
    first = make_client(first_name="Ann", last_name="Lee", email="ann@lee.example")
    with pytest.raises(DuplicateClientError) as exc:
        new("ANN@Lee.example")
    assert exc.value.clients == [first]
    assert f"#{first.id_code}" in exc.value.message_dict["email"][0]
    assert isinstance(exc.value, ValidationError)
    assert Client.objects.count() == 1
    assert AuditEvent.objects.filter(action="client.create").count() == 1


def test_told_to_it_creates_the_client_anyway(make_client):
    make_client(email="ann@lee.example")
    second = new("ann@lee.example", allow_duplicate=True)
    assert Client.objects.count() == 2
    assert second.email == "ann@lee.example"


def test_an_email_that_only_contains_anothers_is_no_duplicate(make_client):
    make_client(email="jo@lee.example")
    assert new("ajo@lee.example.org").email == "ajo@lee.example.org"


def test_the_add_form_shows_the_existing_client_and_a_button_to_create_anyway(login_as, billing, make_client):
    first = make_client(first_name="Ann", last_name="Lee", email="ann@lee.example")
    data = {
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@lee.example",
        "country": "US",
        "currency": "USD",
        "language": "en",
        "invoice_method": "email",
        "phones-TOTAL_FORMS": "0",
        "phones-INITIAL_FORMS": "0",
    }
    web = login_as(billing)
    response = web.post(reverse("clients:client_add"), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert f'href="{first.get_absolute_url()}"' in html
    assert 'name="create_anyway"' in html
    assert Client.objects.count() == 1

    response = web.post(reverse("clients:client_add"), {**data, "create_anyway": "1"})
    assert response.status_code == 302
    assert Client.objects.count() == 2
