"""Pages go out with a nonce-based Content-Security-Policy and may not be framed."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class ScriptTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def scripts_in(response):
    parser = ScriptTags()
    parser.feed(response.content.decode())
    return parser.scripts


def policy(response):
    """The CSP header as {directive: [values]}."""
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def nonce_of(response):
    (nonce,) = re.findall(r"'nonce-([^']+)'", " ".join(policy(response)["script-src"]))
    return nonce


@pytest.fixture(params=["sign-in", "client list", "security"])
def page(request, client, admin):
    if request.param == "sign-in":
        return client.get(reverse("accounts:sign_in"))
    client.force_login(admin)
    return client.get(reverse("clients:client_list" if request.param == "client list" else "accounts:security"))


def test_pages_carry_a_csp_with_a_script_nonce_and_no_unsafe_inline(page):
    assert page.status_code == 200
    directives = policy(page)
    assert len(nonce_of(page)) >= 16
    assert "'self'" in directives["script-src"]
    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
    assert "'unsafe-eval'" not in page["Content-Security-Policy"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


def test_every_script_tag_carries_the_pages_nonce(page):
    scripts = scripts_in(page)
    assert scripts, "the page should load its scripts"
    nonce = nonce_of(page)
    assert [s.get("nonce") for s in scripts] == [nonce] * len(scripts)


def test_pages_carry_no_inline_event_handlers(page):
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page.content.decode(), flags=re.IGNORECASE)


def test_each_response_gets_a_fresh_nonce(client):
    first = client.get(reverse("accounts:sign_in"))
    second = client.get(reverse("accounts:sign_in"))
    assert nonce_of(first) != nonce_of(second)


def test_pages_may_not_be_framed(page):
    assert page["X-Frame-Options"] == "DENY"


# --- Nothing the desk shows is kept in the browser's cache -----------------------------------


def assert_not_stored(response):
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


@pytest.mark.parametrize(
    "name", ["clients:client_list", "clients:client_add", "accounts:security", "accounts:password_change", "home"]
)
def test_pages_for_a_signed_in_member_are_not_stored(login_as, admin, name):
    assert_not_stored(login_as(admin).get(reverse(name)))


def test_a_client_profile_and_an_htmx_partial_are_not_stored(login_as, admin, make_client):
    web = login_as(admin)
    client = make_client()
    assert_not_stored(web.get(reverse("clients:client_detail", args=[client.pk])))
    assert_not_stored(web.get(reverse("clients:client_list"), headers={"HX-Request": "true"}))


def test_the_sign_in_page_and_its_answers_are_not_stored(client, admin):
    assert_not_stored(client.get(reverse("accounts:sign_in")))
    assert_not_stored(client.head(reverse("accounts:sign_in")))
    assert_not_stored(client.post(reverse("accounts:sign_in"), {"email": admin.email, "password": "wrong"}))


def test_errors_and_redirects_for_a_signed_in_member_are_not_stored(login_as, admin):
    web = login_as(admin)
    assert_not_stored(web.get("/no-such-page/"))
    assert_not_stored(web.post(reverse("accounts:sign_out")))


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/clientdesk/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
