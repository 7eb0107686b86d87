"""Staff personas and a staff factory, for every app's tests.

`admin`, `billing`, `support`, `readonly` hold the shipped roles; `outsider` is an active staff
account with no role at all. `login_as(user)` signs the test client in. All share `PASSWORD`.
"""

from collections.abc import Callable
from typing import Any

import pytest

from clientdesk.core.contract import Role
from clientdesk.core.testing import PASSWORD


@pytest.fixture
def make_staff(db: Any) -> Callable[..., Any]:
    """Factory: a staff member, made by the real action, with the given role (or none)."""
    from clientdesk.accounts.actions import user_create
    from clientdesk.accounts.models import User
    from clientdesk.accounts.roles import roles_exist, roles_sync

    def make(email: str, role: Role | str | None = None, password: str = PASSWORD) -> User:
        if role and not roles_exist():  # a flushed (transactional) test database
            roles_sync(actor=None)
        return user_create(
            actor=None,
            email=email,
            full_name=email.split("@")[0].title(),
            password=password,
            roles=[role] if role else [],
        )

    return make


@pytest.fixture
def admin(make_staff: Callable[..., Any]) -> Any:
    return make_staff("ada@staff.test", Role.ADMIN)


@pytest.fixture
def billing(make_staff: Callable[..., Any]) -> Any:
    return make_staff("bill@staff.test", Role.BILLING)


@pytest.fixture
def support(make_staff: Callable[..., Any]) -> Any:
    return make_staff("sue@staff.test", Role.SUPPORT)


@pytest.fixture
def readonly(make_staff: Callable[..., Any]) -> Any:
    return make_staff("rita@staff.test", Role.READ_ONLY)


@pytest.fixture
def outsider(make_staff: Callable[..., Any]) -> Any:
    return make_staff("otto@staff.test")


@pytest.fixture
def login_as(client: Any) -> Callable[[Any], Any]:
    """Sign the Django test client in as `user` and return the client."""

    def login(user: Any) -> Any:
        client.force_login(user)
        return client

    return login
