"""The REST API app: personal API tokens, and /api/v1/ calling the desk's actions and queries."""

from clientdesk.core.contract import DeskApp


class ApiConfig(DeskApp):
    """The REST API (`/api/v1/`) and the staff's personal API tokens.

    Every staff member may make and revoke tokens of their own (a token acts with its owner's
    permissions, never more); seeing and revoking everyone's tokens is Admin's (`view_apitoken`,
    `revoke_apitoken`: Admin holds every permission of every desk app, no other role is given them).
    """

    name = "clientdesk.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        super().ready()
        # The schema's descriptions of the token scheme and of our fields register on import.
        from clientdesk.api import schema  # noqa: F401
        from clientdesk.api.serializers import fields  # noqa: F401
