from clientdesk.core.templatetags.desk import audit_value, field_label


def test_field_labels_read_as_words():
    assert field_label("postal_code") == "Postal code"
    assert field_label("id_code") == "Client ID"


def test_audit_values_read_as_words():
    assert [audit_value(v) for v in (True, False, None, "", "x", 3)] == ["Yes", "No", "—", "—", "x", "3"]
