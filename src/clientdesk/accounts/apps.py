"""The accounts app: staff accounts, sign-in, two-factor and the shipped roles."""

from django.db.models.signals import post_migrate

from clientdesk.core.contract import DeskApp, MenuItem


class AccountsConfig(DeskApp):
    """Staff accounts, sign-in, two-factor and the shipped roles."""

    name = "clientdesk.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"
    demo_seeder = "clientdesk.accounts.demo.seed"
    # Settings → Staff: only Admin holds the accounts permissions (no role_permissions are declared).
    menu = [MenuItem(label="Staff", url_name="accounts:staff_list", permission="accounts.view_user", order=900)]

    def ready(self) -> None:
        super().ready()
        from clientdesk.accounts.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="clientdesk.accounts.sync_roles")
