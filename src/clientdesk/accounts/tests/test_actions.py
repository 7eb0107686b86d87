"""Staff account actions: creation, roles, passwords; forms check shapes and write nothing."""

import pytest
from django.core.exceptions import ValidationError

from clientdesk.accounts import actions
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.forms import PasswordConfirmForm, SignInForm
from clientdesk.accounts.models import LoginThrottle, User
from clientdesk.audit import REDACTED
from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import Role

pytestmark = pytest.mark.django_db


def test_user_create_gives_the_roles_and_records_who_was_added(admin):
    user = actions.user_create(
        actor=admin,
        email="  New.Person@Example.TEST ",
        full_name="  New   Person ",
        password=None,
        roles=[Role.SUPPORT],
    )
    assert user.email == "new.person@example.test"
    assert user.full_name == "New Person"
    assert not user.has_usable_password()
    assert user.role_names == ["Support"]
    event = AuditEvent.objects.get(action=AccountEvent.USER_CREATE, target_pk=str(user.pk))
    assert event.actor_user == admin
    assert event.changes == {
        "email": [None, "new.person@example.test"],
        "full_name": [None, "New Person"],
        "roles": [None, ["Support"]],
    }


@pytest.mark.parametrize(
    ("email", "roles", "field"),
    [("not-an-email", [], "email"), ("ok@example.test", ["Superhero"], "roles"), ("ADA@staff.test", [], "email")],
)
def test_user_create_refuses_bad_input_and_writes_nothing(admin, email, roles, field):
    users, events = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.user_create(actor=admin, email=email, full_name="X", password=None, roles=roles)
    assert field in exc.value.message_dict
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)


def test_user_roles_set_records_the_roles_before_and_after(admin, support):
    actions.user_roles_set(actor=admin, user=support, roles=[Role.BILLING, Role.SUPPORT])
    assert sorted(support.role_names) == ["Billing", "Support"]
    event = AuditEvent.objects.filter(action=AccountEvent.USER_ROLES).latest("id")
    assert event.changes == {"roles": [["Support"], ["Billing", "Support"]]}


def test_user_roles_set_to_the_same_roles_records_nothing(admin, support):
    events = AuditEvent.objects.count()
    actions.user_roles_set(actor=admin, user=support, roles=[Role.SUPPORT])
    assert AuditEvent.objects.count() == events


def test_a_password_change_is_recorded_without_the_password(admin):
    actions.user_password_change(actor=admin, new_password="a whole new secret 42")
    admin.refresh_from_db()
    assert admin.check_password("a whole new secret 42")
    event = AuditEvent.objects.filter(action=AccountEvent.PASSWORD_CHANGE).latest("id")
    assert event.changes == {"password": REDACTED}
    assert "secret" not in str(event.changes)


def test_the_sign_in_form_checks_shapes_and_writes_nothing(admin):
    events = AuditEvent.objects.count()
    form = SignInForm({"email": admin.email, "password": "wrong"})
    assert form.is_valid()
    assert AuditEvent.objects.count() == events
    assert not LoginThrottle.objects.exists()


def test_the_password_confirm_form_checks_shapes_and_writes_nothing(admin):
    events = AuditEvent.objects.count()
    assert PasswordConfirmForm({"password": "wrong"}).is_valid()
    assert AuditEvent.objects.count() == events
    assert not LoginThrottle.objects.exists()
