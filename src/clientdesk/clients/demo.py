"""Demo data of the clients app: three client groups and `demo.size` clients in eight countries."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from clientdesk.clients.actions import (
    ClientData,
    ContactData,
    PhoneData,
    client_create,
    client_cycle_status,
    client_group_create,
    client_set_invoice_contact,
    contact_create,
    contact_type_create,
)
from clientdesk.clients.models import Client, ClientGroup, ContactType, CustomContactType, GroupColor
from clientdesk.core import fakedata, geo
from clientdesk.core.contract import DemoContext

GROUPS = [("General", GroupColor.GREY), ("Resellers", GroupColor.BLUE), ("VIP", GroupColor.YELLOW)]
CONTACT_TYPES = ["Technical", "Sales", "Abuse"]
STATUS_STEPS = [0, 1, 2]  # clicks on the status badge: stays active, becomes inactive, becomes fraud


def seed(demo: DemoContext) -> None:
    """Groups, then clients made through the real action, unless the desk already has clients."""
    groups = [
        ClientGroup.objects.filter(name=name).first() or client_group_create(actor=None, name=name, color=color)
        for name, color in GROUPS
    ]
    demo.shared["client_groups"] = groups
    kinds = [
        CustomContactType.objects.filter(name=name).first() or contact_type_create(actor=None, name=name)
        for name in CONTACT_TYPES
    ]
    existing = Client.objects.count()
    if existing:
        demo.say(f"Keeping the {existing} clients already here.")
        return
    now = timezone.now()
    for n in range(demo.size):
        p = fakedata.person(demo.rng)
        # Oldest first, spread over the last two years, so "member since" and sorting show something.
        joined = now - timedelta(days=730 * (demo.size - n) / demo.size, hours=demo.rng.randrange(24))
        client = client_create(
            actor=None,
            data=ClientData(group=demo.rng.choice(groups), currency=_currency(p.country)),
            contact=ContactData(
                first_name=p.first_name,
                last_name=p.last_name,
                email=p.email,
                country=p.country,
                company=p.company,
                title=p.title,
                address1=p.address1,
                city=p.city,
                state=p.state,
                postal_code=p.postal_code,
            ),
            phones=[PhoneData(number=num, type=t, location=loc) for t, loc, num in p.phones],
            member_since=joined,
            allow_duplicate=True,  # made-up people: two may share a made-up address
        )
        _second_contacts(demo, client, kinds)
        # About one in eight is inactive and one in twenty marked as fraud, so every status tab has clients.
        for _ in range(STATUS_STEPS[demo.rng.choices(range(3), weights=[85, 10, 5])[0]]):
            client_cycle_status(actor=None, client=client)
    demo.say(f"Created {demo.size} demo clients.")


def _currency(country: str) -> str:
    """The country's currency when the company bills in it (as Add client picks it), else the default."""
    currency = geo.country_currency(country)
    return currency if currency in settings.CLIENTDESK_CURRENCIES else settings.CLIENTDESK_DEFAULT_CURRENCY


def _second_contacts(demo: DemoContext, client: Client, kinds: list[CustomContactType]) -> None:
    """Some clients get a billing contact (one in ten has invoices addressed to it) and contacts of each type."""
    roll = demo.rng.random()
    wanted: list[tuple[str, CustomContactType | None]] = []
    if roll < 0.35:
        wanted.append((ContactType.BILLING, None))
    if roll < 0.15 or 0.6 < roll < 0.7:
        wanted.append((ContactType.OTHER, demo.rng.choice(kinds)))
    for contact_type, kind in wanted:
        p = fakedata.person(demo.rng, country=client.country)
        contact = contact_create(
            actor=None,
            client=client,
            contact_type=contact_type,
            custom_type=kind,
            data=ContactData(
                first_name=p.first_name,
                last_name=p.last_name,
                email=p.email,
                country=client.country,
                company=client.company,
                title="Accounts" if contact_type == ContactType.BILLING else (kind.name if kind else ""),
            ),
            phones=[
                PhoneData(number=num, type=t, location=loc) for t, loc, num in p.phones if p.country == client.country
            ],
        )
        if contact_type == ContactType.BILLING and roll < 0.1:
            client_set_invoice_contact(actor=None, client=client, contact=contact)
