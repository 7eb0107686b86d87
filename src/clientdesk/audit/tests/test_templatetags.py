"""How events read in the History view: codes, field names and values in words, from what apps declare."""

import pytest

from clientdesk.audit.templatetags.audit_tags import action_label, audit_value, field_label


def test_codes_read_as_the_labels_their_apps_declare():
    assert action_label("client.status") == "Status changed"
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
