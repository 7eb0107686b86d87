"""Edits that meet someone else's: only what the staff member changed is saved, a clash is refused by name.

Also the client's own invariants (currency, language), which hold whichever way an edit arrives.
"""

from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client as WebClient
from django.urls import reverse
from django.utils.html import escape

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.actions import (
    CLIENT_FIELDS,
    CONTACT_FIELDS,
    ClientData,
    ClientUpdate,
    ContactData,
    EditConflictError,
    PhoneData,
    client_create,
    client_state,
    client_update,
)
from clientdesk.clients.models import Client, Contact, ContactType, IdSequence, PhoneNumber

pytestmark = pytest.mark.django_db

CLIENT_FORM = "client-form"  # the id of the Add / Edit client <form>


# --- Helpers shared with test_concurrent_edits ------------------------------------------------


class _FormReader(HTMLParser):
    """What a browser submits from the <form> with id `form_id`, left as the page shows it."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.select: str | None = None
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        name = attr.get("name")
        if not self.inside or (not name and tag != "option"):
            return
        if tag == "input" and name and attr.get("type") not in ("submit", "button", "image", "reset"):
            if attr.get("type") in ("checkbox", "radio") and "checked" not in attr:
                return
            self.data[name] = attr.get("value") or ("on" if attr.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and (self.select not in self.data or "selected" in attr):
            self.data[self.select] = attr.get("value") or ""  # the first option, unless one is selected

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_as_shown(response: Any, form_id: str = CLIENT_FORM) -> dict[str, str]:
    """The values the page's form would post back if saved without touching anything."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no <form id={form_id}> in the page"
    return reader.data


def signed_in(user: Any) -> WebClient:
    """A browser of its own (own session), signed in as `user`."""
    web = WebClient()
    web.force_login(user)
    return web


def edit_url(client: Client) -> str:
    return reverse("clients:client_edit", args=[client.pk])


def state_of(client: Client) -> dict[str, Any]:
    """The client as stored, as an edit form is based on it (`client_state`)."""
    fresh = Client.objects.get(pk=client.pk)
    primary = Contact.objects.get(client=fresh, contact_type=ContactType.PRIMARY)
    return client_state(fresh, primary, list(primary.phone_numbers.all()))


def everything(client: Client) -> tuple[Any, ...]:
    """Every stored value of the client, its contacts and numbers, and how many audit events exist."""
    return (
        list(Client.objects.filter(pk=client.pk).values()),
        list(Contact.objects.filter(client=client).values()),
        list(PhoneNumber.objects.filter(contact__client=client).values()),
        AuditEvent.objects.count(),
    )


def update_events(client: Client) -> list[dict[str, Any]]:
    """The `changes` of the client's update events, oldest first."""
    events = AuditEvent.objects.filter(client_pk=client.pk, action="client.update").order_by("id")
    return [event.changes for event in events]


# --- Through the edit page --------------------------------------------------------------------


@pytest.fixture
def me(billing: Any) -> WebClient:
    return signed_in(billing)


@pytest.fixture
def someone_else(admin: Any) -> WebClient:
    return signed_in(admin)


def save_from_page(web: WebClient, client: Client, **changes: str) -> Any:
    """Open the edit page, change `changes` (form input names), save."""
    response = web.post(edit_url(client), {**form_as_shown(web.get(edit_url(client))), **changes})
    assert response.status_code == 302, response.content.decode()
    return response


def test_saving_the_city_keeps_the_postal_code_someone_else_changed_meanwhile(grace, me, someone_else):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, postal_code="22202")

    response = me.post(edit_url(grace), {**form, "city": "Richmond"})

    assert response.status_code == 302
    assert response["Location"] == grace.get_absolute_url()
    assert (state_of(grace)["city"], state_of(grace)["postal_code"]) == ("Richmond", "22202")
    assert update_events(grace) == [{"postal_code": ["22201", "22202"]}, {"city": ["Arlington", "Richmond"]}]


def test_saving_a_city_someone_else_changed_meanwhile_is_refused_naming_it_and_writes_nothing(grace, me, someone_else):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, city="Richmond")
    stored = everything(grace)

    response = me.post(edit_url(grace), {**form, "city": "Norfolk"})

    assert response.status_code == 409
    html = response.content.decode()
    assert escape("City was changed to “Richmond” by someone else after you opened this form.") in html
    assert 'value="Norfolk"' in html  # what the staff member typed is still there to save again
    assert everything(grace) == stored


def test_saving_the_refused_form_again_overwrites_the_city_on_purpose_and_nothing_else(grace, me, someone_else):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, city="Richmond", postal_code="22202")
    refused = me.post(edit_url(grace), {**form, "city": "Norfolk"})
    assert refused.status_code == 409

    response = me.post(edit_url(grace), form_as_shown(refused))

    assert response.status_code == 302
    assert (state_of(grace)["city"], state_of(grace)["postal_code"]) == ("Norfolk", "22202")
    assert update_events(grace)[-1] == {"city": ["Richmond", "Norfolk"]}


def test_saving_numbers_someone_else_changed_meanwhile_is_refused_naming_them_and_writes_nothing(
    grace, me, someone_else
):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, **{"phones-0-number": "(202) 555-0199"})
    stored = everything(grace)

    response = me.post(edit_url(grace), {**form, "phones-0-number": "(202) 555-0177"})

    assert response.status_code == 409
    message = "Phone numbers was changed to “+1 202-555-0199 (home phone)” by someone else after you opened this form."
    assert escape(message) in response.content.decode()
    assert everything(grace) == stored


def test_saving_the_refused_numbers_again_overwrites_them_on_purpose(grace, me, someone_else):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, **{"phones-0-number": "(202) 555-0199"})
    refused = me.post(edit_url(grace), {**form, "phones-0-number": "(202) 555-0177"})
    assert refused.status_code == 409

    response = me.post(edit_url(grace), form_as_shown(refused))

    assert response.status_code == 302
    assert list(PhoneNumber.objects.filter(contact__client=grace).values_list("number", flat=True)) == ["+12025550177"]
    assert update_events(grace)[-1] == {"phones": [["+1 202-555-0199 (home phone)"], ["+1 202-555-0177 (home phone)"]]}


def test_saving_the_value_someone_else_already_set_is_not_a_conflict_and_records_nothing_more(grace, me, someone_else):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, city="Richmond")

    response = me.post(edit_url(grace), {**form, "city": "  Richmond "})

    assert response.status_code == 302
    assert state_of(grace)["city"] == "Richmond"
    assert update_events(grace) == [{"city": ["Arlington", "Richmond"]}]


def test_saving_the_form_unchanged_writes_nothing_and_records_no_event(grace, me):
    stored = everything(grace)

    response = me.post(edit_url(grace), form_as_shown(me.get(edit_url(grace))))

    assert response.status_code == 302
    assert everything(grace) == stored
    assert update_events(grace) == []


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda signed, state: signed[:-2] + ("AA" if signed[-2:] != "AA" else "BB"), id="signature"),
        pytest.param(lambda signed, state: signing.dumps(state, compress=True), id="signed-for-something-else"),
        pytest.param(lambda signed, state: str(state), id="not-signed"),
    ],
)
def test_a_tampered_loaded_value_gets_a_clear_error_and_writes_nothing(grace, me, someone_else, tamper):
    form = form_as_shown(me.get(edit_url(grace)))
    save_from_page(someone_else, grace, city="Richmond")
    stored = everything(grace)
    # What a forger wants the server to believe the form was loaded with: the current city.
    forged = tamper(form["loaded"], state_of(grace))

    response = me.post(edit_url(grace), {**form, "city": "Norfolk", "last_name": "Murray", "loaded": forged})

    assert response.status_code == 422
    assert "This form could not be read back. Reload the page and make your change again." in response.content.decode()
    assert everything(grace) == stored


# --- Through the action -------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """An edit as its form was loaded: the values shown, and the state they came from."""

    data: ClientData
    contact: ContactData
    phones: list[PhoneData]
    state: dict[str, Any]

    def save(self, actor: Any, client: Client, *, base: bool = True, **changes: Any) -> ClientUpdate:
        """Save this form with `changes` (field names; `phones` a list of numbers) through the action."""
        phones = [PhoneData(number) for number in changes.pop("phones")] if "phones" in changes else self.phones
        return client_update(
            actor=actor,
            client=client,
            data=replace(self.data, **{k: v for k, v in changes.items() if k in CLIENT_FIELDS}),
            contact=replace(self.contact, **{k: v for k, v in changes.items() if k in CONTACT_FIELDS}),
            phones=phones,
            base=self.state if base else None,
        )


def load(client: Client) -> Loaded:
    """Load the client's edit as a form would: what it shows and what it is based on."""
    fresh = Client.objects.get(pk=client.pk)
    primary = Contact.objects.get(client=fresh, contact_type=ContactType.PRIMARY)
    numbers = list(primary.phone_numbers.all())
    return Loaded(
        data=ClientData(**{name: getattr(fresh, name) for name in CLIENT_FIELDS}),
        contact=ContactData(**{name: getattr(primary, name) for name in CONTACT_FIELDS}),
        phones=[PhoneData(p.number, p.type, p.location) for p in numbers],
        state=client_state(fresh, primary, numbers),
    )


def test_update_of_the_city_keeps_the_postal_code_someone_else_changed_meanwhile(grace, admin, billing):
    mine = load(grace)
    load(grace).save(admin, grace, postal_code="22202")

    mine.save(billing, grace, city="Richmond")

    assert (state_of(grace)["city"], state_of(grace)["postal_code"]) == ("Richmond", "22202")
    assert update_events(grace)[-1] == {"city": ["Arlington", "Richmond"]}


def test_update_of_a_city_someone_else_changed_meanwhile_raises_a_conflict_naming_it_and_writes_nothing(
    grace, admin, billing
):
    mine = load(grace)
    load(grace).save(admin, grace, city="Richmond", postal_code="22202")
    stored = everything(grace)

    with pytest.raises(EditConflictError) as exc:
        mine.save(billing, grace, city="Norfolk", title="Rear Admiral")

    assert exc.value.message_dict == {
        "city": [
            "City was changed to “Richmond” by someone else after you opened this form. "
            "Your change to it was not saved: check the current value and enter yours again."
        ]
    }
    assert exc.value.current == {"city": "Richmond"}
    assert everything(grace) == stored


def test_update_based_on_the_conflicts_current_values_overwrites_them_on_purpose(grace, admin, billing):
    mine = load(grace)
    load(grace).save(admin, grace, city="Richmond", postal_code="22202")
    with pytest.raises(EditConflictError) as exc:
        mine.save(billing, grace, city="Norfolk")

    replace(mine, state={**mine.state, **exc.value.current}).save(billing, grace, city="Norfolk")

    assert (state_of(grace)["city"], state_of(grace)["postal_code"]) == ("Norfolk", "22202")
    assert update_events(grace)[-1] == {"city": ["Richmond", "Norfolk"]}


def test_update_of_numbers_someone_else_changed_meanwhile_raises_a_conflict_naming_them(grace, admin, billing):
    mine = load(grace)
    load(grace).save(admin, grace, phones=["(202) 555-0199"])
    stored = everything(grace)

    with pytest.raises(EditConflictError) as exc:
        mine.save(billing, grace, phones=["(202) 555-0177"])

    assert list(exc.value.message_dict) == ["phones"]
    assert exc.value.message_dict["phones"][0].startswith("Phone numbers was changed to “+1 202-555-0199 (home phone)”")
    assert exc.value.current == {"phones": ["+1 202-555-0199 (home phone)"]}
    assert everything(grace) == stored


def test_update_to_the_value_someone_else_already_set_is_not_a_conflict_and_records_nothing(grace, admin, billing):
    mine = load(grace)
    load(grace).save(admin, grace, city="Richmond")
    stored = everything(grace)

    mine.save(billing, grace, city="Richmond")

    assert everything(grace) == stored


def test_update_that_changes_nothing_records_no_event(grace, billing):
    stored = everything(grace)

    load(grace).save(billing, grace)

    assert everything(grace) == stored
    assert update_events(grace) == []


def test_update_without_a_base_applies_every_given_field(grace, admin, billing):
    mine = load(grace)
    load(grace).save(admin, grace, city="Richmond", postal_code="22202", phones=["(202) 555-0199"])

    mine.save(billing, grace, base=False, title="Rear Admiral")

    assert state_of(grace) == {**mine.state, "title": "Rear Admiral"}
    assert update_events(grace)[-1] == {
        "title": ["", "Rear Admiral"],
        "city": ["Richmond", "Arlington"],
        "postal_code": ["22202", "22201"],
        "phones": [["+1 202-555-0199 (home phone)"], ["+1 202-555-0143 (home phone)"]],
    }


# --- Invariants the model keeps, whichever way the edit comes ------------------------------------


BAD_SETTINGS = [
    pytest.param({"currency": "XXX"}, "currency", id="currency-iso-but-not-billed-in"),
    pytest.param({"currency": "ZZZ"}, "currency", id="currency-not-iso"),
    pytest.param({"language": "zz"}, "language", id="language-not-spoken"),
]


def _contact(**overrides: str) -> ContactData:
    return ContactData(
        **{"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engine.example", "country": "GB", **overrides}
    )


@pytest.mark.parametrize(("bad", "field"), BAD_SETTINGS)
def test_create_refuses_a_currency_or_language_outside_the_lists_and_writes_nothing(grace, admin, bad, field):
    sequence = list(IdSequence.objects.values_list("name", "last_value"))
    clients, contacts, events = Client.objects.count(), Contact.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ValidationError) as exc:
        client_create(actor=admin, data=ClientData(**bad), contact=_contact())

    assert list(exc.value.message_dict) == [field]
    assert (Client.objects.count(), Contact.objects.count(), AuditEvent.objects.count()) == (clients, contacts, events)
    assert list(IdSequence.objects.values_list("name", "last_value")) == sequence


def test_create_takes_a_lowercase_currency_and_stores_it_uppercase(admin):
    client = client_create(actor=admin, data=ClientData(currency="eur"), contact=_contact())

    assert Client.objects.get(pk=client.pk).currency == "EUR"
    assert AuditEvent.objects.get(action="client.create").changes["currency"] == [None, "EUR"]


@pytest.mark.parametrize(("bad", "field"), BAD_SETTINGS)
def test_update_refuses_a_currency_or_language_outside_the_lists_and_writes_nothing(grace, billing, bad, field):
    stored = everything(grace)

    with pytest.raises(ValidationError) as exc:
        load(grace).save(billing, grace, **bad)

    assert list(exc.value.message_dict) == [field]
    assert not isinstance(exc.value, EditConflictError)
    assert everything(grace) == stored


def test_update_takes_a_lowercase_currency_and_stores_it_uppercase(grace, billing):
    load(grace).save(billing, grace, currency="eur")

    assert Client.objects.get(pk=grace.pk).currency == "EUR"
    assert update_events(grace) == [{"currency": ["USD", "EUR"]}]
