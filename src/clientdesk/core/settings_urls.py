"""Settings read from URLs: `EMAIL_URL` (the SMTP server) and `TASKS_URL` (the task queue).

Imported by settings.py before Django is set up: plain Python, no Django models or apps.
"""

import math
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

EMAIL_OPTIONS = frozenset({"starttls", "timeout"})
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


class SettingsURLError(ValueError):
    """A URL setting that cannot be used, with what is wrong and what would be right."""


def _flag(query: dict[str, list[str]], name: str) -> bool:
    value = query.get(name, ["0"])[-1].strip().lower()
    if value not in TRUE | FALSE:
        raise SettingsURLError(f"EMAIL_URL: ?{name}= takes 1 or 0, not {value!r}.")
    return value in TRUE


def _redacted(url: str) -> str:
    """The URL without its password, to quote in an error."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def email_settings(url: str) -> dict[str, Any]:
    """Django's MAILERS setting (its default mailer) from `smtp://user:password@host:port?starttls=1&timeout=20`.

    Schemes: `smtp` (plain; STARTTLS when `?starttls=1`), `smtp+starttls` (STARTTLS, port 587 by
    default) and `smtps` (TLS from the start, port 465 by default). User and password are
    percent-decoded, so `@` or `:` in them are written `%40`, `%3A`. `?timeout=` is in seconds
    (default 20).
    """
    parts = urlsplit(url)
    defaults = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
    if parts.scheme not in defaults:
        raise SettingsURLError(
            f"EMAIL_URL must start with smtp://, smtp+starttls:// or smtps://, not {_redacted(url)!r}."
        )
    if not parts.hostname:
        raise SettingsURLError("EMAIL_URL names no host, as in smtp://mail.example.com:587.")
    if parts.path not in {"", "/"}:
        raise SettingsURLError(f"EMAIL_URL has a path ({parts.path!r}); it takes only smtp://host:port.")
    query = parse_qs(parts.query, keep_blank_values=True)
    if unknown := sorted(set(query) - EMAIL_OPTIONS):
        raise SettingsURLError(
            f"EMAIL_URL: unknown option {', '.join(unknown)}; the options are ?starttls=1 and ?timeout=SECONDS."
        )
    try:
        port = parts.port or defaults[parts.scheme]
    except ValueError:
        raise SettingsURLError("EMAIL_URL: the port must be a number from 1 to 65535.") from None
    try:
        timeout = float(query.get("timeout", ["20"])[-1])
    except ValueError:
        timeout = math.nan
    if not math.isfinite(timeout) or timeout <= 0:
        raise SettingsURLError("EMAIL_URL: ?timeout= is a number of seconds above 0, as in ?timeout=20.")
    use_ssl = parts.scheme == "smtps"
    use_tls = parts.scheme == "smtp+starttls" or _flag(query, "starttls")
    if use_ssl and use_tls:
        raise SettingsURLError("EMAIL_URL: smtps:// is TLS from the start; STARTTLS (?starttls=1) cannot be added.")
    options = {
        "host": parts.hostname,
        "port": port,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "timeout": timeout,
    }
    return {"MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}}


def tasks_settings(url: str) -> dict[str, Any]:
    """Django's TASKS (and django-rq's RQ_QUEUES) from `db://` (the database) or `redis://host:port/db`."""
    parts = urlsplit(url)
    if parts.scheme == "db":
        if parts.netloc or parts.path not in {"", "/"} or parts.query:
            raise SettingsURLError(f"TASKS_URL: the database queue is just db://, not {_redacted(url)!r}.")
        # django-rq is installed either way (its commands exist), so it always has a queue setting.
        return {
            "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}},
            "RQ_QUEUES": {"default": {"URL": "redis://127.0.0.1:6379/0"}},
        }
    if parts.scheme in {"redis", "rediss"}:
        if not parts.hostname:
            raise SettingsURLError("TASKS_URL names no host, as in redis://127.0.0.1:6379/0.")
        try:
            parts.port  # noqa: B018 -- urlsplit checks the port when it is read
        except ValueError:
            raise SettingsURLError("TASKS_URL: the port must be a number from 1 to 65535.") from None
        database = parts.path.strip("/")
        if database and not database.isdigit():
            raise SettingsURLError(
                f"TASKS_URL: the path is the Redis database number, as in redis://host:6379/0, not {database!r}."
            )
        return {
            "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
            "RQ_QUEUES": {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}},
        }
    raise SettingsURLError(f"TASKS_URL must be db:// or redis://host:port/db, not {_redacted(url)!r}.")
