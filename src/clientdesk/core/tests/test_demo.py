"""`clientdesk demo`: every desk app's seeder, in dependency order; a second run keeps the data and the login."""

from io import StringIO

import pytest
from django.core.management import call_command

from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Client, PhoneNumber
from clientdesk.core.contract import demo_order

pytestmark = pytest.mark.django_db


def run(**kwargs):
    out = StringIO()
    call_command("demo", stdout=out, **kwargs)
    return out.getvalue()


def test_demo_creates_an_admin_and_clients_once_and_prints_the_same_login(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = run(size=6)
    password = first.split("Password: ")[1].split()[0]
    admin = User.objects.get(email="admin@clientdesk.example")
    assert admin.check_password(password)
    assert admin.groups.filter(name="Admin").exists()
    assert Client.objects.count() == 6
    assert PhoneNumber.objects.count() >= 6
    from clientdesk.core.fakedata import COUNTRY_WEIGHTS

    assert set(Client.objects.values_list("country", flat=True)) <= set(COUNTRY_WEIGHTS)
    # Everything the demo made went through actions: one event per client and for the admin.
    assert AuditEvent.objects.filter(action="client.create").count() == 6
    assert AuditEvent.objects.filter(action="client_group.create").count() == 3

    second = run(size=6)
    assert f"Password: {password}" in second
    assert "Keeping the 6 clients" in second
    assert Client.objects.count() == 6
    assert AuditEvent.objects.filter(action=AccountEvent.USER_CREATE).count() == 1


def test_a_lost_login_file_gets_a_new_password_through_an_action(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = run(size=1).split("Password: ")[1].split()[0]
    (tmp_path / "demo-login.txt").unlink()
    second = run(size=1).split("Password: ")[1].split()[0]
    assert first != second
    assert User.objects.get(email="admin@clientdesk.example").check_password(second)
    assert AuditEvent.objects.filter(action=AccountEvent.PASSWORD_SET).count() == 1


def test_the_accounts_seeder_runs_before_the_clients_seeder():
    labels = [app.label for app in demo_order()]
    assert labels.index("accounts") < labels.index("clients")


def test_the_demo_fills_every_status_tab_and_months_of_history(settings, tmp_path):
    from django.utils import timezone

    settings.VAR_DIR = tmp_path
    run()
    statuses = set(Client.objects.values_list("status", flat=True))
    assert statuses == {"active", "inactive", "fraud"}
    oldest = Client.objects.order_by("created_at").first()
    assert oldest is not None
    assert (timezone.now() - oldest.created_at).days > 180
    # Status changes went through the action too.
    assert AuditEvent.objects.filter(action="client.status").exists()


def test_the_demo_gives_clients_contacts_of_every_type(settings, tmp_path):
    from clientdesk.clients.models import Contact, CustomContactType

    settings.VAR_DIR = tmp_path
    run()
    assert set(Contact.objects.values_list("contact_type", flat=True)) == {"primary", "billing", "other"}
    used = set(Contact.objects.exclude(custom_type=None).values_list("custom_type__name", flat=True))
    assert used == set(CustomContactType.objects.values_list("name", flat=True))
    assert Client.objects.exclude(invoice_contact=None).exists()
    assert AuditEvent.objects.filter(action="contact.create").exists()


def test_the_demo_says_where_it_is_served(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("PORT", "8123")
    assert "http://127.0.0.1:8123/" in run(size=1)


def test_demo_clients_pay_in_their_countrys_currency_where_the_company_bills_in_it(settings, tmp_path):
    from clientdesk.core import geo

    settings.VAR_DIR = tmp_path
    run()
    for country, currency in Client.objects.values_list("country", "currency").distinct():
        expected = geo.country_currency(country)
        assert currency == (
            expected if expected in settings.CLIENTDESK_CURRENCIES else settings.CLIENTDESK_DEFAULT_CURRENCY
        )
