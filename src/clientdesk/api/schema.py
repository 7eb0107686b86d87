"""The OpenAPI schema: how the token scheme is described, and what every operation has in common."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from clientdesk.api.problems import PROBLEM_TYPES, type_uri

DESCRIPTION = """
The Clientdesk staff desk, for programs: the same actions, queries and permissions as the pages.

**Authentication.** Make a personal API token under your account menu → *API tokens* (or
`clientdesk token create EMAIL --name NAME`) and send it as `Authorization: Bearer <token>`. A token
acts with its owner's permissions, never more; a read-only token only reads. What it writes is in
the audit log as "API token '<name>' of <owner>".

**Writes.** Send `Idempotency-Key` (required to add a client, to email one, to resend and to add a
payment account): a retry with the same key gets the first answer and writes nothing twice. Only a
keyed HMAC of the request is kept with the key, never a card or bank account number. Edits change only the fields sent;
send `If-Match` with the ETag of the client, contact or note as you read it to have a field someone
else changed since (for a contact: any change saved since) refused (409) instead of overwritten. What
the desk refuses as things stand (the primary contact is changed with its client; the contact
invoices are addressed to is not deleted; the last active Admin stays one) is a 409 `refused` naming
why.

**Lists** are paged by cursor: follow `next` and `previous` (`page_size` up to 100).

**Errors** are RFC 9457 problem details (`application/problem+json`), with field errors under
`errors` keyed like `email` or `phones.0.number`. The problem types:

""" + "\n".join(
    f"- `{type_uri(name)}` ({status}): {title}. {when}" for name, (status, title, when) in PROBLEM_TYPES.items()
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>` with a personal API token."""

    target_class = "clientdesk.api.authentication.BearerTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (account menu → API tokens), e.g. `cdk_3f2a9b1c0d4e_…`.",
        }


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Add the description, and the Retry-After header of every 429."""
    result["info"]["description"] = DESCRIPTION.strip()
    retry_after = {
        "Retry-After": {"description": "Seconds to wait before the next request.", "schema": {"type": "integer"}}
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            throttled = operation.get("responses", {}).get("429")
            if throttled is not None:
                throttled["headers"] = retry_after
    return result
