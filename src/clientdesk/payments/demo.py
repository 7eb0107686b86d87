"""Demo data of the payments app: cards and bank accounts on the demo clients, with test numbers only.

Most are sealed in the local vault; some are stored at the offline test gateway (tokenised), as they
would be at a merchant gateway that keeps accounts itself.
"""

from django.test.utils import override_settings
from django.utils import timezone

from clientdesk.accounts.models import User
from clientdesk.clients.models import Client, Contact, ContactType
from clientdesk.core.contract import DemoContext
from clientdesk.payments.actions import HolderData, bank_add, card_add
from clientdesk.payments.models import PaymentAccount

# Published test card numbers (no real account behind any of them), with their security code's length.
TEST_CARDS = [
    ("4242424242424242", 3),  # Visa
    ("4000056655665556", 3),  # Visa (debit)
    ("5555555555554444", 3),  # Mastercard
    ("2223003122003222", 3),  # Mastercard, 2-series
    ("378282246310005", 4),  # American Express
    ("6011111111111117", 3),  # Discover
    ("3566002020360505", 3),  # JCB
]
# A routing number with a valid ABA checksum, and made-up account numbers.
TEST_ROUTING = ("011000015", "021000021", "026009593")


def _holder(contact: Contact) -> HolderData:
    return HolderData(
        first_name=contact.first_name,
        last_name=contact.last_name,
        address1=contact.address1,
        address2=contact.address2,
        city=contact.city,
        state=contact.state,
        postal_code=contact.postal_code,
        country=contact.country,
    )


def seed(demo: DemoContext) -> None:
    """Payment accounts made through the real actions, unless the desk already has some."""
    existing = PaymentAccount.objects.count()
    if existing:
        demo.say(f"Keeping the {existing} payment accounts already here.")
        return
    staff = User.objects.filter(email=demo.login[0]).first() if demo.login else None
    made = tokenised = 0
    clients = Client.objects.order_by("id")[: demo.size]
    primaries = {c.client_id: c for c in Contact.objects.filter(client__in=clients, contact_type=ContactType.PRIMARY)}
    this_year = timezone.localdate().year
    for index, client in enumerate(clients):
        contact = primaries.get(client.pk)
        if contact is None or demo.rng.random() > 0.45:
            continue
        remote = index % 5 == 0  # every fifth one tokenised at the offline test gateway
        number, code_length = demo.rng.choice(TEST_CARDS)
        with override_settings(CLIENTDESK_MERCHANT_GATEWAY="offline_test" if remote else ""):
            card_add(
                actor=staff,
                client=client,
                copy_from=contact,
                holder=_holder(contact),
                number=number,
                expiry_month=demo.rng.randint(1, 12),
                expiry_year=this_year + 1 + demo.rng.randint(0, 5),
                security_code="7" * code_length,
            )
            made += 1
            tokenised += remote
            if demo.rng.random() < 0.3:
                bank_add(
                    actor=staff,
                    client=client,
                    copy_from=contact,
                    holder=_holder(contact),
                    account_type=demo.rng.choice(["checking", "savings"]),
                    routing_number=demo.rng.choice(TEST_ROUTING),
                    account_number=str(demo.rng.randint(10_000_000, 99_999_999_999)),
                )
                made += 1
                tokenised += remote
    demo.say(f"Created {made} demo payment accounts with test numbers ({tokenised} at the offline test gateway).")
