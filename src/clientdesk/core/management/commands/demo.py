"""`clientdesk demo`: an admin login and 60 demo clients; running it again keeps what is there."""

import random
import secrets
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from clientdesk import audit
from clientdesk.accounts.models import User
from clientdesk.accounts.roles import ADMIN, sync_roles
from clientdesk.clients.actions import ClientData, ContactData, PhoneData, client_create
from clientdesk.clients.models import Client, ClientGroup, GroupColor
from clientdesk.core import fakedata

DEMO_EMAIL = "admin@clientdesk.example"
GROUPS = [("General", GroupColor.GREY), ("Resellers", GroupColor.BLUE), ("VIP", GroupColor.YELLOW)]


class Command(BaseCommand):
    help = "Create the demo admin (printing its password) and 60 demo clients, unless they exist."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--clients", type=int, default=60)

    def handle(self, *args: Any, clients: int, **options: Any) -> None:
        from django.conf import settings
        from django.contrib.auth.models import Group

        sync_roles()
        login_file = settings.VAR_DIR / "demo-login.txt"
        admin = User.objects.filter(email=DEMO_EMAIL).first()
        if admin is None or not login_file.exists():
            password = secrets.token_urlsafe(12)
            with transaction.atomic():
                if admin is None:
                    admin = User.objects.create_user(email=DEMO_EMAIL, password=password, full_name="Demo Admin")
                    audit.record(actor=None, action="user.create", target=admin, changes={"email": [None, DEMO_EMAIL]})
                else:
                    admin.set_password(password)
                    admin.save(update_fields=["password"])
                    audit.record(actor=None, action="auth.password_reset", target=admin)
                admin.groups.add(Group.objects.get(name=ADMIN))
            login_file.write_text(password)
            login_file.chmod(0o600)
        password = login_file.read_text().strip()

        groups = []
        for name, color in GROUPS:
            group, created = ClientGroup.objects.get_or_create(name=name, defaults={"color": color})
            if created:
                audit.record(actor=None, action="client_group.create", target=group, changes={"name": [None, name]})
            groups.append(group)
        existing = Client.objects.count()
        if existing == 0:
            rng = random.Random(1500)
            with transaction.atomic():
                for _ in range(clients):
                    p = fakedata.person(rng)
                    client_create(
                        actor=None,
                        data=ClientData(
                            group=rng.choice(groups),
                            currency={"GB": "GBP", "US": "USD", "CA": "CAD", "AU": "AUD"}.get(p.country, "EUR"),
                        ),
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
            self.stdout.write(f"Created {clients} demo clients.")
        else:
            self.stdout.write(f"Keeping the {existing} clients already here.")
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Demo ready: `make demo` serves it on http://127.0.0.1:8000"
                f"\n  Sign in as {DEMO_EMAIL}\n  Password: {password}\n"
            )
        )
