"""Every error is RFC 9457 problem details; a token is throttled on its own; bodies never reach the logs."""

import logging

import pytest
from django.core.cache import cache

from clientdesk.clients.models import Contact

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status, type_="about:blank"):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert body["type"] == type_
    assert body["title"]
    assert body["detail"]
    return body


def test_a_missing_url_under_the_api_is_a_problem_too_for_a_token(api_as, readonly):
    assert_problem(api_as(readonly).get("/api/v1/clients/999/"), 404)


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nothing/", "/api/v1/clients", "/api/v1/clients/1/tickets/"])
def test_a_url_the_api_does_not_have_is_a_404_problem_not_a_page(api_as, path):
    body = assert_problem(api_as(None).post(path, {}), 404)
    assert "ends with a slash" in body["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_a_url_the_api_does_not_have_is_a_404_problem_not_a_csrf_page(method):
    from django.test import Client

    browser_like = Client(enforce_csrf_checks=True)
    body = assert_problem(getattr(browser_like, method)("/api/v1/clients/x/contacts/"), 404)
    assert "ends with a slash" in body["detail"]


def test_a_method_the_endpoint_does_not_have_is_405(api_as, readonly):
    body = assert_problem(api_as(readonly).delete("/api/v1/me/"), 405)
    assert "DELETE" in body["detail"]


def test_a_body_that_is_not_json_is_refused(api_as, billing, make_client):
    client = make_client()
    api = api_as(billing)
    assert_problem(
        api.generic("PATCH", f"/api/v1/clients/{client.pk}/", "{not json", content_type="application/json"),
        400,
        "urn:clientdesk:problem:malformed",
    )
    assert_problem(api.patch(f"/api/v1/clients/{client.pk}/", ["a", "list"]), 400, "urn:clientdesk:problem:malformed")
    assert_problem(
        api.patch(f"/api/v1/clients/{client.pk}/", "city=Reston", content_type="application/x-www-form-urlencoded"),
        415,
    )


def test_problems_are_served_to_a_caller_accepting_only_problem_json(api_as):
    response = api_as(None).get("/api/v1/me/", HTTP_ACCEPT=PROBLEM)
    assert_problem(response, 401)


def test_control_characters_are_stripped_from_json_as_from_forms(api_as, support, make_client):
    client = make_client()
    response = api_as(support).patch(f"/api/v1/clients/{client.pk}/", {"city": "Res\x00ton\x1b", "title": "\x85CTO"})
    assert response.status_code == 200
    contact = Contact.objects.get(client=client)
    assert (contact.city, contact.title) == ("Reston", "CTO")


def test_a_token_past_its_rate_is_told_when_to_come_back(api_as, readonly, settings):
    from django.conf import settings as django_settings

    cache.clear()
    settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/min"}}
    api, other = api_as(readonly), api_as(readonly)
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = api.get("/api/v1/me/")
    assert_problem(throttled, 429)
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert other.get("/api/v1/me/").status_code == 200  # each token counts on its own


def test_request_bodies_never_reach_the_logs(api_as, billing, make_client, caplog):
    client = make_client()
    api = api_as(billing)
    marker = "secret-marker-4f1d"
    with caplog.at_level(logging.DEBUG):
        api.post("/api/v1/clients/", {"first_name": marker, "email": f"{marker}@x"}, HTTP_IDEMPOTENCY_KEY="k")
        api.patch(f"/api/v1/clients/{client.pk}/", {"email": marker})
        api.patch(f"/api/v1/clients/{client.pk}/", {"city": marker})
    assert caplog.records, "the refusals were logged (their paths)"
    assert not [r for r in caplog.records if marker in r.getMessage() or marker in str(r.args)]
