"""Account menu → API tokens: every member makes and revokes their own; Admins see and revoke everyone's."""

import re

import pytest
from django.urls import reverse

from clientdesk.api.models import ApiToken
from clientdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LIST = "/api/tokens/"


def revoke_url(token):
    return reverse("api:token_revoke", args=[token.pk])


def test_the_urls_are_the_ones_the_menu_names():
    assert reverse("api:token_list") == LIST
    assert reverse("api:v1:client-list") == "/api/v1/clients/"


@pytest.mark.parametrize(("method", "path"), [("get", LIST), ("post", LIST), ("get", "revoke"), ("post", "revoke")])
def test_anonymous_is_sent_to_sign_in(client, admin, make_token, method, path):
    token, _ = make_token(admin)
    url = revoke_url(token) if path == "revoke" else path
    response = getattr(client, method)(url, {"name": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert ApiToken.objects.get().revoked_at is None


def test_the_account_menu_has_api_tokens_and_nothing_else_is_new(login_as, outsider):
    html = login_as(outsider).get(LIST).content.decode()
    menu = html[html.index('class="dropdown-menu') : html.index("</ul>", html.index('class="dropdown-menu'))]
    assert f'<a class="dropdown-item" href="{LIST}">API tokens</a>' in menu


def test_a_member_without_any_role_makes_a_token_and_sees_its_secret_once(login_as, outsider):
    web = login_as(outsider)
    made = web.post(LIST, {"name": "billing-sync", "read_only": "on", "expires_in": "30"})
    assert made.status_code == 201
    shown = re.search(r'value="(cdk_[^"]+)"', made.content.decode())
    assert shown is not None
    secret = shown.group(1)
    token = ApiToken.objects.get()
    assert (token.owner, token.name, token.read_only) == (outsider, "billing-sync", True)
    assert token.matches(secret)
    assert made["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    listed = web.get(LIST).content.decode()
    assert "billing-sync" in listed
    assert token.display_id in listed
    assert secret not in listed
    assert AuditEvent.objects.get(action="api_token.create").actor_user == outsider


@pytest.mark.parametrize(("data", "field"), [({"name": ""}, "name"), ({"name": "x", "expires_in": "7"}, "expires_in")])
def test_a_token_form_with_bad_input_makes_nothing(login_as, outsider, data, field):
    response = login_as(outsider).post(LIST, data)
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_a_second_token_of_the_same_name_is_refused_by_the_action(login_as, outsider, make_token):
    make_token(outsider, name="sync")
    response = login_as(outsider).post(LIST, {"name": "SYNC", "expires_in": ""})
    assert response.status_code == 422
    assert ApiToken.objects.count() == 1


def test_a_member_sees_and_revokes_only_their_own_tokens(login_as, support, billing, make_token):
    mine, _ = make_token(support, name="mine")
    theirs, _ = make_token(billing, name="theirs")
    web = login_as(support)
    page = web.get(LIST)
    assert "mine" in page.content.decode()
    assert "theirs" not in page.content.decode()
    assert page.context["everyone"] is None
    assert web.get(revoke_url(theirs)).status_code == 404
    assert web.post(revoke_url(theirs)).status_code == 404
    assert web.get(revoke_url(mine)).status_code == 200  # asks first
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is None
    assert web.post(revoke_url(mine)).status_code == 302
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_an_admin_sees_everyones_tokens_and_revokes_any(login_as, admin, billing, make_token):
    theirs, _ = make_token(billing, name="nightly-export")
    web = login_as(admin)
    page = web.get(LIST)
    assert [t.pk for t in page.context["everyone"]] == [theirs.pk]
    assert "nightly-export" in page.content.decode()
    assert web.post(revoke_url(theirs)).status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.actor_user == admin


def test_the_token_page_reads_a_fixed_number_of_queries(
    login_as, admin, make_staff, make_token, django_assert_num_queries
):
    web = login_as(admin)
    web.get(LIST)
    for i in range(5):
        make_token(make_staff(f"m{i}@staff.test"))
        make_token(admin)
    with django_assert_num_queries(7):  # session, user, permissions (2), own tokens, everyone's (count, page)
        page = web.get(LIST)
    assert len(page.context["tokens"]) == 5
    assert len(page.context["everyone"]) == 10
