"""Settings read from URLs: `EMAIL_URL` (the SMTP server) and `TASKS_URL` (the task queue).

Imported by settings.py before Django is set up: plain Python, no Django models or apps.
"""

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


class SettingsURLError(ValueError):
    """A URL setting that cannot be used, with what is wrong and what would be right."""


def _flag(query: dict[str, list[str]], name: str) -> bool:
    return query.get(name, ["0"])[-1].strip().lower() in {"1", "true", "yes", "on"}


def email_settings(url: str) -> dict[str, Any]:
    """Django's MAILERS setting (its default mailer) from `smtp://user:password@host:port?starttls=1&timeout=20`.

    Schemes: `smtp` (plain; STARTTLS when `?starttls=1`), `smtp+starttls` (STARTTLS, port 587 by
    default) and `smtps` (TLS from the start, port 465 by default). User and password are
    percent-decoded, so `@` or `:` in them are written `%40`, `%3A`.
    """
    parts = urlsplit(url)
    defaults = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
    if parts.scheme not in defaults:
        raise SettingsURLError(f"EMAIL_URL must start with smtp://, smtp+starttls:// or smtps://, not {url!r}.")
    if not parts.hostname:
        raise SettingsURLError("EMAIL_URL names no host, as in smtp://mail.example.com:587.")
    query = parse_qs(parts.query)
    try:
        port = parts.port or defaults[parts.scheme]
        timeout = float(query.get("timeout", ["20"])[-1])
    except ValueError as exc:
        raise SettingsURLError(f"EMAIL_URL: {exc}.") from None
    options = {
        "host": parts.hostname,
        "port": port,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": parts.scheme == "smtp+starttls" or _flag(query, "starttls"),
        "use_ssl": parts.scheme == "smtps",
        "timeout": timeout,
    }
    return {"MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}}


def tasks_settings(url: str) -> dict[str, Any]:
    """Django's TASKS (and django-rq's RQ_QUEUES) from `db://` (the database) or `redis://host:port/db`."""
    parts = urlsplit(url)
    if parts.scheme == "db":
        # django-rq is installed either way (its commands exist), so it always has a queue setting.
        return {
            "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}},
            "RQ_QUEUES": {"default": {"URL": "redis://127.0.0.1:6379/0"}},
        }
    if parts.scheme in {"redis", "rediss"}:
        return {
            "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
            "RQ_QUEUES": {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}},
        }
    raise SettingsURLError(f"TASKS_URL must be db:// or redis://host:port/db, not {url!r}.")
