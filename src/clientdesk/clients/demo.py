"""Demo data of the clients app: three client groups and `demo.size` clients in eight countries."""

from clientdesk.clients.actions import ClientData, ContactData, PhoneData, client_create, client_group_create
from clientdesk.clients.models import Client, ClientGroup, GroupColor
from clientdesk.core import fakedata
from clientdesk.core.contract import DemoContext

GROUPS = [("General", GroupColor.GREY), ("Resellers", GroupColor.BLUE), ("VIP", GroupColor.YELLOW)]
CURRENCY = {"GB": "GBP", "US": "USD", "CA": "CAD", "AU": "AUD"}


def seed(demo: DemoContext) -> None:
    """Groups, then clients made through the real action, unless the desk already has clients."""
    groups = [
        ClientGroup.objects.filter(name=name).first() or client_group_create(actor=None, name=name, color=color)
        for name, color in GROUPS
    ]
    demo.shared["client_groups"] = groups
    existing = Client.objects.count()
    if existing:
        demo.say(f"Keeping the {existing} clients already here.")
        return
    for _ in range(demo.size):
        p = fakedata.person(demo.rng)
        client_create(
            actor=None,
            data=ClientData(group=demo.rng.choice(groups), currency=CURRENCY.get(p.country, "EUR")),
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
            phones=[PhoneData(number=n, type=t, location=loc) for t, loc, n in p.phones],
        )
    demo.say(f"Created {demo.size} demo clients.")
