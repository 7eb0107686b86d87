"""How events read in the History view: codes, field names and values in words, from what apps declare."""

import pytest

from clientdesk.audit.templatetags.audit_tags import action_label, audit_change, audit_value, field_label


def test_codes_read_as_the_labels_their_apps_declare():
    assert action_label("client.status") == "Changed status"
    assert action_label("user.create") == "Staff member added"
    assert action_label("gone.code") == "gone.code"


@pytest.mark.parametrize(
    ("name", "target", "label"),
    [
        ("id_code", "clients.client", "Client ID"),  # the Client model's verbose name
        ("tax_id", "clients.client", "Tax ID / VATIN"),
        ("postal_code", "clients.client", "Postal code"),  # a field of the client's contacts
        ("address1", "clients.client", "Address 1"),
        ("email", "accounts.user", "Email address"),
        ("phones", "clients.client", "Phones"),  # no model field: the name in words
        ("postal_code", "", "Postal code"),
        ("postal_code", "no.such_model", "Postal code"),
    ],
)
def test_field_names_read_as_their_models_spell_them(name, target, label):
    assert field_label(name, target) == label


def test_values_read_as_words():
    assert [audit_value(v) for v in (True, False, None, "", [], "x", 3, ["a", "b"])] == [
        "Yes",
        "No",
        "—",
        "—",
        "—",
        "x",
        "3",
        "a, b",
    ]


class Event:
    """What the tag reads of an event: the model it is about."""

    def __init__(self, target_model="clients.client"):
        self.target_model = target_model


@pytest.mark.parametrize(
    ("name", "values", "html"),
    [
        ("state", ["DE-BY", "AT-2"], "<del>Bayern</del> → <ins>Kärnten</ins>"),
        ("country", ["DE", "AT"], "<del>Germany</del> → <ins>Austria</ins>"),
        ("language", ["en", "de"], "<del>English</del> → <ins>German</ins>"),
        ("invoice_method", ["email", "paper"], "<del>Email</del> → <ins>Paper</ins>"),
        ("status", ["active", "fraud"], "<del>Active</del> → <ins>Fraud</ins>"),
        ("group", ["General (#1)", "VIP (#3)"], "<del>General</del> → <ins>VIP</ins>"),
        ("tax_exempt", [False, True], "<del>No</del> → <ins>Yes</ins>"),
        ("city", [None, "Köln"], "<ins>Köln</ins>"),
        ("title", ["CTO", ""], "<del>CTO</del> → <ins>—</ins>"),
    ],
)
def test_changes_read_in_words_the_models_declare(name, values, html):
    assert html in audit_change(Event(), name, values)


def test_a_changed_list_shows_only_the_rows_removed_and_added():
    before = ["+1 202-555-0143 (home phone)", "+1 202-555-0100 (work phone)"]
    after = ["+1 202-555-0143 (home phone)", "+1 202-555-0199 (mobile phone)"]
    html = audit_change(Event(), "phones", [before, after])
    assert "<del>+1 202-555-0100 (work phone)</del>" in html
    assert "<ins>+1 202-555-0199 (mobile phone)</ins>" in html
    assert "0143" not in html


def test_values_are_escaped():
    html = audit_change(Event(), "city", ["<b>x</b>", "<script>alert(1)</script>"])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_redacted_value_stays_hidden():
    assert "[redacted]" in audit_change(Event("accounts.user"), "password", "[redacted]")
