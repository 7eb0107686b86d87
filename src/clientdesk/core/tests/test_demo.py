from io import StringIO

import pytest
from django.core.management import call_command

from clientdesk.accounts.models import User
from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Client
from clientdesk.contacts.models import PhoneNumber

pytestmark = pytest.mark.django_db


def run(**kwargs):
    out = StringIO()
    call_command("demo", stdout=out, **kwargs)
    return out.getvalue()


def test_demo_creates_an_admin_and_clients_once_and_prints_the_same_login(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = run(clients=6)
    password = first.split("Password: ")[1].split()[0]
    admin = User.objects.get(email="admin@clientdesk.example")
    assert admin.check_password(password)
    assert admin.groups.filter(name="Admin").exists()
    assert Client.objects.count() == 6
    assert PhoneNumber.objects.count() >= 6
    assert set(Client.objects.values_list("country", flat=True)) <= {"US", "GB", "DE", "FR", "CA", "AU", "NL", "ES"}

    second = run(clients=6)
    assert f"Password: {password}" in second
    assert "Keeping the 6 clients" in second
    assert Client.objects.count() == 6
    assert AuditEvent.objects.filter(action="user.create").count() == 1
