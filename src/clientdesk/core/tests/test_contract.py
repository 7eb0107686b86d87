"""The app contract: what core reads from the apps' declarations, without knowing any app by name."""

import random

import pytest
from django.apps import apps
from django.test import RequestFactory

from clientdesk.core import contract
from clientdesk.core.contract import AccountAction, DeskApp, ProfileWidget


def fake_app(label, *, after=(), seeder="", **declared):
    """A DeskApp subclass instance standing for an installed app (no module needed)."""
    cls = type(f"{label.title()}Config", (DeskApp,), {"demo_seeder": seeder, "demo_after": after, **declared})
    config: DeskApp = object.__new__(cls)
    config.label = label
    config.name = f"example.{label}"
    return config


def test_every_subclass_is_its_apps_default_config_but_the_base_is_not():
    assert DeskApp.default is False
    assert fake_app("x").default is True


def test_the_installed_desk_apps_are_found_without_naming_them():
    labels = [app.label for app in contract.desk_apps()]
    assert labels == [c.label for c in apps.get_app_configs() if isinstance(c, DeskApp)]
    assert "core" not in labels
    assert {"accounts", "audit", "clients"} <= set(labels)


def test_seeders_run_after_the_apps_they_need(monkeypatch):
    found = [
        fake_app("billing", after=("catalog", "clients"), seeder="x.b"),
        fake_app("catalog", seeder="x.c"),
        fake_app("clients", after=("accounts",), seeder="x.cl"),
        fake_app("accounts", seeder="x.a"),
        fake_app("audit"),
    ]
    monkeypatch.setattr(contract, "desk_apps", lambda: found)
    assert [app.label for app in contract.demo_order()] == ["catalog", "accounts", "clients", "billing"]


def test_seeders_that_need_each_other_in_a_circle_are_refused(monkeypatch):
    found = [fake_app("a", after=("b",), seeder="x.a"), fake_app("b", after=("a",), seeder="x.b")]
    monkeypatch.setattr(contract, "desk_apps", lambda: found)
    with pytest.raises(ValueError, match="circle"):
        contract.demo_order()


def test_a_seeder_that_needs_a_missing_app_is_refused(monkeypatch):
    monkeypatch.setattr(contract, "desk_apps", lambda: [fake_app("a", after=("ghost",), seeder="x.a")])
    with pytest.raises(LookupError, match="ghost"):
        contract.demo_order()


def test_demo_seeders_are_called_in_order_with_one_context(monkeypatch):
    calls = []
    monkeypatch.setattr(
        contract, "desk_apps", lambda: [fake_app("b", after=("a",), seeder="b.seed"), fake_app("a", seeder="a.seed")]
    )
    monkeypatch.setattr(contract, "import_string", lambda path: lambda demo: calls.append((path, demo.size)))
    contract.run_demo_seeders(contract.DemoContext(size=3, rng=random.Random(1), say=print))
    assert calls == [("a.seed", 3), ("b.seed", 3)]


class Member:
    is_authenticated = True

    def __init__(self, *perms):
        self.perms = set(perms)

    def has_perm(self, perm):
        return perm in self.perms


def test_widgets_and_actions_are_shown_in_order_to_those_holding_their_permission(monkeypatch):
    found = [
        fake_app(
            "notes",
            profile_widgets=[
                ProfileWidget(
                    name="n", title="Notes", url_name="clients:client_contacts", permission="n.view", order=5
                ),
                ProfileWidget(name="s", title="Secret", url_name="clients:client_activity", permission="n.secret"),
            ],
            account_actions=[
                AccountAction(label="Zeta", url_name="clients:client_edit", permission="n.add", order=2),
                AccountAction(label="Alpha", url_name="clients:client_history", permission="n.add", order=1),
            ],
        )
    ]
    monkeypatch.setattr(contract, "desk_apps", lambda: found)
    request = RequestFactory().get("/")
    request.user = Member("n.view", "n.add")  # type: ignore[assignment]  # a stand-in member
    widgets = contract.profile_widgets(request, 7)
    assert [(w.label, w.url) for w in widgets] == [("Notes", "/clients/7/contacts/")]
    assert [a.label for a in contract.account_actions(request, 7)] == ["Alpha", "Zeta"]
    request.user = Member()  # type: ignore[assignment]  # a stand-in member
    assert contract.profile_widgets(request, 7) == []
    assert contract.account_actions(request, 7) == []
