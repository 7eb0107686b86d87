"""audit.record, audit.diff and audit.snapshot: who, from where, what changed, and nothing secret."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from clientdesk import audit
from clientdesk.audit.codes import AuditCode, label_for
from clientdesk.audit.context import current_ip
from clientdesk.audit.log import REDACTED
from clientdesk.audit.models import ActorType, AuditEvent

pytestmark = pytest.mark.django_db


class TestEvent(AuditCode):
    __test__ = False  # an enum of codes, not a test class

    THING = "test.thing", "Test thing happened"
    OTHER = "test.other", "Other test thing"


@audit.action(TestEvent.THING)
def write(*, actor: audit.Actor, **kwargs):
    """A minimal action: records one TestEvent.THING with what it is given."""
    return audit.record(actor=actor, action=TestEvent.THING, **kwargs)


class FakeToken:
    """Stands in for an API token: anything with `is_audit_token = True`."""

    is_audit_token = True

    def __init__(self, user, name="ci-deploy"):
        self.user = user
        self.name = name

    def __str__(self):
        return f"API token {self.name}"


@pytest.fixture
def request_ip():
    """Set the request context's IP as AuditContextMiddleware would, and restore it afterwards."""
    tokens = []

    def set_ip(ip):
        tokens.append(current_ip.set(ip))

    yield set_ip
    for token in reversed(tokens):
        current_ip.reset(token)


# --- Actor --------------------------------------------------------------------------------


def test_record_names_a_staff_member_as_the_actor(admin):
    event = write(actor=admin)
    event.refresh_from_db()
    assert event.actor_type == ActorType.USER
    assert event.actor_user == admin
    assert event.actor_label == admin.full_name == "Ada"
    assert event.action == "test.thing"


def test_record_without_an_actor_is_the_system():
    event = write(actor=None)
    event.refresh_from_db()
    assert event.actor_type == ActorType.SYSTEM
    assert event.actor_user is None
    assert event.actor_label == "system"


def test_record_names_an_api_token_and_the_member_who_owns_it(admin):
    event = write(actor=FakeToken(admin))
    event.refresh_from_db()
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_user == admin
    assert event.actor_label == "API token ci-deploy"


class PropertyToken:
    """A token as a model declares one: a class attribute and a read-only property for its owner."""

    is_audit_token = True

    def __init__(self, owner):
        self.owner = owner

    @property
    def user(self):
        return self.owner

    def __str__(self):
        return f"API token 'billing-sync' of {self.owner}"


def test_record_names_a_token_whose_owner_is_a_read_only_property(admin):
    token: audit.Actor = PropertyToken(admin)
    event = write(actor=token)
    event.refresh_from_db()
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_user == admin
    assert event.actor_label == "API token 'billing-sync' of Ada"


def test_record_accepts_a_token_without_an_owner():
    event = write(actor=FakeToken(None, "orphan"))
    event.refresh_from_db()
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_user is None
    assert event.actor_label == "API token orphan"


def test_an_event_keeps_its_actor_label_after_the_member_is_deleted(make_staff):
    leaver = make_staff("leaver@staff.test")
    event = write(actor=leaver)
    leaver.delete()
    event.refresh_from_db()
    assert event.actor_user is None
    assert event.actor_label == "Leaver"


def test_record_cuts_an_overlong_actor_label_to_fit():
    event = write(actor=FakeToken(None, "x" * 400))
    event.refresh_from_db()
    assert len(event.actor_label) == 255


# --- Client and target --------------------------------------------------------------------


def test_record_snapshots_the_client_and_names_the_target(make_client, admin):
    client = make_client(first_name="Grace", last_name="Hopper")
    event = write(actor=admin, client=client, target=admin)
    event.refresh_from_db()
    assert event.client_pk == client.pk
    assert event.client_code == client.id_code
    assert event.client_name == client.name
    assert event.target_model == "accounts.user"
    assert event.target_pk == str(admin.pk)


# --- Redaction ----------------------------------------------------------------------------


def test_a_model_declares_which_of_its_fields_never_reach_the_log(admin):
    admin.set_password("a new secret")
    event = write(actor=None, target=admin, changes={"password": ["old", admin.password], "email": ["a", "b"]})
    event.refresh_from_db()
    assert event.changes == {"password": REDACTED, "email": ["a", "b"]}
    assert audit.snapshot(admin, ["password", "email"]) == {"password": REDACTED, "email": admin.email}


def test_an_action_can_redact_keys_of_its_own():
    secret = "4111111111111111"
    event = write(actor=None, changes={"card": [None, secret], "city": ["Oslo", "Bergen"]}, redact=["card"])
    event.refresh_from_db()
    assert event.changes == {"card": REDACTED, "city": ["Oslo", "Bergen"]}
    assert secret not in json.dumps(event.changes)


def test_a_field_is_not_hidden_for_its_bare_name():
    # An invoice or ticket "number" is not a secret: only declared fields are redacted.
    event = write(actor=None, changes={"number": ["INV-1", "INV-2"], "password": ["x", "y"]})
    event.refresh_from_db()
    assert event.changes == {"number": ["INV-1", "INV-2"], "password": ["x", "y"]}


# --- The action decorator -----------------------------------------------------------------


def test_record_outside_an_action_is_refused():
    with pytest.raises(RuntimeError, match="inside an action"):
        audit.record(actor=None, action=TestEvent.THING)
    assert not AuditEvent.objects.filter(action=TestEvent.THING).exists()


def test_an_action_may_record_only_the_codes_it_declares():
    @audit.action(TestEvent.THING)
    def sneaky(*, actor: audit.Actor) -> None:
        audit.record(actor=actor, action=TestEvent.OTHER)

    with pytest.raises(ValueError, match=r"test\.other"):
        sneaky(actor=None)
    assert not AuditEvent.objects.filter(action=TestEvent.OTHER).exists()


def test_an_action_that_records_nothing_is_rolled_back(admin):
    @audit.action(TestEvent.THING)
    def forgetful(*, actor: audit.Actor) -> None:
        admin.full_name = "Changed without a trace"
        admin.save(update_fields=["full_name"])

    with pytest.raises(audit.MissingAuditEventError, match="forgetful"):
        forgetful(actor=None)
    admin.refresh_from_db()
    assert admin.full_name != "Changed without a trace"


def test_an_action_that_changed_nothing_says_so_and_records_nothing():
    @audit.action(TestEvent.THING)
    def idle(*, actor: audit.Actor) -> str:
        audit.nothing_changed()
        return "done"

    assert idle(actor=None) == "done"
    assert not AuditEvent.objects.filter(action=TestEvent.THING).exists()


@pytest.mark.parametrize(
    "define",
    [
        lambda: audit.action(TestEvent.THING)(lambda actor: None),
        lambda: audit.action(TestEvent.THING)(lambda *, actor: None),
        lambda: audit.action(TestEvent.THING)(lambda *, who: None),
        lambda: audit.action()(lambda *, actor: None),
        lambda: audit.action("test.thing")(lambda *, actor: None),  # type: ignore[arg-type]  # the point of the test
    ],
    ids=["positional actor", "untyped actor", "no actor", "no codes", "a free string code"],
)
def test_an_action_must_take_a_typed_keyword_only_actor_and_declare_enum_codes(define):
    with pytest.raises(TypeError):
        define()


def test_an_action_takes_keyword_arguments_only():
    def positional(name: str, *, actor: audit.Actor) -> None: ...

    with pytest.raises(TypeError, match="keyword-only"):
        audit.action(TestEvent.THING)(positional)


def test_side_effects_run_after_the_commit_and_never_after_a_rollback(django_capture_on_commit_callbacks):
    ran = []

    @audit.action(TestEvent.THING)
    def with_effect(*, actor: audit.Actor, fail: bool) -> None:
        audit.after_commit(lambda: ran.append("sent"))
        assert ran == []
        if fail:
            raise ValueError("boom")
        audit.record(actor=actor, action=TestEvent.THING)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError, match="boom"):
        with_effect(actor=None, fail=True)
    assert ran == []
    with django_capture_on_commit_callbacks(execute=True):
        with_effect(actor=None, fail=False)
    assert ran == ["sent"]


@pytest.mark.django_db(transaction=True)
def test_an_action_is_its_own_durable_transaction():
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        write(actor=None)
    assert not connection.in_atomic_block


def test_the_history_view_names_every_declared_code():
    assert label_for("test.thing") == "Test thing happened"
    assert label_for("client.status") == "Changed status"
    assert label_for("no.such_code") == "no.such_code"


# --- IP -----------------------------------------------------------------------------------


def test_record_takes_the_ip_from_the_request_context(request_ip):
    request_ip("192.0.2.44")
    event = write(actor=None)
    event.refresh_from_db()
    assert event.ip == "192.0.2.44"


def test_an_ip_given_to_record_wins_over_the_request_context(request_ip):
    request_ip("192.0.2.44")
    event = write(actor=None, ip="2001:db8::7")
    event.refresh_from_db()
    assert event.ip == "2001:db8::7"


def test_record_outside_a_request_has_no_ip():
    assert current_ip.get() is None
    event = write(actor=None)
    event.refresh_from_db()
    assert event.ip is None


# --- diff, snapshot and JSON-safe values --------------------------------------------------


def test_diff_returns_only_changed_fields_as_before_and_after():
    before = {"city": "Oslo", "country": "NO", "company": "", "title": "CEO"}
    after = {"city": "Bergen", "country": "NO", "company": "", "phone": "+4712345678"}
    assert audit.diff(before, after) == {
        "city": ["Oslo", "Bergen"],
        "title": ["CEO", None],
        "phone": [None, "+4712345678"],
    }


def test_diff_of_identical_values_is_empty():
    values = {"amount": Decimal("12.50"), "due": datetime.date(2025, 1, 31), "tags": ["a", "b"]}
    assert audit.diff(values, dict(values)) == {}


def test_diff_makes_dates_decimals_uuids_and_models_json_safe(admin):
    ref = uuid.UUID("12345678-1234-5678-1234-567812345678")
    before = {
        "due": datetime.date(2025, 1, 31),
        "paid_at": None,
        "amount": Decimal("10.00"),
        "owner": None,
        "ref": None,
    }
    after = {
        "due": datetime.date(2025, 2, 28),
        "paid_at": datetime.datetime(2025, 2, 1, 9, 30, tzinfo=datetime.UTC),
        "amount": Decimal("12.50"),
        "owner": admin,
        "ref": ref,
    }
    changes = audit.diff(before, after)
    assert changes == {
        "due": ["2025-01-31", "2025-02-28"],
        "paid_at": [None, "2025-02-01T09:30:00+00:00"],
        "amount": ["10.00", "12.50"],
        "owner": [None, f"{admin} (#{admin.pk})"],
        "ref": [None, str(ref)],
    }
    assert json.loads(json.dumps(changes)) == changes


def test_diff_treats_an_equal_amount_written_with_another_scale_as_unchanged():
    # A form cleans "100" to Decimal("100") while the database holds Decimal("100.00"): same money.
    assert audit.diff({"credit_limit": Decimal("100.00")}, {"credit_limit": Decimal("100")}) == {}


def test_record_stores_dates_decimals_and_nested_values_json_safe():
    changes = {
        "amount": [Decimal("9.99"), Decimal("19.99")],
        "due": [None, datetime.date(2025, 3, 1)],
        "lines": [None, [{"price": Decimal("1.50"), "at": datetime.time(8, 15)}]],
    }
    event = write(actor=None, changes=changes)
    event.refresh_from_db()
    assert event.changes == {
        "amount": ["9.99", "19.99"],
        "due": [None, "2025-03-01"],
        "lines": [None, [{"price": "1.50", "at": "08:15:00"}]],
    }


def test_snapshot_reads_the_named_fields_as_plain_values(admin):
    values = audit.snapshot(admin, ["email", "date_joined", "is_active"])
    assert values == {"email": admin.email, "date_joined": admin.date_joined.isoformat(), "is_active": True}
