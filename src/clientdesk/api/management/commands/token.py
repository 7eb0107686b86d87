"""`clientdesk token create|list|revoke`: API tokens from the shell.

    clientdesk token create ann@example.com --name billing-sync [--read-only] [--expires-days 90]
    clientdesk token list ann@example.com
    clientdesk token revoke 3f2a9b1c0d4e

`create` prints the secret once (only a hash of it is kept). The command acts as the system (the
audit log says so).
"""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clientdesk.accounts.models import User
from clientdesk.accounts.queries import staff_member_by_email
from clientdesk.api import actions, queries
from clientdesk.api.models import ApiToken


def _member(email: str) -> User:
    member = staff_member_by_email(email)
    if member is None:
        raise CommandError(f"No staff member has the email {email}: `clientdesk staff list` lists them.")
    return member


class Command(BaseCommand):
    """`clientdesk token create EMAIL --name NAME [--read-only] [--expires-days N]`, `list EMAIL`, `revoke ID`."""

    help = "Make, list and revoke staff members' API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="Make a token for a staff member and print its secret, this once.")
        create.add_argument("email")
        create.add_argument("--name", required=True, help="What will use it, e.g. billing-sync.")
        create.add_argument("--read-only", action="store_true", help="It only reads.")
        create.add_argument("--expires-days", type=int, metavar="N", help="It stops working after N days.")
        listing = sub.add_parser("list", help="A staff member's tokens.")
        listing.add_argument("email")
        revoke = sub.add_parser("revoke", help="Revoke a token, named by its id (the part after cdk_).")
        revoke.add_argument("key_id")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        if command == "create":
            self._create(_member(options["email"]), options)
        elif command == "list":
            self._list(_member(options["email"]))
        else:
            self._revoke(options["key_id"])

    def _create(self, member: User, options: dict[str, Any]) -> None:
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days is a number of days, 1 or more.")
        try:
            token, secret = actions.api_token_create(
                actor=None,
                owner=member,
                name=options["name"],
                read_only=options["read_only"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        until = f"until {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "with no expiry"
        self.stdout.write(
            f"Made {token} ({token.scope.lower()}, {until}). The token, shown only now:\n"
            f"  {secret}\n"
            "Send it as `Authorization: Bearer <token>`."
        )

    def _list(self, member: User) -> None:
        rows = [("Id", "Name", "Scope", "Created", "Last used", "Expires", "State")]
        for token in queries.tokens_of(member):
            rows.append(
                (
                    token.key_id,
                    token.name,
                    token.scope,
                    f"{token.created_at:%Y-%m-%d %H:%M}",
                    f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
                    f"{token.expires_at:%Y-%m-%d %H:%M}" if token.expires_at else "never",
                    token.state(),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())

    def _revoke(self, key_id: str) -> None:
        token = ApiToken.objects.select_related("owner").filter(key_id=key_id.removeprefix("cdk_")).first()
        if token is None:
            raise CommandError(f"No API token has the id {key_id}: `clientdesk token list EMAIL` lists a member's.")
        actions.api_token_revoke(actor=None, token=token)
        self.stdout.write(f"Revoked {token}.")
