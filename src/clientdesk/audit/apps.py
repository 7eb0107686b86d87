"""The audit app: the log of every write."""

from clientdesk.core.contract import DeskApp, Role


class AuditConfig(DeskApp):
    """The audit log: who changed what, when and from where."""

    name = "clientdesk.audit"
    label = "audit"
    verbose_name = "Audit log"
    role_permissions = {
        Role.BILLING: ["view_auditevent"],
        Role.SUPPORT: ["view_auditevent"],
        Role.READ_ONLY: ["view_auditevent"],
    }
