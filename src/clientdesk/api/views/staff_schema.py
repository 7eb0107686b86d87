"""How the schema documents the staff writes' refusals: each example in the words the action or form uses
(test_staff.py holds the answers to these examples)."""

from drf_spectacular.utils import OpenApiExample

from clientdesk.accounts.actions.staff import ROLE_REQUIRED
from clientdesk.api.problems import validation_response
from clientdesk.api.views.common import KEY_IN_USE, KEY_IN_USE_TEXT, PROBLEMS

LAST_ADMIN = "Ada Lovelace is the last active Admin: give the Admin role to another active member first."
OWN_DEACTIVATE = "You cannot deactivate your own account: another Admin can."
OWN_TWO_FACTOR = "Your own two-factor sign-in is switched off under Two-factor sign-in."
OWN_LINK = "Your own password is changed under Change password, not with a link."
INACTIVE_LINK = "Lin Wu is deactivated: reactivate them before issuing a link."
ROLES_CHANGED = "Someone else changed the roles to “Read-only” after you opened this page: save again to replace them."
UNKNOWN_ROLE = "Select a valid choice. Janitor is not one of the available choices."


def _refused(title: str, field: str, message: str) -> OpenApiExample:
    return OpenApiExample(title, dict(validation_response({field: [message]}, name="refused").data))


def _invalid(title: str, errors: dict[str, list[str]]) -> OpenApiExample:
    return OpenApiExample(title, dict(validation_response(errors).data))


# A body that names a field (the body-less writes take none), or a reused Idempotency-Key.
NO_INPUT = OpenApiExample("Nothing to send", {}, request_only=True)
NO_INPUT_422 = (
    "Nothing was written: the body names a field (this takes none), or the key was used for another request.",
    [_invalid("A field sent", {"notify": ["There is no such field to write here."]})],
)
ADD_422 = (
    PROBLEMS[422][0],
    [
        _invalid("Email taken", {"email": ["User with this Email address already exists."]}),
        _invalid("No role", {"roles": [ROLE_REQUIRED]}),
    ],
)
ROLES_422 = (PROBLEMS[422][0], [_invalid("Unknown role", {"roles": [UNKNOWN_ROLE]})])
ROLES_409 = (
    "The member's roles are no longer the `base` sent (`edit-conflict`; `current` holds them), the change would "
    f"leave no active Admin (`refused`), or {KEY_IN_USE_TEXT}.",
    [
        OpenApiExample(
            "Changed meanwhile",
            dict(
                validation_response(
                    {"roles": [ROLES_CHANGED]}, name="edit-conflict", current={"roles": ["Read-only"]}
                ).data
            ),
        ),
        _refused("The last active Admin", "roles", LAST_ADMIN),
        KEY_IN_USE,
    ],
)
DEACTIVATE_409 = (
    f"Your own account, or the last active Admin (`refused`), or {KEY_IN_USE_TEXT}.",
    [
        _refused("Your own account", "__all__", OWN_DEACTIVATE),
        _refused("The last active Admin", "__all__", LAST_ADMIN),
        KEY_IN_USE,
    ],
)
TWO_FACTOR_409 = (
    f"Your own account (`refused`), or {KEY_IN_USE_TEXT}.",
    [_refused("Your own account", "__all__", OWN_TWO_FACTOR), KEY_IN_USE],
)
LINK_409 = (
    f"Your own account, or a deactivated member (`refused`), or {KEY_IN_USE_TEXT}.",
    [
        _refused("Your own account", "__all__", OWN_LINK),
        _refused("A deactivated member", "__all__", INACTIVE_LINK),
        KEY_IN_USE,
    ],
)
