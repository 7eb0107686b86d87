import random

import pytest

from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import DemoContext, demo_order
from clientdesk.payments import demo, vault
from clientdesk.payments.models import OfflineGatewayAccount, PaymentAccount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vault(vault_settings):
    """The demo seals numbers in this test's own vault."""


def context(size, said):
    return DemoContext(size=size, rng=random.Random(1500), say=said.append, login=("ada@staff.test", "x"))


def test_the_payments_seeder_runs_after_the_clients_seeder():
    labels = [app.label for app in demo_order()]
    assert labels.index("clients") < labels.index("payments")


def test_the_demo_adds_local_and_tokenised_accounts_with_test_numbers_once(make_client, admin):
    for _ in range(30):
        make_client()
    said: list[str] = []
    demo.seed(context(30, said))
    accounts = PaymentAccount.objects.all()
    assert accounts.filter(storage="local", kind="card").exists()
    assert accounts.filter(kind="bank").exists()
    remote = accounts.filter(storage="offline_test")
    assert remote.exists()
    assert OfflineGatewayAccount.objects.count() == remote.count()
    test_numbers = {number for number, _ in demo.TEST_CARDS}
    for account in accounts.filter(storage="local", kind="card"):
        assert vault.open_sealed(account.sealed_number, vault.CARD_NUMBER) in test_numbers
    assert AuditEvent.objects.filter(action="payment.add").count() == accounts.count()
    assert accounts.filter(auto_debit=True).count() == accounts.values("client").distinct().count()
    assert said[-1].startswith(f"Created {accounts.count()} demo payment accounts")

    demo.seed(context(30, said))
    assert PaymentAccount.objects.count() == accounts.count()
    assert said[-1] == f"Keeping the {accounts.count()} payment accounts already here."
