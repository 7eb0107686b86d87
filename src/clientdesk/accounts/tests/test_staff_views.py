"""Settings → Staff pages: who may use them, what each one changes, exact query counts, and the
set-password page a link opens."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions, throttle
from clientdesk.accounts.actions.staff import LINK_REFUSED, LinkState, set_password_tokens
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.accounts.staff_forms import StaffRolesForm
from clientdesk.accounts.tests.test_staff_actions import NEW_PASSWORD, enrol_two_factor, lock_out, lockout_ip, snapshot
from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import Role
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

LINK = re.compile(r'id="set-password-link" type="text" value="(http://testserver/accounts/set-password/[^"]+)"')


def url(name, member=None):
    return reverse(f"accounts:{name}", args=[member.pk] if member is not None else [])


def html(response):
    return response.content.decode()


def link_shown(response):
    """The set-password link a page shows (its path)."""
    found = LINK.search(html(response))
    assert found, "the page shows the set-password link"
    return found.group(1).removeprefix("http://testserver")


def shown(moment):
    """A date and time as the desk writes it."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def roles_post(roles, loaded):
    return {"roles": roles, "loaded": StaffRolesForm.shown(loaded)}


# --- Who may: anonymous → sign-in, any role but Admin → 403 and nothing written -----------------

PAGES = [
    ("staff_list", False, "get"),
    ("staff_add", False, "get"),
    ("staff_add", False, "post"),
    ("staff_detail", True, "get"),
    ("staff_roles", True, "post"),
    ("staff_deactivate", True, "get"),
    ("staff_deactivate", True, "post"),
    ("staff_reactivate", True, "post"),
    ("staff_two_factor_reset", True, "get"),
    ("staff_two_factor_reset", True, "post"),
    ("staff_lock_clear", True, "post"),
    ("staff_link", True, "get"),
    ("staff_link", True, "post"),
]


def hostile_post(member):
    """Input that would change something, were it accepted."""
    return {"full_name": "Eve", "email": "eve@example.test", "roles": [Role.ADMIN], **roles_post([Role.ADMIN], [])}


@pytest.mark.parametrize(("name", "needs_member", "method"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, billing, name, needs_member, method):
    enrol_two_factor(billing)
    lock_out(billing)
    before = snapshot()
    response = getattr(client, method)(url(name, billing if needs_member else None), hostile_post(billing))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["outsider", "billing", "support", "readonly"])
@pytest.mark.parametrize(("name", "needs_member", "method"), PAGES)
def test_every_role_but_admin_gets_403_and_changes_nothing(
    request, login_as, make_staff, persona, name, needs_member, method
):
    member = make_staff("target@staff.test", Role.ADMIN)
    enrol_two_factor(member)
    lock_out(member)
    web = login_as(request.getfixturevalue(persona))
    before = snapshot()
    response = getattr(web, method)(url(name, member if needs_member else None), hostile_post(member))
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["outsider", "billing", "support", "readonly"])
def test_the_staff_menu_entry_shows_only_to_those_who_may_see_staff(request, login_as, admin, persona):
    entry = f'<a class="nav-link" href="{url("staff_list")}">Staff</a>'
    assert entry in html(login_as(admin).get(reverse("home"), follow=True))
    assert entry not in html(login_as(request.getfixturevalue(persona)).get(reverse("accounts:security")))


def test_the_set_password_page_needs_no_sign_in(client, admin):
    _, link = actions.user_invite(actor=admin, email="lin@example.test", full_name="Lin Wu", roles=[Role.BILLING])
    assert client.get(link.path).status_code == 200
    assert client.head(link.path).status_code == 200


# --- The list: what it shows, and exact query counts ------------------------------------------


@pytest.fixture
def make_filled(make_staff):
    """Factory: `n` members, each with two roles, two-factor on, signed in once, and locked out."""

    def make(n):
        made = []
        for i in range(n):
            member = make_staff(f"member{i:02d}@staff.test", Role.SUPPORT)
            member.groups.add(*member.groups.model.objects.filter(name=Role.BILLING))
            TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
            member.last_login = timezone.now() - timedelta(days=i)
            member.save(update_fields=["last_login"])
            lock_out(member)
            made.append(member)
        return made

    return make


ROW = '<td><a href="/accounts/staff/'


@pytest.mark.parametrize("shown", [1, 20])
def test_staff_list_runs_7_queries_for_one_row_or_a_full_page(
    login_as, admin, make_filled, django_assert_num_queries, shown
):
    make_filled(shown - 1 + (shown > 1) * 5)  # with the admin: one row, or a full page and more on page 2
    web = login_as(admin)
    # 4 (session, user, the user's and their roles' permissions) + the count, the page of members with
    # two-factor and lock, their roles.
    with django_assert_num_queries(7):
        response = web.get(url("staff_list"))
    assert html(response).count(ROW) == shown


def test_staff_list_shows_roles_two_factor_last_sign_in_status_and_lock(login_as, admin, billing, make_filled):
    (member,) = make_filled(1)
    actions.user_deactivate(actor=admin, user=billing)
    page = html(login_as(admin).get(url("staff_list")))
    row = page[page.index(member.email) :].split("</tr>")[0]
    assert "Billing</span>" in row
    assert "Support</span>" in row
    assert "<td>On</td>" in row
    until = throttle.account_locked_until(member)
    assert until is not None
    assert f"Locked until {shown(until)}" in row
    assert shown(member.last_login) in row
    billing_row = page[page.index(billing.email) :].split("</tr>")[0]
    assert "Deactivated" in billing_row
    assert "Off" in billing_row
    assert "Never" in billing_row


def test_staff_list_pages_20_at_a_time(login_as, admin, make_staff):
    for i in range(21):
        make_staff(f"m{i:02d}@staff.test")
    web = login_as(admin)
    assert html(web.get(url("staff_list"))).count(ROW) == 20
    second = html(web.get(url("staff_list"), {"page": 2}))
    assert second.count(ROW) == 2
    assert "Page 2 of 2" in second


# --- Add a member: the link is shown once; the member sets a password, then signs in -----------


def test_admin_adds_a_member_and_is_shown_their_link_once(client, login_as, admin):
    web = login_as(admin)
    response = web.post(
        url("staff_add"), {"full_name": "Lin Wu", "email": "Lin@Example.test", "roles": [Role.BILLING, Role.SUPPORT]}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    member = User.objects.get(email="lin@example.test")
    assert member.role_names == ["Billing", "Support"]
    path = link_shown(response)
    assert "This link is shown only now" in html(response)
    assert path not in html(web.get(url("staff_detail", member))), "the member's page never shows it again"

    member_browser = WebClient()
    form = member_browser.get(path)
    assert form.status_code == 200
    assert "no-store" in form["Cache-Control"]
    assert escape(member.email) in html(form)
    done = member_browser.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:sign_in")
    assert "_auth_user_id" not in member_browser.session, "setting the password signs no one in"
    assert AuditEvent.objects.filter(action=AccountEvent.USER_PASSWORD_LINK_USED, actor_user=member).exists()

    signed_in = member_browser.post(
        reverse("accounts:sign_in"), {"email": "lin@example.test", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert member_browser.get(reverse("clients:client_list")).status_code == 200

    again = WebClient().get(path)
    assert again.status_code == 410
    assert escape(LINK_REFUSED[LinkState.INVALID]) in html(again)
    assert "<form" not in html(again).split("<main")[1]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "Lin", "email": "lin@example.test"}, "roles", "Choose at least one role"),
        ({"full_name": "Lin", "email": "ADA@staff.test", "roles": ["Billing"]}, "email", "already exists"),
        ({"full_name": "Lin", "email": "lin", "roles": ["Billing"]}, "email", "Enter a valid email address."),
        ({"full_name": "", "email": "lin@example.test", "roles": ["Billing"]}, "full_name", "This field is required."),
        ({"full_name": "Lin", "email": "lin@example.test", "roles": ["Janitor"]}, "roles", "Select a valid choice."),
    ],
)
def test_add_with_bad_input_says_why_and_writes_nothing(login_as, admin, data, field, message):
    before = snapshot()
    response = login_as(admin).post(url("staff_add"), data)
    assert response.status_code == 422
    assert message in response.context["form"].errors[field][0]
    assert snapshot() == before


def test_add_shows_every_error_at_once(login_as, admin):
    response = login_as(admin).post(url("staff_add"), {"full_name": "", "email": "nope"})
    assert response.status_code == 422
    assert sorted(response.context["form"].errors) == ["email", "full_name", "roles"]


def test_the_add_form_offers_every_role_as_a_checkbox(login_as, admin):
    page = html(login_as(admin).get(url("staff_add")))
    for role in Role:
        assert re.search(rf'<input type="checkbox" name="roles" value="{role.value}" class="form-check-input"', page)
    assert "<legend" in page


# --- The set-password page --------------------------------------------------------------------


@pytest.fixture
def invited(admin):
    return actions.user_invite(actor=admin, email="lin@example.test", full_name="Lin Wu", roles=[Role.BILLING])


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn\u2019t match."),
        ("password", "password", "This password is too common."),
        ("lin@example.test", "lin@example.test", "The password is too similar to the email address."),
        ("", "", "This field is required."),
    ],
)
def test_set_password_refuses_a_bad_password_and_keeps_the_link(client, invited, first, second, message):
    member, link = invited
    before = snapshot()
    response = client.post(link.path, {"new_password1": first, "new_password2": second})
    assert response.status_code == 422
    assert escape(message) in html(response)
    assert snapshot() == before
    member.refresh_from_db()
    assert set_password_tokens.state(member, link.token) is LinkState.VALID


def test_an_expired_link_says_so(client, invited, monkeypatch):
    _, link = invited
    monkeypatch.setattr(set_password_tokens, "_now", lambda: datetime.now() + timedelta(days=4))
    before = snapshot()
    for response in (
        client.get(link.path),
        client.post(link.path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
    ):
        assert response.status_code == 410
        assert escape(LINK_REFUSED[LinkState.EXPIRED]) in html(response)
    assert snapshot() == before


def test_a_replaced_link_says_so(client, invited, login_as, admin):
    member, first = invited
    second = link_shown(login_as(admin).post(url("staff_link", member)))
    response = WebClient().get(first.path)
    assert response.status_code == 410
    assert escape(LINK_REFUSED[LinkState.INVALID]) in html(response)
    assert WebClient().get(second).status_code == 200


@pytest.mark.parametrize("pk", [b"99999999", b"nope", b"9" * 30, b"-1", b"\xff\xfe", b""])
def test_a_link_naming_no_member_is_refused_without_error(client, invited, pk):
    _, link = invited
    for uid in (urlsafe_base64_encode(pk), "!!"):
        response = client.get(reverse("accounts:password_set", args=[uid or "x", link.token]))
        assert response.status_code == 404
    assert escape(LINK_REFUSED[LinkState.INVALID]) in html(response)


# --- The member's page and its actions --------------------------------------------------------


def test_member_page_shows_their_account_and_its_actions(login_as, admin, billing, django_assert_num_queries):
    enrol_two_factor(billing)
    lock_out(billing)
    web = login_as(admin)
    # 4 + the member with two-factor and lock, their roles.
    with django_assert_num_queries(6):
        page = html(web.get(url("staff_detail", billing)))
    assert 'id="member-two-factor">On<' in page
    assert "Locked until" in page
    for name in ("staff_link", "staff_two_factor_reset", "staff_lock_clear", "staff_deactivate", "staff_roles"):
        assert url(name, billing) in page
    assert 'value="Billing" class="form-check-input" id="id_roles_1" checked' in page


def test_roles_are_saved(login_as, admin, support):
    response = login_as(admin).post(url("staff_roles", support), roles_post([Role.BILLING, Role.SUPPORT], ["Support"]))
    assert response.status_code == 302
    assert sorted(support.role_names) == ["Billing", "Support"]
    assert AuditEvent.objects.filter(action=AccountEvent.USER_ROLES, target_pk=str(support.pk)).exists()


def test_roles_changed_by_someone_else_meanwhile_are_named_and_kept(login_as, admin, support):
    actions.user_roles_set(actor=admin, user=support, roles=[Role.READ_ONLY])
    before = snapshot()
    web = login_as(admin)
    response = web.post(url("staff_roles", support), roles_post([Role.BILLING], ["Support"]))
    assert response.status_code == 409
    assert escape("Someone else changed the roles to “Read-only” after you opened this page") in html(response)
    assert snapshot() == before
    # The form now carries the current roles: saving again replaces them, knowingly.
    again = web.post(url("staff_roles", support), response.context["roles_form"].data)
    assert again.status_code == 302
    assert support.role_names == ["Billing"]


def test_the_last_admin_keeps_the_role_with_a_clear_message(login_as, admin):
    before = snapshot()
    response = login_as(admin).post(url("staff_roles", admin), roles_post([Role.BILLING], ["Admin"]))
    assert response.status_code == 422
    assert "Ada is the last active Admin: give the Admin role to another active member first." in html(response)
    assert snapshot() == before


def test_a_roles_form_without_what_it_showed_is_refused(login_as, admin, support):
    before = snapshot()
    response = login_as(admin).post(url("staff_roles", support), {"roles": ["Billing"], "loaded": "nonsense"})
    assert response.status_code == 422
    assert "This form is out of date" in html(response)
    assert snapshot() == before


def test_deactivate_asks_first_then_ends_the_members_sessions_at_once(login_as, admin, billing):
    member_browser = WebClient()
    member_browser.force_login(billing)
    assert member_browser.get(reverse("clients:client_list")).status_code == 200
    web = login_as(admin)

    question = web.get(url("staff_deactivate", billing))
    assert question.status_code == 200
    assert "Deactivate Bill?" in html(question)
    billing.refresh_from_db()
    assert billing.is_active, "asking changes nothing"

    response = web.post(url("staff_deactivate", billing))
    assert response.status_code == 302
    billing.refresh_from_db()
    assert not billing.is_active
    next_click = member_browser.get(reverse("clients:client_list"))
    assert next_click.status_code == 302
    assert next_click["Location"].startswith(reverse("accounts:sign_in"))
    signing_in = WebClient().post(reverse("accounts:sign_in"), {"email": billing.email, "password": PASSWORD})
    assert "_auth_user_id" not in signing_in.client.session

    assert web.post(url("staff_reactivate", billing)).status_code == 302
    billing.refresh_from_db()
    assert billing.is_active


def test_deactivating_oneself_is_refused_with_a_clear_message(login_as, admin, make_staff):
    make_staff("other@staff.test", Role.ADMIN)
    before = snapshot()
    response = login_as(admin).post(url("staff_deactivate", admin))
    assert response.status_code == 422
    assert "You cannot deactivate your own account: another Admin can." in html(response)
    assert snapshot() == before


def test_deactivating_the_last_active_admin_is_refused_with_a_clear_message(login_as, admin, make_staff):
    # Not an Admin, but allowed to manage staff (a permission given to them alone).
    manager = make_staff("manager@staff.test")
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    before = snapshot()
    response = login_as(manager).post(url("staff_deactivate", admin))
    assert response.status_code == 422
    assert "Ada is the last active Admin: give the Admin role to another active member first." in html(response)
    assert snapshot() == before


def test_two_factor_reset_asks_first_then_switches_it_off(login_as, admin, billing):
    enrol_two_factor(billing)
    web = login_as(admin)
    assert "Reset two-factor sign-in of Bill?" in html(web.get(url("staff_two_factor_reset", billing)))
    assert TOTPDevice.objects.filter(user=billing).exists()
    response = web.post(url("staff_two_factor_reset", billing), follow=True)
    assert "Two-factor sign-in of Bill is off" in html(response)
    assert not TOTPDevice.objects.filter(user=billing).exists()
    assert not billing.recovery_codes.exists()
    assert 'id="member-two-factor">Off<' in html(response)


def test_lock_clear_lets_a_locked_member_sign_in_again(login_as, admin, billing):
    lock_out(billing)
    correct = {"email": billing.email, "password": PASSWORD}
    member_browser = WebClient(REMOTE_ADDR=lockout_ip(billing))
    assert member_browser.post(reverse("accounts:sign_in"), correct).status_code != 302
    assert "_auth_user_id" not in member_browser.session, "locked: even the right password is refused"
    response = login_as(admin).post(url("staff_lock_clear", billing), follow=True)
    assert "The sign-in lock of Bill is cleared" in html(response)
    assert throttle.account_locked_until(billing) is None
    assert 'id="member-lock">Not locked<' in html(response)
    assert member_browser.post(reverse("accounts:sign_in"), correct).status_code == 302
    assert "_auth_user_id" in member_browser.session


def test_lock_clear_without_a_lock_says_so(login_as, admin, billing):
    before = snapshot()
    response = login_as(admin).post(url("staff_lock_clear", billing), follow=True)
    assert "Bill had no sign-in lock to clear." in html(response)
    assert snapshot() == before


def test_a_new_link_asks_first_and_is_shown_once(login_as, admin, billing):
    web = login_as(admin)
    question = html(web.get(url("staff_link", billing)))
    assert "So does their current password" in question
    billing.refresh_from_db()
    assert billing.has_usable_password(), "asking changes nothing"
    response = web.post(url("staff_link", billing))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    path = link_shown(response)
    billing.refresh_from_db()
    assert not billing.has_usable_password()
    assert WebClient().get(path).status_code == 200


def test_a_deactivated_member_gets_no_link(login_as, admin, billing):
    actions.user_deactivate(actor=admin, user=billing)
    before = snapshot()
    response = login_as(admin).post(url("staff_link", billing))
    assert response.status_code == 422
    assert "Bill is deactivated: reactivate them before issuing a link." in html(response)
    assert snapshot() == before


def test_an_unknown_member_is_404(login_as, admin):
    web = login_as(admin)
    assert web.get(reverse("accounts:staff_detail", args=[99999])).status_code == 404
    assert web.post(reverse("accounts:staff_deactivate", args=[99999])).status_code == 404
