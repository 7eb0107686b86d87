"""Idempotency keys: a retried write answers as the first did and writes once; a reused key is refused."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.test import APIClient

from clientdesk.api import idempotency
from clientdesk.api.models import IdempotencyKey
from clientdesk.audit.models import AuditEvent
from clientdesk.clients import actions
from clientdesk.clients.models import Client, Contact

CLIENTS = "/api/v1/clients/"
ANN = {"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.example"}


def writes():
    return Client.objects.count(), AuditEvent.objects.count()


@pytest.mark.django_db
def test_a_retry_gets_the_first_answer_and_writes_nothing_again(api_as, billing):
    api = api_as(billing)
    first = api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="add-ann")
    after_first = writes()
    retry = api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="add-ann")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["ETag"] == first["ETag"]
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert writes() == after_first == (1, after_first[1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", CLIENTS, {**ANN, "first_name": "Anne"}),  # another body
        ("post", "{notes}", {"summary": "Called"}),  # another URL (the new client's notes)
    ],
)
def test_the_same_key_with_another_request_is_refused(api_as, billing, method, path, body):
    api = api_as(billing)
    added = api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="add-ann")
    before = writes()
    path = path.format(notes=f"{CLIENTS}{added.json()['id']}/notes/")
    response = getattr(api, method)(path, body, HTTP_IDEMPOTENCY_KEY="add-ann")
    assert response.status_code == 422
    assert response.json()["type"] == "urn:clientdesk:problem:idempotency-key-reused"
    assert writes() == before


@pytest.mark.django_db
def test_adding_a_client_needs_a_key(api_as, billing):
    api = api_as(billing)
    before = writes()
    response = api.post(CLIENTS, ANN)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:clientdesk:problem:idempotency-key-missing"
    assert writes() == before


@pytest.mark.django_db
def test_the_permission_is_checked_before_the_key(api_as, support, make_client):
    client = make_client()
    api = api_as(support)
    assert api.post(CLIENTS, ANN).status_code == 403
    assert api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="k").status_code == 403
    assert api.post(f"{CLIENTS}{client.pk}/status/", {"seen": "active"}, HTTP_IDEMPOTENCY_KEY="s").status_code == 403
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_a_key_that_cannot_be_kept_is_refused(api_as, billing, key):
    response = api_as(billing).post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:clientdesk:problem:idempotency-key-invalid"
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_an_edit_retried_with_its_key_is_not_applied_again(api_as, support, billing, make_client):
    client = make_client(city="Arlington")
    mine = api_as(support)
    first = mine.patch(f"{CLIENTS}{client.pk}/", {"city": "Reston"}, HTTP_IDEMPOTENCY_KEY="move")
    api_as(billing).patch(f"{CLIENTS}{client.pk}/", {"city": "Fairfax"})
    retry = mine.patch(f"{CLIENTS}{client.pk}/", {"city": "Reston"}, HTTP_IDEMPOTENCY_KEY="move")
    assert retry.json() == first.json()
    client.refresh_from_db()
    assert client.contacts.get().city == "Fairfax"
    assert AuditEvent.objects.filter(action="client.update").count() == 2


@pytest.mark.django_db
def test_edits_and_status_changes_run_without_a_key(api_as, billing, make_client):
    client = make_client()
    api = api_as(billing)
    assert api.patch(f"{CLIENTS}{client.pk}/", {"city": "Reston"}).status_code == 200
    assert api.post(f"{CLIENTS}{client.pk}/status/", {"seen": "active"}).status_code == 200
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_refusal_is_the_answer_a_retry_gets_too(api_as, billing):
    api = api_as(billing)
    first = api.post(CLIENTS, {**ANN, "email": "nope"}, HTTP_IDEMPOTENCY_KEY="k")
    retry = api.post(CLIENTS, {**ANN, "email": "nope"}, HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == retry.status_code == 422
    assert retry.json() == first.json()
    assert retry["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_a_server_error_frees_the_key_for_a_retry(api_as, billing, monkeypatch):
    api = api_as(billing)
    real = actions.client_create
    monkeypatch.setattr(actions, "client_create", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("down")))
    with pytest.raises(RuntimeError):
        api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="k")
    assert not IdempotencyKey.objects.exists()
    monkeypatch.setattr(actions, "client_create", real)
    assert api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="k").status_code == 201


@pytest.mark.django_db
def test_keys_belong_to_one_token(api_as, billing):
    api_as(billing).post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="k")
    other = api_as(billing).post(CLIENTS, {**ANN, "allow_duplicate": True}, HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 201
    assert Client.objects.count() == 2


@pytest.mark.django_db
def test_keys_are_kept_a_day(api_as, billing):
    api = api_as(billing)
    api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="k")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    again = api.post(CLIENTS, {**ANN, "allow_duplicate": True}, HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.django_db
def test_a_stored_answer_never_holds_a_secret(billing, make_token):
    token, secret = make_token(billing)
    row = IdempotencyKey.objects.create(token=token, key="k", fingerprint="f")
    idempotency._store(row, Response({"token": {"name": "x", "secret": secret}, "items": [{"secret": secret}]}))
    row.refresh_from_db()
    assert row.response is not None
    assert secret not in str(row.response)
    assert row.response["data"] == {
        "token": {"name": "x", "secret": "[not stored]"},
        "items": [{"secret": "[not stored]"}],
    }


@pytest.mark.django_db
def test_a_retried_contact_create_writes_the_contact_once(api_as, support, make_client):
    client = make_client()
    api = api_as(support)
    body = {"contact_type": "billing", "first_name": "Ada", "last_name": "Byron", "email": "ada@engines.example"}
    path = f"{CLIENTS}{client.pk}/contacts/"
    first = api.post(path, body, HTTP_IDEMPOTENCY_KEY="add-ada")
    retry = api.post(path, body, HTTP_IDEMPOTENCY_KEY="add-ada")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(client=client).count() == 2  # the primary contact and Ada
    assert AuditEvent.objects.filter(action="contact.create").count() == 1


@pytest.mark.django_db
def test_a_retried_delete_answers_as_the_first_did(api_as, billing, make_note):
    note = make_note()
    api = api_as(billing)
    path = f"{CLIENTS}{note.client_id}/notes/{note.pk}/"
    first = api.delete(path, HTTP_IDEMPOTENCY_KEY="drop")
    retry = api.delete(path, HTTP_IDEMPOTENCY_KEY="drop")
    assert first.status_code == retry.status_code == 204
    assert retry["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="note.delete").count() == 1
    assert api.delete(path, HTTP_IDEMPOTENCY_KEY="drop-again").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "contacts/", {"contact_type": "billing"}),
        ("post", "notes/", {"summary": "Called"}),
        ("put", "invoice-contact/", {"invoice_contact": None}),
    ],
)
def test_the_permission_is_checked_before_the_key_on_a_clients_rows_too(
    api_as, readonly, make_client, method, path, body
):
    client = make_client()
    response = getattr(api_as(readonly), method)(f"{CLIENTS}{client.pk}/{path}", body, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 403
    assert not IdempotencyKey.objects.exists()


# --- Two requests with one key at the same moment ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_write_once_and_the_other_is_told_409(billing, make_token, monkeypatch):
    _, secret = make_token(billing)
    real = actions.client_create
    entered, release = threading.Event(), threading.Event()

    def held(**kwargs):
        entered.set()
        assert release.wait(timeout=30), "the test never let the first request finish"
        return real(**kwargs)

    monkeypatch.setattr(actions, "client_create", held)
    start = threading.Barrier(2)
    answers: list = []

    def send():
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        try:
            start.wait(timeout=30)
            response = api.post(CLIENTS, ANN, HTTP_IDEMPOTENCY_KEY="at-once")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        # One request claims the key and is held inside the action; the other must answer meanwhile.
        assert entered.wait(timeout=30)
        for _ in range(300):
            if answers:
                break
            threading.Event().wait(0.1)
        assert len(answers) == 1, "the second request waited for the first instead of answering"
        assert answers[0][0] == 409
        assert answers[0][1]["type"] == "urn:clientdesk:problem:idempotency-key-in-use"
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [201, 409]
    assert Client.objects.count() == 1
    assert AuditEvent.objects.filter(action="client.create").count() == 1
