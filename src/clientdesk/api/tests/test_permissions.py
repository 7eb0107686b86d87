"""Every endpoint, every persona, each method: the status, and whether the database changed.

The database change is read from one table, the audit log: every write of the desk records one event
(reads record none), so a count that moved is a write that happened.
"""

import pytest

from clientdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "outsider", "readonly", "support", "billing", "admin")
NEW_CLIENT = {"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.example", "country": "US"}

# (what, method, path, body, statuses for PERSONAS in order)
CASES = [
    ("me", "get", "/api/v1/me/", None, (401, 200, 200, 200, 200, 200)),
    ("client list", "get", "/api/v1/clients/", None, (401, 403, 200, 200, 200, 200)),
    ("client search", "get", "/api/v1/clients/search/?q=Hopper", None, (401, 403, 200, 200, 200, 200)),
    ("status counts", "get", "/api/v1/clients/status-counts/", None, (401, 403, 200, 200, 200, 200)),
    ("add client", "post", "/api/v1/clients/", NEW_CLIENT, (401, 403, 403, 403, 201, 201)),
    ("replace the list", "put", "/api/v1/clients/", NEW_CLIENT, (401, 405, 405, 405, 405, 405)),
    ("client", "get", "/api/v1/clients/{client}/", None, (401, 403, 200, 200, 200, 200)),
    ("edit client", "patch", "/api/v1/clients/{client}/", {"city": "Reston"}, (401, 403, 403, 200, 200, 200)),
    ("replace client", "put", "/api/v1/clients/{client}/", NEW_CLIENT, (401, 405, 405, 405, 405, 405)),
    ("delete client", "delete", "/api/v1/clients/{client}/", None, (401, 405, 405, 405, 405, 405)),
    ("change status", "post", "/api/v1/clients/{client}/status/", {"seen": "active"}, (401, 403, 403, 403, 200, 200)),
    ("read status", "get", "/api/v1/clients/{client}/status/", None, (401, 405, 405, 405, 405, 405)),
    ("history", "get", "/api/v1/clients/{client}/history/", None, (401, 403, 200, 200, 200, 200)),
    ("staff", "get", "/api/v1/staff/", None, (401, 403, 403, 403, 403, 200)),
    ("staff member", "get", "/api/v1/staff/{member}/", None, (401, 403, 403, 403, 403, 200)),
    ("add staff", "post", "/api/v1/staff/", {"email": "x@staff.test"}, (401, 405, 405, 405, 405, 405)),
    ("schema", "get", "/api/v1/schema/", None, (401, 200, 200, 200, 200, 200)),
]


@pytest.fixture
def grace(make_client):
    return make_client(first_name="Grace", last_name="Hopper")


def _as(request, api_as, persona):
    return api_as(None if persona == "anonymous" else request.getfixturevalue(persona))


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "persona", "expected"),
    [
        pytest.param(what, method, path, body, persona, statuses[i], id=f"{what}-{method}-{persona}")
        for (what, method, path, body, statuses) in CASES
        for i, persona in enumerate(PERSONAS)
    ],
)
def test_each_endpoint_answers_each_persona(request, api_as, grace, admin, what, method, path, body, persona, expected):
    api = _as(request, api_as, persona)
    url = path.format(client=grace.pk, member=admin.pk)
    events = AuditEvent.objects.count()
    response = getattr(api, method)(url, body, HTTP_IDEMPOTENCY_KEY=f"{what}-{persona}")
    assert response.status_code == expected, response.content
    wrote = AuditEvent.objects.count() != events
    assert wrote == (method != "get" and expected in (200, 201))
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == expected


CLIENT_URLS = [
    ("get", "/api/v1/clients/{}/", None),
    ("patch", "/api/v1/clients/{}/", {"city": "Reston"}),
    ("post", "/api/v1/clients/{}/status/", {"seen": "active"}),
    ("get", "/api/v1/clients/{}/history/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CLIENT_URLS)
def test_without_the_view_permission_a_client_url_says_nothing_of_whether_it_exists(
    api_as, outsider, grace, method, path, body
):
    api = api_as(outsider)
    missing = grace.pk + 1000
    there = getattr(api, method)(path.format(grace.pk), body)
    not_there = getattr(api, method)(path.format(missing), body)
    assert there.status_code == not_there.status_code == 403
    assert there.json() == not_there.json()
    assert there.json()["detail"].startswith("You need the “")


@pytest.mark.parametrize(("method", "path", "body"), CLIENT_URLS[1:3])
def test_a_write_without_its_permission_is_refused_before_the_client_is_looked_up(
    api_as, readonly, grace, method, path, body
):
    api = api_as(readonly)
    there = getattr(api, method)(path.format(grace.pk), body)
    not_there = getattr(api, method)(path.format(grace.pk + 1000), body)
    assert there.status_code == not_there.status_code == 403
    assert there.json() == not_there.json()


@pytest.mark.parametrize(("method", "path", "body"), CLIENT_URLS)
def test_a_missing_client_is_404_for_those_who_may_see_clients(api_as, admin, grace, method, path, body):
    response = getattr(api_as(admin), method)(path.format(grace.pk + 1000), body)
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not found."}


def test_the_refusal_names_the_permission_and_the_roles_that_hold_it(api_as, support):
    response = api_as(support).post("/api/v1/clients/", NEW_CLIENT, HTTP_IDEMPOTENCY_KEY="k")
    assert response.json()["detail"] == "You need the “Can add client” permission (Billing or Admin role) to do this."


def test_the_cases_cover_every_endpoint_of_the_api(api_as, admin):
    schema = api_as(admin).get("/api/v1/schema/").json()
    described = {(path, method) for path, item in schema["paths"].items() for method in item}
    tested = {
        (path.split("?")[0].replace("{client}", "{id}").replace("{member}", "{id}"), method)
        for _, method, path, _, _ in CASES
    }
    assert described <= tested
