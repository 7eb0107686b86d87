"""The OpenAPI 3.1 schema describes every endpoint completely; Swagger UI is served from the desk itself."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/me/": {"get"},
    "/api/v1/clients/": {"get", "post"},
    "/api/v1/clients/search/": {"get"},
    "/api/v1/clients/status-counts/": {"get"},
    "/api/v1/clients/{id}/": {"get", "patch"},
    "/api/v1/clients/{id}/status/": {"post"},
    "/api/v1/clients/{id}/history/": {"get"},
    "/api/v1/clients/{id}/contacts/": {"get", "post"},
    "/api/v1/clients/{id}/contacts/{contact_id}/": {"get", "patch", "delete"},
    "/api/v1/clients/{id}/invoice-contact/": {"get", "put", "patch"},
    "/api/v1/clients/{id}/notes/": {"get", "post"},
    "/api/v1/clients/{id}/notes/{note_id}/": {"get", "patch", "delete"},
    "/api/v1/clients/{id}/emails/": {"get", "post"},
    "/api/v1/clients/{id}/emails/{email_id}/": {"get"},
    "/api/v1/clients/{id}/emails/{email_id}/resend/": {"post"},
    "/api/v1/clients/{id}/payment-accounts/": {"get", "post"},
    "/api/v1/clients/{id}/payment-accounts/{account_id}/": {"get", "patch", "delete"},
    "/api/v1/clients/{id}/payment-accounts/{account_id}/auto-debit/": {"post", "delete"},
    "/api/v1/clients/{id}/payment-types/": {"get", "put"},
    "/api/v1/email-templates/": {"get"},
    "/api/v1/email-templates/{action}/": {"get", "patch"},
    "/api/v1/email-templates/{action}/reset/": {"post"},
    "/api/v1/contact-types/": {"get", "post"},
    "/api/v1/contact-types/{id}/": {"get", "patch", "delete"},
    "/api/v1/staff/": {"get", "post"},
    "/api/v1/staff/{id}/": {"get"},
    "/api/v1/staff/{id}/roles/": {"put", "post"},
    "/api/v1/staff/{id}/deactivate/": {"post"},
    "/api/v1/staff/{id}/reactivate/": {"post"},
    "/api/v1/staff/{id}/two-factor-reset/": {"post"},
    "/api/v1/staff/{id}/lock-clear/": {"post"},
    "/api/v1/staff/{id}/password-link/": {"post"},
}
WRITES = {"post", "put", "patch", "delete"}
# Edits that take the ETag their resource is read with.
VERSIONED = {
    ("/api/v1/clients/{id}/", "patch"),
    ("/api/v1/clients/{id}/contacts/{contact_id}/", "patch"),
    ("/api/v1/clients/{id}/notes/{note_id}/", "patch"),
    ("/api/v1/email-templates/{action}/", "patch"),
}
# Lists, and the parameters each takes besides the cursor's.
LISTS = {
    "/api/v1/clients/": {"status", "name", "email", "company", "country", "group", "sort"},
    "/api/v1/clients/search/": {"q"},
    "/api/v1/clients/{id}/history/": {"id"},
    "/api/v1/clients/{id}/contacts/": {"id"},
    "/api/v1/clients/{id}/notes/": {"id", "sticky"},
    "/api/v1/clients/{id}/emails/": {"id"},
    "/api/v1/clients/{id}/payment-accounts/": {"id"},
    "/api/v1/email-templates/": set(),
    "/api/v1/contact-types/": set(),
    "/api/v1/staff/": set(),
}
# Creates, and the fields their bodies must hold.
CREATES = {
    "/api/v1/clients/": {"first_name", "last_name", "email"},
    "/api/v1/clients/{id}/contacts/": {"contact_type", "first_name", "last_name", "email"},
    "/api/v1/clients/{id}/notes/": {"summary"},
    "/api/v1/clients/{id}/emails/": {"to", "subject"},
    "/api/v1/contact-types/": {"name"},
    "/api/v1/staff/": {"email", "full_name", "roles"},
}


@pytest.fixture
def schema(api_as, readonly):
    response = api_as(readonly).get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_schema_is_valid_openapi_3_1(schema):
    assert schema["openapi"] == "3.1.0"
    validate_schema(schema)


def test_every_endpoint_and_method_is_described(schema):
    assert {path: set(item) for path, item in schema["paths"].items()} == PATHS


def test_every_operation_says_what_it_does_who_may_call_it_and_every_error(schema):
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation["security"] == [{"token": []}], where
        for status in ("401", "429"):
            assert "application/problem+json" in operation["responses"][status]["content"], where
        assert "Retry-After" in operation["responses"]["429"]["headers"], where
        if path != "/api/v1/me/":
            assert "403" in operation["responses"], where
        if "{id}" in path:
            assert "404" in operation["responses"], where
        if method in WRITES:
            assert {"400", "409", "422"} <= operation["responses"].keys(), where
            assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"]), where
        if method in WRITES - {"delete"}:
            assert operation["requestBody"]["content"]["application/json"]["examples"], f"{where}: no body example"
        if method == "delete":
            assert "204" in operation["responses"], where
        if (path, method) in VERSIONED:
            assert "412" in operation["responses"], where
            assert any(p["name"] == "If-Match" for p in operation["parameters"]), where
        examples = [
            example
            for response in operation["responses"].values()
            for media in response.get("content", {}).values()
            for example in media.get("examples", {}).values()
        ]
        assert examples, f"{where} shows no example"


def test_every_list_documents_its_filters_cursor_and_page(schema):
    for path, parameters in LISTS.items():
        operation = schema["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert names == {*parameters, "cursor", "page_size"}, path
        assert "400" in operation["responses"], path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in page, f"{path}: one page (an object), not {page}"
        component = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]]
        assert {"next", "previous", "results"} <= component["properties"].keys(), path


@pytest.mark.parametrize(("path", "required"), CREATES.items())
def test_every_create_documents_the_fields_its_body_must_hold(schema, path, required):
    body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    component = body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][component]["required"]) == required
    assert "201" in schema["paths"][path]["post"]["responses"]


def test_adding_a_client_requires_a_key_and_documents_its_body(schema):
    operation = schema["paths"]["/api/v1/clients/"]["post"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True
    body = operation["requestBody"]["content"]["application/json"]
    assert body["examples"]
    component = body["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][component]
    assert set(fields["required"]) == {"first_name", "last_name", "email"}
    assert "allow_duplicate" in fields["properties"]


def test_adding_a_payment_account_requires_a_key_and_documents_each_kind(schema):
    operation = schema["paths"]["/api/v1/clients/{id}/payment-accounts/"]["post"]
    (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["required"] is True
    body = operation["requestBody"]["content"]["application/json"]
    assert {example["value"]["kind"] for example in body["examples"].values()} == {"card", "bank"}
    one_of = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert one_of["discriminator"]["propertyName"] == "kind"
    required = {
        kind: set(schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["required"])
        for kind, ref in one_of["discriminator"]["mapping"].items()
    }
    assert required == {
        "card": {"kind", "number", "expiry_month", "expiry_year", "security_code"},
        "bank": {"kind", "account_type", "routing_number", "account_number"},
    }
    assert "201" in operation["responses"]


def test_no_payment_account_answer_documents_a_number_or_a_secret(schema):
    account = schema["components"]["schemas"]["PaymentAccount"]["properties"]
    assert not {"number", "sealed_number", "sealed_routing", "gateway_token", "fingerprint", "security_code"} & set(
        account
    )
    assert {"label", "brand", "last4", "holder", "owner", "storage", "auto_debit"} <= set(account)


def test_the_token_scheme_is_bearer(schema):
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token (account menu → API tokens), e.g. `cdk_3f2a9b1c0d4e_…`.",
    }


def test_the_schema_is_refused_without_a_token_or_a_session(api_as):
    assert api_as(None).get("/api/v1/schema/").status_code == 401


def test_the_docs_are_a_desk_page_behind_sign_in(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_the_docs_load_only_files_of_the_desk_under_its_csp(login_as, readonly, settings):
    web = login_as(readonly)
    page = web.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 3
    assert all('src="/' in attrs and not body.strip() for attrs, body in scripts), "no inline script"
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), f"{asset} is served by the desk itself"
    assert "script-src 'self' 'nonce-" in page["Content-Security-Policy"]
    start = web.get("/api/v1/docs/?script=")
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/v1/schema/"' in start.content.decode()


@override_settings(DEBUG=False)
def test_the_schema_generates_without_warnings():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out, stderr=out)
    assert "openapi: 3.1.0" in out.getvalue()
