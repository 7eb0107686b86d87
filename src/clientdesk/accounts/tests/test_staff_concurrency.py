"""Two Admins take each other away at the same moment: exactly one succeeds, one active Admin remains.

Each runs in its own thread with its own database connection. The count of active Admins is made
slow on purpose (both would read "two Admins" before either writes, were the rows not locked), so
without the lock both would succeed and leave the desk with no Admin at all. Also: one set-password
link submitted twice at once sets the password once.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from clientdesk.accounts import actions
from clientdesk.accounts.actions import staff
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import Role

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*steps: Callable[[], Any]) -> list[Any]:
    """Run each step in its own thread, all released together; each one's result or the error it raised."""
    start = threading.Barrier(len(steps))
    results: list[Any] = [None] * len(steps)

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            results[i] = steps[i]()
        except Exception as exc:  # kept, and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a step never finished"
    return results


@pytest.fixture
def slow_admin_count(monkeypatch):
    """Widen the window between counting the Admins and changing one, to where the other thread counts."""
    count = staff._active_admin_pks

    def slow() -> set[int]:
        admins = count()
        time.sleep(0.5)
        return admins

    monkeypatch.setattr(staff, "_active_admin_pks", slow)


@pytest.fixture
def two_admins(make_staff):
    return make_staff("ada@staff.test", Role.ADMIN), make_staff("grace@staff.test", Role.ADMIN)


def deactivate(actor: User, user: User) -> Callable[[], Any]:
    return lambda: actions.user_deactivate(actor=actor, user=user)


def demote(actor: User, user: User) -> Callable[[], Any]:
    return lambda: actions.user_roles_set(actor=actor, user=user, roles=[Role.BILLING])


def active_admins() -> list[str]:
    return sorted(User.objects.filter(is_active=True, groups__name=Role.ADMIN).values_list("email", flat=True))


@pytest.mark.parametrize(
    ("first", "second"),
    [(deactivate, deactivate), (demote, demote), (deactivate, demote)],
    ids=["both-deactivate", "both-remove-the-role", "one-of-each"],
)
def test_two_admins_taking_each_other_away_at_once_leave_one_admin(two_admins, slow_admin_count, first, second):
    ada, grace = two_admins
    results = at_once(first(ada, grace), second(grace, ada))

    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1, f"exactly one is refused, not {results}"
    assert "is the last active Admin" in " ".join(refused[0].messages)
    assert [r for r in results if isinstance(r, Exception) and not isinstance(r, ValidationError)] == []
    assert len(active_admins()) == 1
    changes = AuditEvent.objects.filter(action__in=[AccountEvent.USER_DEACTIVATE, AccountEvent.USER_ROLES])
    assert changes.count() == 1, "only the change that was made is recorded"


def test_one_link_submitted_twice_at_once_sets_the_password_once(admin, monkeypatch):
    member, link = actions.user_invite(actor=admin, email="lin@example.test", full_name="Lin", roles=[Role.BILLING])
    lock = staff._lock

    def slow_lock(user: User) -> User:
        locked = lock(user)
        time.sleep(0.3)
        return locked

    monkeypatch.setattr(staff, "_lock", slow_lock)
    passwords = ["first of two passwords 2026", "second of two passwords 2026"]
    results = at_once(
        *(
            (lambda p=p: actions.user_password_set_by_link(actor=member, user=member, token=link.token, password=p))
            for p in passwords
        )
    )

    assert sorted(type(r).__name__ for r in results) == ["User", "ValidationError"]
    refused = next(r for r in results if isinstance(r, ValidationError))
    assert refused.messages == [staff.LINK_REFUSED[staff.LinkState.INVALID]]
    member.refresh_from_db()
    assert [member.check_password(p) for p in passwords].count(True) == 1
    assert AuditEvent.objects.filter(action=AccountEvent.USER_PASSWORD_LINK_USED).count() == 1
