"""Demo data of the accounts app: the demo admin, whose password is printed by `clientdesk demo`."""

import secrets

from django.conf import settings

from clientdesk.accounts.actions import user_create, user_password_set
from clientdesk.accounts.models import User
from clientdesk.core.contract import DemoContext, Role

DEMO_EMAIL = "admin@clientdesk.example"


def seed(demo: DemoContext) -> None:
    """The demo admin; its password is kept in var/demo-login.txt so a second run prints the same one."""
    login_file = settings.VAR_DIR / "demo-login.txt"
    admin = User.objects.filter(email=DEMO_EMAIL).first()
    if admin is None or not login_file.exists():
        password = secrets.token_urlsafe(12)
        if admin is None:
            user_create(actor=None, email=DEMO_EMAIL, full_name="Demo Admin", password=password, roles=[Role.ADMIN])
        else:
            user_password_set(actor=None, user=admin, password=password)
        login_file.write_text(password)
        login_file.chmod(0o600)
    demo.login = (DEMO_EMAIL, login_file.read_text().strip())
