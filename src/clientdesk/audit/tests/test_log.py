"""audit.record, audit.diff and audit.snapshot: who, from where, what changed, and nothing secret."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest

from clientdesk import audit
from clientdesk.audit.context import current_ip
from clientdesk.audit.log import REDACTED, REDACTED_FIELDS
from clientdesk.audit.models import ActorType

pytestmark = pytest.mark.django_db


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
    event = audit.record(actor=admin, action="test.thing")
    event.refresh_from_db()
    assert event.actor_type == ActorType.USER
    assert event.actor_user == admin
    assert event.actor_label == admin.email
    assert event.action == "test.thing"


def test_record_without_an_actor_is_the_system():
    event = audit.record(actor=None, action="test.thing")
    event.refresh_from_db()
    assert event.actor_type == ActorType.SYSTEM
    assert event.actor_user is None
    assert event.actor_label == "system"


def test_record_names_an_api_token_and_the_member_who_owns_it(admin):
    event = audit.record(actor=FakeToken(admin), action="test.thing")
    event.refresh_from_db()
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_user == admin
    assert event.actor_label == "API token ci-deploy"


def test_record_accepts_a_token_without_an_owner():
    event = audit.record(actor=FakeToken(None, "orphan"), action="test.thing")
    event.refresh_from_db()
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_user is None
    assert event.actor_label == "API token orphan"


def test_an_event_keeps_its_actor_label_after_the_member_is_deleted(make_staff):
    leaver = make_staff("leaver@staff.test")
    event = audit.record(actor=leaver, action="test.thing")
    leaver.delete()
    event.refresh_from_db()
    assert event.actor_user is None
    assert event.actor_label == "leaver@staff.test"


def test_record_cuts_an_overlong_actor_label_to_fit():
    event = audit.record(actor=FakeToken(None, "x" * 400), action="test.thing")
    event.refresh_from_db()
    assert len(event.actor_label) == 255


# --- Client and target --------------------------------------------------------------------


def test_record_snapshots_the_client_and_names_the_target(make_client, admin):
    client = make_client(first_name="Grace", last_name="Hopper")
    event = audit.record(actor=admin, action="test.thing", client=client, target=admin)
    event.refresh_from_db()
    assert event.client_pk == client.pk
    assert event.client_code == client.id_code
    assert event.client_name == client.name
    assert event.target_model == "accounts.user"
    assert event.target_pk == str(admin.pk)


# --- Redaction ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(REDACTED_FIELDS))
def test_record_redacts_secret_fields(key):
    secret = "4111111111111111"
    event = audit.record(actor=None, action="test.thing", changes={key: [None, secret], "city": ["Oslo", "Bergen"]})
    event.refresh_from_db()
    assert event.changes == {key: REDACTED, "city": ["Oslo", "Bergen"]}
    assert secret not in json.dumps(event.changes)


def test_redaction_covers_passwords_and_card_data():
    assert {"password", "number", "cvv"} <= REDACTED_FIELDS


# --- IP -----------------------------------------------------------------------------------


def test_record_takes_the_ip_from_the_request_context(request_ip):
    request_ip("192.0.2.44")
    event = audit.record(actor=None, action="test.thing")
    event.refresh_from_db()
    assert event.ip == "192.0.2.44"


def test_an_ip_given_to_record_wins_over_the_request_context(request_ip):
    request_ip("192.0.2.44")
    event = audit.record(actor=None, action="test.thing", ip="2001:db8::7")
    event.refresh_from_db()
    assert event.ip == "2001:db8::7"


def test_record_outside_a_request_has_no_ip():
    assert current_ip.get() is None
    event = audit.record(actor=None, action="test.thing")
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
    event = audit.record(actor=None, action="test.thing", changes=changes)
    event.refresh_from_db()
    assert event.changes == {
        "amount": ["9.99", "19.99"],
        "due": [None, "2025-03-01"],
        "lines": [None, [{"price": "1.50", "at": "08:15:00"}]],
    }


def test_snapshot_reads_the_named_fields_as_plain_values(admin):
    values = audit.snapshot(admin, ["email", "date_joined", "is_active"])
    assert values == {"email": admin.email, "date_joined": admin.date_joined.isoformat(), "is_active": True}
