"""The notes app: what it declares to the rest of the desk."""

from clientdesk.core.contract import AccountAction, DeskApp, ProfileWidget, Role


class NotesConfig(DeskApp):
    """Notes on clients: the Notes widget and page, sticky notes at the top of the profile, Add note."""

    name = "clientdesk.notes"
    label = "notes"
    verbose_name = "Notes"
    role_permissions = {
        Role.BILLING: ["view_note", "add_note", "change_note", "delete_note"],
        Role.SUPPORT: ["view_note", "add_note", "change_note"],
        Role.READ_ONLY: ["view_note"],
    }
    profile_widgets = [
        ProfileWidget(
            name="sticky-notes",
            title="Sticky notes",
            url_name="notes:client_sticky_notes",
            permission="notes.view_note",
            column="top",
            order=10,
        ),
        ProfileWidget(
            name="notes",
            title="Notes",
            url_name="notes:client_notes",
            permission="notes.view_note",
            column="main",
            order=30,
            link_label="All notes",
            link_url_name="notes:note_list",
        ),
    ]
    account_actions = [
        AccountAction(label="Add note", url_name="notes:note_add", permission="notes.add_note", order=40),
    ]
    demo_seeder = "clientdesk.notes.demo.seed"
    demo_after = ("clients",)
    search_source = "clientdesk.notes.queries.matching_clients"
