"""The clients app: what it declares to the rest of the desk."""

from clientdesk.core.contract import AccountAction, DeskApp, MenuItem, ProfileWidget, Role


class ClientsConfig(DeskApp):
    """The client aggregate: clients, their groups, contacts and phone numbers; search; the profile."""

    name = "clientdesk.clients"
    label = "clients"
    verbose_name = "Clients"
    role_permissions = {
        Role.BILLING: ["view_client", "add_client", "change_client", "change_client_status", "change_client_billing"],
        Role.SUPPORT: ["view_client", "change_client"],
        Role.READ_ONLY: ["view_client"],
    }
    menu = [
        MenuItem(label="Clients", url_name="clients:client_list", permission="clients.view_client", order=10),
        MenuItem(label="Add client", url_name="clients:client_add", permission="clients.add_client", order=20),
    ]
    profile_widgets = [
        ProfileWidget(
            name="contacts",
            title="Contacts",
            url_name="clients:client_contacts",
            permission="clients.view_client",
            column="side",
            order=10,
        ),
        ProfileWidget(
            name="activity",
            title="Recent activity",
            url_name="clients:client_activity",
            permission="audit.view_auditevent",
            order=1000,
            link_label="Full history",
            link_url_name="clients:client_history",
        ),
    ]
    account_actions = [
        AccountAction(
            label="Edit client", url_name="clients:client_edit", permission="clients.change_client", order=10
        ),
        AccountAction(
            label="History", url_name="clients:client_history", permission="audit.view_auditevent", order=900
        ),
    ]
    demo_seeder = "clientdesk.clients.demo.seed"

    def ready(self) -> None:
        """Also give every SQLite connection the SQL function the list filters fold text with."""
        super().ready()
        from django.db.backends.signals import connection_created

        from clientdesk.clients.queries import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="clientdesk.clients.sqlite_functions")
