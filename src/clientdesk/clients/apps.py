"""The clients app: what it declares to the rest of the desk."""

from clientdesk.core.contract import AccountAction, DeskApp, MenuItem, ProfileWidget, Role


class ClientsConfig(DeskApp):
    """The client aggregate: clients, their groups, contacts and phone numbers; search; the profile."""

    name = "clientdesk.clients"
    label = "clients"
    verbose_name = "Clients"
    role_permissions = {
        Role.BILLING: [
            "view_client",
            "add_client",
            "change_client",
            "change_client_status",
            "change_client_billing",
            "add_contact",
            "change_contact",
            "delete_contact",
            "view_customcontacttype",
        ],
        Role.SUPPORT: ["view_client", "change_client", "add_contact", "change_contact", "view_customcontacttype"],
        Role.READ_ONLY: ["view_client", "view_customcontacttype"],
    }
    menu = [
        MenuItem(label="Clients", url_name="clients:client_list", permission="clients.view_client", order=10),
        MenuItem(label="Add client", url_name="clients:client_add", permission="clients.add_client", order=20),
        # Settings: Admin manages the company's contact types (the other roles may read the list).
        MenuItem(
            label="Contact types",
            url_name="clients:contact_type_list",
            permission="clients.change_customcontacttype",
            order=910,
        ),
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
        AccountAction(label="Add contact", url_name="clients:contact_add", permission="clients.add_contact", order=30),
        AccountAction(
            label="Address invoices to",
            url_name="clients:invoice_contact",
            permission="clients.change_client_billing",
            order=35,
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
