"""Sign in, sign out, `next` handling, and the sign-in requirement on every staff page."""

import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clientdesk.accounts import throttle
from clientdesk.accounts.models import LoginThrottle, User, normalize_email
from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

NO_MATCH = "That email and password do not match an active staff account."


def sign_in(client, email, password=PASSWORD, *, query="", data=None, **extra):
    url = reverse("accounts:sign_in") + query
    return client.post(url, {"email": email, "password": password, **(data or {})}, **extra)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- Sign in ------------------------------------------------------------------------------


def test_sign_in_page_is_open_to_anonymous_visitors(client):
    response = client.get(reverse("accounts:sign_in"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_head_on_the_sign_in_page_answers_like_get(client):
    get = client.get(reverse("accounts:sign_in"))
    head = client.head(reverse("accounts:sign_in"))
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""


def test_head_on_the_sign_in_page_sends_a_signed_in_member_on_like_get(login_as, admin):
    response = login_as(admin).head(reverse("accounts:sign_in"))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client_list")


def test_signing_in_lands_on_the_client_list_and_records_the_ip(client, admin):
    response = sign_in(client, admin.email, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client_list")
    assert signed_in_user_id(client) == str(admin.pk)
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert event.actor_user == admin
    assert event.actor_type == "user"
    assert event.target_pk == str(admin.pk)
    assert event.ip == "198.51.100.7"


def test_a_wrong_password_is_refused_with_a_clear_message_and_audited(client, admin):
    response = sign_in(client, admin.email, "not the password", REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 400
    assert NO_MATCH in response.content.decode()
    assert signed_in_user_id(client) is None
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.actor_type == "system"
    assert event.changes == {"email": admin.email, "step": "password"}
    assert event.ip == "198.51.100.8"
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, admin):
    response = sign_in(client, "nobody@staff.test")
    assert response.status_code == 400
    assert NO_MATCH in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 1


def test_an_inactive_member_is_refused_even_with_the_right_password(client, make_staff):
    former = make_staff("former@staff.test", "Admin")
    former.is_active = False
    former.save(update_fields=["is_active"])
    response = sign_in(client, former.email)
    assert response.status_code == 400
    assert NO_MATCH in response.content.decode()
    assert signed_in_user_id(client) is None


def test_the_email_is_matched_without_regard_to_case(client, admin):
    response = sign_in(client, "  ADA@Staff.TEST ")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(admin.pk)


# --- One spelling of an address -------------------------------------------------------------


def test_the_email_fold_is_idempotent_over_every_code_point():
    for point in range(sys.maxunicode + 1):
        if 0xD800 <= point <= 0xDFFF:
            continue  # surrogates are not characters
        once = normalize_email(chr(point))
        assert normalize_email(once) == once, f"U+{point:04X}"


@pytest.mark.parametrize("typed", ["Lock@Probe.Test", "lock@probe.te\u017ft", "\uff4c\uff4f\uff43\uff4b@probe.test"])
def test_every_spelling_of_an_address_names_the_same_account(make_staff, typed):
    member = make_staff("lock@probe.test")
    assert User.objects.get_by_natural_key(typed) == member
    assert User.objects.normalize_email(typed) == "lock@probe.test"


def test_a_member_is_stored_under_the_normalised_address(make_staff):
    assert make_staff("LOCK@PROBE.TE\u017fT").email == "lock@probe.test"
    assert User.objects.create_user(" Kelvin@\u212aelvin.test ", PASSWORD).email == "kelvin@kelvin.test"


def test_an_address_that_folding_would_change_beyond_case_is_refused(make_staff):
    with pytest.raises(ValidationError) as refused:
        make_staff("j\u00fcrgen.stra\u00dfe@staff.test")
    assert "plain ASCII" in str(refused.value)
    assert not User.objects.filter(email__startswith="j").exists()


def test_signing_in_as_another_spelling_of_a_locked_address_is_refused_and_keeps_the_lock(client, make_staff):
    member = make_staff("lock@probe.test")
    for _ in range(10):
        sign_in(client, "lock@probe.test", "not the password", REMOTE_ADDR="198.51.100.40")
    locked_until = throttle.account_locked_until(member)
    assert locked_until is not None

    response = sign_in(client, "lock@probe.te\u017ft", REMOTE_ADDR="198.51.100.40")

    assert response.status_code == 400
    assert "Too many failed sign-ins" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert throttle.account_locked_until(member) == locked_until
    assert LoginThrottle.objects.get(key=f"pair:{member.pk}:198.51.100.40").failures == 10


def test_another_spelling_of_an_address_locked_from_many_addresses_is_refused_everywhere(client, make_staff):
    member = make_staff("lock@probe.test")
    for n in range(50):
        sign_in(client, "LOCK@probe.test", "not the password", REMOTE_ADDR=f"198.51.100.{n}")
    response = sign_in(client, "lock@probe.te\u017ft", REMOTE_ADDR="192.0.2.1")
    assert "Too many failed sign-ins" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert LoginThrottle.objects.get(key=f"account:{member.pk}").failures == 50


def test_an_empty_form_is_refused_without_counting_a_failure(client, admin):
    response = client.post(reverse("accounts:sign_in"), {"email": "", "password": ""})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="auth.").exists()


def test_a_signed_in_member_opening_sign_in_is_sent_on(login_as, admin):
    response = login_as(admin).get(reverse("accounts:sign_in"))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client_list")


# --- next ---------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "javascript:alert(1)",
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "http://testserver.evil.example/",
]


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_sign_in_refuses_a_next_in_the_form_that_leaves_the_site(client, admin, next_url):
    response = sign_in(client, admin.email, data={"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client_list")


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_sign_in_refuses_a_next_in_the_query_that_leaves_the_site(client, admin, next_url):
    response = client.post(
        reverse("accounts:sign_in"), {"email": admin.email, "password": PASSWORD}, query_params={"next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:client_list")


@pytest.mark.parametrize("next_url", HOSTILE_NEXT)
def test_sign_in_page_does_not_carry_a_hostile_next_into_its_form(client, next_url):
    page = client.get(reverse("accounts:sign_in"), {"next": next_url}).content.decode()
    assert f'name="next" value="{reverse("clients:client_list")}"' in page
    assert "evil.example" not in page
    assert "javascript:" not in page


@pytest.mark.parametrize("next_url", ["/clients/", "/clients/?status=inactive"])
def test_sign_in_honours_a_next_on_this_site(client, admin, next_url):
    response = sign_in(client, admin.email, data={"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url


# --- Sign out -----------------------------------------------------------------------------


def test_sign_out_refuses_get_and_stays_signed_in(login_as, admin):
    web = login_as(admin)
    response = web.get(reverse("accounts:sign_out"))
    assert response.status_code == 405
    assert signed_in_user_id(web) == str(admin.pk)
    assert not AuditEvent.objects.filter(action="auth.sign_out").exists()


def test_sign_out_signs_out_and_is_audited(login_as, admin):
    web = login_as(admin)
    response = web.post(reverse("accounts:sign_out"), REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert signed_in_user_id(web) is None
    assert web.get(reverse("clients:client_list"))["Location"].startswith(reverse("accounts:sign_in"))
    event = AuditEvent.objects.get(action="auth.sign_out")
    assert event.actor_user == admin
    assert event.ip == "198.51.100.9"


# --- Sign-in required everywhere else -----------------------------------------------------

STAFF_PAGES = [
    ("home", "get"),
    ("clients:client_list", "get"),
    ("clients:client_add", "get"),
    ("clients:client_search", "get"),
    ("accounts:security", "get"),
    ("accounts:security", "post"),
    ("accounts:password_change", "get"),
    ("accounts:password_change", "post"),
    ("accounts:sign_out", "post"),
]


@pytest.mark.parametrize(("name", "method"), STAFF_PAGES)
def test_anonymous_is_sent_to_sign_in_from_every_staff_page(client, name, method):
    url = reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:sign_in")
    assert parse_qs(location.query) == {"next": [url]}


@pytest.mark.parametrize(("name", "method"), STAFF_PAGES)
def test_anonymous_htmx_request_gets_a_client_side_redirect_to_sign_in(client, name, method):
    response = getattr(client, method)(
        reverse(name), headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/clients/?status=inactive"}
    )
    assert response.status_code == 200
    assert "Location" not in response
    target = urlsplit(response["HX-Redirect"])
    assert target.path == reverse("accounts:sign_in")
    assert parse_qs(target.query) == {"next": ["/clients/?status=inactive"]}


def test_htmx_redirect_ignores_a_current_url_from_another_site(client):
    response = client.get(
        reverse("clients:client_list"),
        headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/steal"},
    )
    assert response.status_code == 200
    target = urlsplit(response["HX-Redirect"])
    assert target.path == reverse("accounts:sign_in")
    assert "evil.example" not in response["HX-Redirect"]
