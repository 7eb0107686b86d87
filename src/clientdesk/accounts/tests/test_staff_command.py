"""`clientdesk staff add|link|list`: the first Admin of an install, from the shell."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client as WebClient

from clientdesk.accounts import actions
from clientdesk.accounts.actions.staff import LinkState, set_password_tokens
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.accounts.tests.test_staff_actions import NEW_PASSWORD, enrol_two_factor, lock_out, snapshot
from clientdesk.audit.models import ActorType, AuditEvent
from clientdesk.core.contract import Role

pytestmark = pytest.mark.django_db

LINK = re.compile(r"^  (https?://\S+/accounts/set-password/\S+/)$", re.MULTILINE)


def staff(*args):
    out = StringIO()
    call_command("staff", *args, stdout=out)
    return out.getvalue()


def printed_link(output, base="http://127.0.0.1:8000"):
    found = LINK.search(output)
    assert found, output
    assert found.group(1).startswith(base + "/accounts/set-password/")
    return found.group(1).removeprefix(base)


def test_staff_add_makes_the_first_admin_and_prints_a_link_that_works_once():
    output = staff("add", "Ada@Example.com", "--role", "Admin", "--name", "Ada Lovelace")
    ada = User.objects.get(email="ada@example.com")
    assert (ada.full_name, ada.role_names, ada.has_usable_password()) == ("Ada Lovelace", ["Admin"], False)
    assert "Added Ada Lovelace <ada@example.com>, role: Admin." in output
    assert "works once, until" in output
    path = printed_link(output)

    web = WebClient()
    assert web.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    assert web.post("/accounts/sign-in/", {"email": "ada@example.com", "password": NEW_PASSWORD}).status_code == 302
    assert web.get("/accounts/staff/").status_code == 200, "the first Admin manages staff from the desk"
    event = AuditEvent.objects.get(action=AccountEvent.USER_CREATE)
    assert (event.actor_type, event.actor_label) == (ActorType.SYSTEM, "system")


def test_staff_add_takes_several_roles_in_any_case_and_a_base_url():
    output = staff(
        "add", "lin@example.com", "--role", "billing", "--role", "READ-ONLY", "--base-url", "https://desk.example.com/"
    )
    assert User.objects.get(email="lin@example.com").role_names == ["Billing", "Read-only"]
    assert "roles: Billing, Read-only." in output
    printed_link(output, base="https://desk.example.com")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "Superhero"], "Unknown role 'Superhero'. The roles are: Admin, Billing, Support, Read-only."),
        (["--role", "Admin", "--base-url", "desk.example.com"], "--base-url must be the desk's address"),
        (["--role", "Admin", "--base-url", "ftp://desk.example.com"], "--base-url must be the desk's address"),
    ],
)
def test_staff_add_refuses_bad_input_and_writes_nothing(args, message):
    before = snapshot()
    with pytest.raises(CommandError, match=re.escape(message)):
        staff("add", "lin@example.com", *args)
    assert snapshot() == before


def test_staff_add_needs_a_role():
    with pytest.raises(CommandError, match="the following arguments are required: --role"):
        staff("add", "lin@example.com")


def test_staff_add_refuses_an_email_already_taken_and_says_what_to_do(admin):
    before = snapshot()
    with pytest.raises(CommandError, match=re.escape("`clientdesk staff link ADA@staff.test` prints a new")):
        staff("add", "ADA@staff.test", "--role", "Billing")
    assert snapshot() == before


def test_staff_add_refuses_an_invalid_email():
    before = snapshot()
    with pytest.raises(CommandError, match=re.escape("Enter a valid email address.")):
        staff("add", "not-an-email", "--role", "Admin")
    assert snapshot() == before


def test_staff_link_prints_a_new_link_and_the_earlier_one_stops_working():
    first = printed_link(staff("add", "ada@example.com", "--role", "Admin"))
    second = printed_link(staff("link", "ADA@example.com"))
    ada = User.objects.get(email="ada@example.com")
    assert set_password_tokens.state(ada, first.split("/")[-2]) is LinkState.INVALID
    assert set_password_tokens.state(ada, second.split("/")[-2]) is LinkState.VALID
    assert AuditEvent.objects.filter(action=AccountEvent.USER_PASSWORD_LINK).count() == 2


def test_staff_link_refuses_an_unknown_email_or_a_deactivated_member(admin, billing):
    with pytest.raises(CommandError, match=re.escape("No staff member has the email nobody@example.com")):
        staff("link", "nobody@example.com")
    actions.user_deactivate(actor=admin, user=billing)
    before = snapshot()
    with pytest.raises(CommandError, match=re.escape("Bill is deactivated: reactivate them before issuing a link.")):
        staff("link", billing.email)
    assert snapshot() == before


def test_staff_list_shows_every_member(admin, billing, support):
    enrol_two_factor(billing)
    lock_out(support)
    actions.user_deactivate(actor=admin, user=support)
    lines = staff("list").splitlines()
    assert lines[0].split() == ["Email", "Name", "Roles", "Two-factor", "Last", "sign-in", "Status"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == ["ada@staff.test", "bill@staff.test", "sue@staff.test"]
    assert re.search(r"Admin\s+off\s+never\s+active$", rows["ada@staff.test"])
    assert re.search(r"Billing\s+on\s+never\s+active$", rows["bill@staff.test"])
    assert re.search(
        r"Support\s+off\s+never\s+deactivated, locked until \d{4}-\d\d-\d\d \d\d:\d\d UTC$", rows["sue@staff.test"]
    )


def test_staff_list_on_an_empty_desk_says_how_to_add_the_first_admin():
    assert "`clientdesk staff add EMAIL --role Admin` adds the first." in staff("list")


def test_staff_needs_a_subcommand():
    with pytest.raises(CommandError, match="add,link,list"):
        staff()


def test_roles_are_the_shipped_ones():
    assert [role.value for role in Role] == ["Admin", "Billing", "Support", "Read-only"]
