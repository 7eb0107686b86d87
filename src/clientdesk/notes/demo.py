"""Demo data of the notes app: notes on the demo clients, some sticky, a few written by the system."""

from clientdesk.accounts.models import User
from clientdesk.clients.models import Client
from clientdesk.core.contract import DemoContext
from clientdesk.notes.actions import note_create
from clientdesk.notes.models import Note

# (summary, details) a staff member might write.
STAFF_NOTES = [
    ("Prefers contact by email", "Asked us not to call during office hours.\nEmail replies within a day."),
    ("Renewal discussed", "Interested in moving to the annual plan at renewal.\nFollow up a month before."),
    ("VIP: escalate tickets", "Account manager asked that tickets from this client go straight to level 2."),
    ("Paid by bank transfer", "Sends payment by bank transfer; the reference is the invoice number."),
    ("Migration from old host", "Moving three sites from their old host.\nDNS cut-over planned after testing."),
    ("Requested a quote", "Wants a quote for a dedicated server with daily backups."),
    ("Billing contact changed", "New billing contact from next month; see the contacts list."),
    ("Do not suspend without a call", "Call the primary contact before any suspension."),
]
# Notes the system writes (no author).
SYSTEM_NOTES = [
    ("Auto debit disabled for payment account.", "The card was declined three times in a row."),
    ("Invoice reminder bounced.", "The reminder email was returned by the client's mail server."),
]


def seed(demo: DemoContext) -> None:
    """Notes made through the real action on the demo clients, unless the desk already has notes."""
    existing = Note.objects.count()
    if existing:
        demo.say(f"Keeping the {existing} notes already here.")
        return
    # Written by the demo admin (the accounts seeder signs in as it); by the system when there is none.
    staff = User.objects.filter(email=demo.login[0]).first() if demo.login else None
    made = 0
    for index, client in enumerate(Client.objects.order_by("id")[: demo.size]):
        for _ in range(demo.rng.choices(range(4), weights=[30, 35, 25, 10])[0]):
            summary, details = demo.rng.choice(STAFF_NOTES)
            note_create(actor=staff, client=client, summary=summary, details=details, sticky=demo.rng.random() < 0.3)
            made += 1
        if index % 7 == 0:  # the first client, then every seventh: a note the system wrote
            summary, details = SYSTEM_NOTES[index // 7 % len(SYSTEM_NOTES)]
            note_create(actor=None, client=client, summary=summary, details=details, sticky=index % 14 == 0)
            made += 1
    demo.say(f"Created {made} demo notes.")
