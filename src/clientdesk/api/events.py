"""Audit codes of the API: its tokens."""

from clientdesk.audit.codes import AuditCode


class ApiEvent(AuditCode):
    """What happens to API tokens."""

    TOKEN_CREATE = "api_token.create", "API token created"
    TOKEN_REVOKE = "api_token.revoke", "API token revoked"
