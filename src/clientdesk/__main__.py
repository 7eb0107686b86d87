"""The `clientdesk` console command: Django's management commands plus our own."""

import os
import sys


def main() -> None:
    """Run a management command with Clientdesk's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["clientdesk", *sys.argv[1:]])


if __name__ == "__main__":
    main()
