"""Client factories, for every app's tests."""

from collections.abc import Callable
from typing import Any

import pytest


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
            allow_duplicate=True,  # tests that are about duplicates call the action themselves
        )

    return make


@pytest.fixture
def make_group(db: Any) -> Callable[..., Any]:
    """Factory: a client group, made by the real action."""
    from clientdesk.clients.actions import client_group_create

    counter = iter(range(1, 100_000))

    def make(name: str = "", color: str = "primary") -> Any:
        return client_group_create(actor=None, name=name or f"Group {next(counter)}", color=color)

    return make


@pytest.fixture
def grace(make_client: Callable[..., Any]) -> Any:
    """A client in Arlington, Virginia, with one number: the subject of the edit tests."""
    return make_client(
        first_name="Grace",
        last_name="Hopper",
        city="Arlington",
        state="US-VA",
        postal_code="22201",
        phones=("(202) 555-0143",),
    )


@pytest.fixture
def make_contact(db: Any) -> Callable[..., Any]:
    """Factory: a billing (default) or other contact of a client, made by the real action."""
    from clientdesk.clients.actions import ContactData, PhoneData, contact_create

    counter = iter(range(1, 100_000))

    def make(
        client: Any,
        *,
        contact_type: str = "billing",
        custom_type: Any = None,
        phones: tuple[str, ...] = (),
        actor: Any = None,
        **fields: Any,
    ) -> Any:
        n = next(counter)
        values = {"first_name": "Contact", "last_name": f"Number{n}", "email": f"contact{n}@example.test"}
        values |= {"country": client.country, **fields}
        return contact_create(
            actor=actor,
            client=client,
            contact_type=contact_type,
            custom_type=custom_type,
            data=ContactData(**values),
            phones=[PhoneData(number=p) for p in phones],
        )

    return make


@pytest.fixture
def make_contact_type(db: Any) -> Callable[..., Any]:
    """Factory: a custom contact type (Technical…), made by the real action."""
    from clientdesk.clients.actions import contact_type_create

    counter = iter(range(1, 100_000))

    def make(name: str = "") -> Any:
        return contact_type_create(actor=None, name=name or f"Kind {next(counter)}")

    return make
