"""Test fixtures shared by every app, loaded as a pytest plugin (`-p clientdesk.core.testing`).

Personas: `admin`, `billing`, `support`, `readonly` hold the shipped roles; `outsider` is an
active staff account with no role at all. `login_as(user)` signs the test client in.
"""

import os
from collections.abc import Callable
from typing import Any

import pytest

# Before Django reads its settings: plain HTTP in tests, and a key that is not the demo's.
os.environ.setdefault("CLIENTDESK_HTTPS", "0")
os.environ.setdefault("CLIENTDESK_STATIC_MANIFEST", "0")
os.environ.setdefault("SECRET_KEY", "clientdesk-tests-" + "x" * 40)

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """PBKDF2 at full strength costs ~0.5 s a check; tests use a cheap hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_staff(db: Any) -> Callable[..., Any]:
    """Factory: a staff member with the given role (group name) or none."""
    from django.contrib.auth.models import Group

    from clientdesk.accounts.models import User
    from clientdesk.accounts.roles import sync_roles

    def make(email: str, role: str | None = None, password: str = PASSWORD) -> User:
        user = User.objects.create_user(email=email, password=password, full_name=email.split("@")[0].title())
        if role:
            if not Group.objects.filter(name=role).exists():
                sync_roles()
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def admin(make_staff: Callable[..., Any]) -> Any:
    return make_staff("ada@staff.test", "Admin")


@pytest.fixture
def billing(make_staff: Callable[..., Any]) -> Any:
    return make_staff("bill@staff.test", "Billing")


@pytest.fixture
def support(make_staff: Callable[..., Any]) -> Any:
    return make_staff("sue@staff.test", "Support")


@pytest.fixture
def readonly(make_staff: Callable[..., Any]) -> Any:
    return make_staff("rita@staff.test", "Read-only")


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


@pytest.fixture
def make_client(db: Any) -> Callable[..., Any]:
    """Factory: a client created through the real action (so search text and audit are real)."""
    from clientdesk.clients.actions import ClientData, ContactData, PhoneData, client_create

    counter = iter(range(1, 100_000))

    def make(*, actor: Any = None, phones: tuple[str, ...] = (), data: ClientData | None = None, **contact: Any) -> Any:
        n = next(counter)
        fields = {
            "first_name": "Test",
            "last_name": f"Person{n}",
            "email": f"person{n}@example.test",
            "country": "US",
            **contact,
        }
        return client_create(
            actor=actor,
            data=data or ClientData(),
            contact=ContactData(**fields),
            phones=[PhoneData(number=p) for p in phones],
        )

    return make
