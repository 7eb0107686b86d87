"""The app contract: what a domain app declares about itself, and how the rest of the desk reads it.

A domain app's AppConfig subclasses `DeskApp` and fills in class attributes:

    class NotesConfig(DeskApp):
        name = "clientdesk.notes"
        label = "notes"
        role_permissions = {Role.BILLING: ["view_note", "add_note"], Role.SUPPORT: [...]}
        profile_widgets = [ProfileWidget(name="notes", title="Notes", url_name="notes:client_notes",
                                         permission="notes.view_note", order=30)]
        account_actions = [AccountAction(label="Add note", url_name="notes:note_add",
                                         permission="notes.add_note", order=40)]
        demo_seeder = "clientdesk.notes.demo.seed"
        demo_after = ("clients",)

Core and the client profile iterate what apps declare; they never import an app by name. The
app's audit codes live in `<app>/events.py` (an `AuditCode` enum, imported when the app loads) and
its test factories in `<app>/tests/factories.py` (loaded as a pytest plugin by `core.testing`).
"""

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import import_module
from importlib.util import find_spec
from typing import Any, ClassVar, Literal

from django.apps import AppConfig, apps
from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string


class Role(StrEnum):
    """The roles Clientdesk ships, as permission groups. Admin holds every permission of every desk app."""

    ADMIN = "Admin"
    BILLING = "Billing"
    SUPPORT = "Support"
    READ_ONLY = "Read-only"


@dataclass(frozen=True, kw_only=True)
class ProfileWidget:
    """A card on the client profile, loaded (and paginated) by htmx from the app's own URL."""

    name: str  # the card's id: widget-<name>
    title: str
    url_name: str  # reversed with the client's pk
    permission: str  # "app_label.codename"; the card is shown only to those who hold it
    # "top" sits above the main column (sticky notes), "side" under the client's details.
    column: Literal["top", "side", "main"] = "main"
    order: int = 100
    link_label: str = ""  # an optional link in the card's header…
    link_url_name: str = ""  # …to a page of its own, reversed with the client's pk


@dataclass(frozen=True, kw_only=True)
class Entry:
    """A declared link: its words, where it goes, who may follow it, and its place in the list."""

    label: str
    url_name: str
    permission: str  # "app_label.codename"; shown only to those who hold it
    order: int = 100


class AccountAction(Entry):
    """An entry of the profile's Account Actions menu (its URL is reversed with the client's pk)."""


class MenuItem(Entry):
    """A link of the top navigation bar (its URL takes no arguments)."""


@dataclass(frozen=True)
class Link:
    """A declared entry resolved for one page: where it goes and what it says."""

    label: str
    url: str
    entry: Any = None


@dataclass
class DemoContext:
    """What the demo command hands each app's seeder."""

    size: int  # how many top-level records (e.g. clients) a seeder makes on an empty desk
    rng: random.Random
    say: Callable[[str], None]
    login: tuple[str, str] | None = None  # (email, password) to print at the end
    shared: dict[str, Any] = field(default_factory=dict)  # what one seeder leaves for the next


class DeskApp(AppConfig):
    """Base AppConfig of a domain app: everything the app declares about itself."""

    # Django picks the one AppConfig of an app's apps.py marked default; this base (imported
    # there too) is never it, every subclass is.
    default = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.default = True

    # Permissions ("codename" of this app's own models) each shipped role holds; Admin holds all.
    role_permissions: ClassVar[Mapping[Role, Sequence[str]]] = {}
    profile_widgets: ClassVar[Sequence[ProfileWidget]] = ()
    account_actions: ClassVar[Sequence[AccountAction]] = ()
    menu: ClassVar[Sequence[MenuItem]] = ()
    demo_seeder: ClassVar[str] = ""  # dotted path of `seed(demo: DemoContext) -> None`
    demo_after: ClassVar[Sequence[str]] = ()  # labels of apps whose demo data this seeder needs
    # Dotted path of `matching_clients(query, limit, exclude) -> list[int]`: the ids of up to `limit`
    # clients (none of `exclude`) one of whose records in this app matches the search box's query
    # (a `clientdesk.clients.search.ParsedQuery`), through the app's own index. The client search
    # adds them to the clients its own text matches.
    search_source: ClassVar[str] = ""
    # Dotted path of `send_template_mail(action, *, to, context, client_id=None, actor=None) -> list[int]`
    # (see `send_template_mail` below), declared by the one app that delivers email: earlier apps
    # (accounts, clients) send their mail through it without importing it.
    mail_sender: ClassVar[str] = ""

    def ready(self) -> None:
        """Import the app's audit codes, so the History view can name every event."""
        if find_spec(f"{self.name}.events") is not None:
            import_module(f"{self.name}.events")


def desk_apps() -> list[DeskApp]:
    """The installed domain apps, in INSTALLED_APPS order."""
    return [config for config in apps.get_app_configs() if isinstance(config, DeskApp)]


def _holds(request: HttpRequest, permission: str) -> bool:
    return bool(request.user.has_perm(permission))


def _sorted[T: (ProfileWidget, AccountAction, MenuItem)](entries: Iterable[T]) -> list[T]:
    return sorted(entries, key=lambda entry: (entry.order, entry.label if hasattr(entry, "label") else ""))


def profile_widgets(request: HttpRequest, pk: int) -> list[Link]:
    """The profile cards this staff member may see, in order, with their URLs for client `pk`."""
    widgets = _sorted(w for app in desk_apps() for w in app.profile_widgets if _holds(request, w.permission))
    return [Link(w.title, reverse(w.url_name, args=[pk]), w) for w in widgets]


def account_actions(request: HttpRequest, pk: int) -> list[Link]:
    """The Account Actions entries this staff member may use on client `pk`, in order."""
    entries = _sorted(a for app in desk_apps() for a in app.account_actions if _holds(request, a.permission))
    return [Link(a.label, reverse(a.url_name, args=[pk]), a) for a in entries]


def menu(request: HttpRequest) -> dict[str, list[Link]]:
    """Context processor: the navigation links this staff member may follow (`desk_menu`)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"desk_menu": []}
    items = _sorted(m for app in desk_apps() for m in app.menu if _holds(request, m.permission))
    return {"desk_menu": [Link(m.label, reverse(m.url_name), m) for m in items]}


SearchSource = Callable[[Any, int, Sequence[int]], list[int]]


def search_sources() -> list[SearchSource]:
    """The apps' `matching_clients` functions, in INSTALLED_APPS order."""
    return [import_string(app.search_source) for app in desk_apps() if app.search_source]


def send_template_mail(
    action: str,
    *,
    to: Sequence[str],
    context: Mapping[str, Any],
    client_id: int | None = None,
    actor: Any = None,
) -> list[int]:
    """Queue the email of template `action` to `to`, rendered with `context` (plain values), inside the
    caller's transaction; the ids of the outbox rows written (none when the template is switched off).

    Delivery happens after the commit: a rolled-back action sends nothing.
    """
    senders = [app.mail_sender for app in desk_apps() if app.mail_sender]
    if len(senders) != 1:
        raise LookupError(f"Exactly one installed app delivers email (declares mail_sender); found {len(senders)}.")
    sender: Callable[..., list[int]] = import_string(senders[0])
    return sender(action, to=to, context=context, client_id=client_id, actor=actor)


def demo_order() -> list[DeskApp]:
    """The apps with a demo seeder, each after the apps it names in `demo_after`."""
    by_label = {app.label: app for app in desk_apps()}
    ordered: list[DeskApp] = []
    visiting: set[str] = set()

    def visit(app: DeskApp) -> None:
        if app in ordered:
            return
        if app.label in visiting:
            raise ValueError(f"The demo seeders depend on each other in a circle at {app.label!r}.")
        visiting.add(app.label)
        for label in app.demo_after:
            if label not in by_label:
                raise LookupError(f"{app.label} seeds after {label!r}, which is not an installed desk app.")
            visit(by_label[label])
        visiting.discard(app.label)
        ordered.append(app)

    for app in by_label.values():
        visit(app)
    return [app for app in ordered if app.demo_seeder]


def run_demo_seeders(demo: DemoContext) -> None:
    """Call every app's demo seeder in dependency order."""
    for app in demo_order():
        seeder: Callable[[DemoContext], None] = import_string(app.demo_seeder)
        seeder(demo)
