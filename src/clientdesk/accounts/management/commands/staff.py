"""`clientdesk staff add|link|list`: staff accounts from the shell, for the first Admin of an install.

    clientdesk staff add ada@example.com --role Admin --name "Ada Lovelace" --base-url https://desk.example.com
    clientdesk staff link ada@example.com      # a new set-password link (the earlier one stops working)
    clientdesk staff list

`add` and `link` print a single-use set-password link to pass on (it is emailed to the member too,
with the desk's address CLIENTDESK_BASE_URL, once the worker sends mail); the member chooses their
password there, then signs in. The command acts as the system (the audit log says so).
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientdesk.accounts import actions, queries
from clientdesk.accounts.actions.staff import SetPasswordLink
from clientdesk.accounts.models import User
from clientdesk.core.contract import Role


def _role(value: str) -> str:
    """A role as typed (`admin`, `read-only`, `Readonly`) → its name; anything else is refused by name."""
    folded = {role.value.casefold().replace("-", ""): role.value for role in Role}
    try:
        return folded[value.strip().casefold().replace("-", "")]
    except KeyError:
        raise CommandError(
            f"Unknown role {value!r}. The roles are: {', '.join(role.value for role in Role)}."
        ) from None


def _base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise CommandError(f"--base-url must be the desk's address, like https://desk.example.com, not {value!r}.")
    return value.strip().rstrip("/")


def _refused(exc: ValidationError) -> CommandError:
    return CommandError(" ".join(exc.messages))


class Command(BaseCommand):
    """`clientdesk staff add EMAIL --role ROLE… [--name NAME] [--base-url URL]`, `staff link EMAIL`, `staff list`."""

    help = "Add staff members and print their set-password links; list the staff."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True, metavar="{add,link,list}")
        add = sub.add_parser("add", help="Add a staff member and print the link through which they set a password.")
        add.add_argument("email")
        add.add_argument(
            "--role",
            dest="roles",
            metavar="ROLE",
            action="append",
            required=True,
            help=f"A role to give (repeat for more): {', '.join(role.value for role in Role)}.",
        )
        add.add_argument("--name", default="", help="Their full name.")
        add.add_argument("--base-url", default="", help="The desk's address (default: CLIENTDESK_BASE_URL).")
        link = sub.add_parser("link", help="Print a new set-password link for a member (earlier links stop working).")
        link.add_argument("email")
        link.add_argument("--base-url", default="", help="The desk's address (default: CLIENTDESK_BASE_URL).")
        sub.add_parser("list", help="List the staff: roles, two-factor, last sign-in, active.")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        if command == "list":
            self._list()
            return
        base_url = _base_url(options["base_url"] or settings.CLIENTDESK_BASE_URL)
        email = options["email"]
        if command == "add":
            roles = [_role(value) for value in options["roles"]]
            if queries.staff_member_by_email(email) is not None:
                raise CommandError(
                    f"A staff member with the email {email} exists already: `clientdesk staff link {email}` "
                    "prints a new set-password link for them."
                )
            try:
                member, new_link = actions.user_invite(actor=None, email=email, full_name=options["name"], roles=roles)
            except ValidationError as exc:
                raise _refused(exc) from None
            given = ", ".join(sorted(set(roles)))
            self.stdout.write(f"Added {member} <{member.email}>, role{'s' if ',' in given else ''}: {given}.")
        else:
            found = queries.staff_member_by_email(email)
            if found is None:
                raise CommandError(f"No staff member has the email {email}: `clientdesk staff add` adds one.")
            try:
                member, new_link = found, actions.user_password_link_issue(actor=None, user=found)
            except ValidationError as exc:
                raise _refused(exc) from None
        self._print_link(member, new_link, base_url)

    def _print_link(self, member: User, link: SetPasswordLink, base_url: str) -> None:
        self.stdout.write(
            f"Set-password link for {member.email} (works once, until {link.expires_at:%Y-%m-%d %H:%M} UTC):\n"
            f"  {base_url}{link.path}\n"
            "Pass it on: they choose their password there, then sign in with their email address and that password."
        )
        if link.emailed_to:
            self.stdout.write(f"The link is emailed to {link.emailed_to} too (sent by `clientdesk worker`).")

    def _list(self) -> None:
        rows = [("Email", "Name", "Roles", "Two-factor", "Last sign-in", "Status")]
        for member in queries.staff_members():
            status = "active" if member.is_active else "deactivated"
            if member.locked_until:  # type: ignore[attr-defined]  # annotated by staff_members()
                status += f", locked until {member.locked_until:%Y-%m-%d %H:%M} UTC"  # type: ignore[attr-defined]
            rows.append(
                (
                    member.email,
                    member.full_name or "—",
                    ", ".join(queries.roles_of(member)) or "no role",
                    "on" if member.two_factor else "off",  # type: ignore[attr-defined]
                    f"{member.last_login:%Y-%m-%d %H:%M}" if member.last_login else "never",
                    status,
                )
            )
        if len(rows) == 1:
            self.stdout.write("No staff members yet: `clientdesk staff add EMAIL --role Admin` adds the first.")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
