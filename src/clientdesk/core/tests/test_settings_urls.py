import pytest

from clientdesk.core.settings_urls import SettingsURLError, email_settings, tasks_settings


def smtp_options(url: str) -> dict:
    mailers = email_settings(url)["MAILERS"]
    assert list(mailers) == ["default"]
    assert mailers["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    return mailers["default"]["OPTIONS"]


# --- EMAIL_URL --------------------------------------------------------------------------------


def test_plain_smtp_with_its_default_port_and_timeout():
    assert smtp_options("smtp://mail.example.com") == {
        "host": "mail.example.com",
        "port": 25,
        "username": "",
        "password": "",
        "use_tls": False,
        "use_ssl": False,
        "timeout": 20.0,
    }


@pytest.mark.parametrize(
    ("url", "port", "use_tls", "use_ssl"),
    [
        ("smtp://mail.example.com:2525", 2525, False, False),
        ("smtp+starttls://mail.example.com", 587, True, False),
        ("smtp+starttls://mail.example.com:2587", 2587, True, False),
        ("smtps://mail.example.com", 465, False, True),
        ("smtps://mail.example.com:2465", 2465, False, True),
        ("smtp://mail.example.com:587?starttls=1", 587, True, False),
        ("smtp://mail.example.com?starttls=true", 25, True, False),
        ("smtp://mail.example.com?starttls=0", 25, False, False),
    ],
)
def test_the_scheme_and_starttls_choose_the_encryption_and_default_port(url, port, use_tls, use_ssl):
    options = smtp_options(url)
    assert (options["port"], options["use_tls"], options["use_ssl"]) == (port, use_tls, use_ssl)


def test_user_and_password_are_percent_decoded():
    options = smtp_options("smtp+starttls://desk%40example.com:p%3Ass%2Fw%40rd%25@mail.example.com:587")
    assert (options["username"], options["password"]) == ("desk@example.com", "p:ss/w@rd%")


def test_a_user_without_a_password():
    options = smtp_options("smtp://apikey@mail.example.com")
    assert (options["username"], options["password"]) == ("apikey", "")


def test_the_timeout_is_read_in_seconds():
    assert smtp_options("smtp://mail.example.com?timeout=7.5")["timeout"] == 7.5


def test_an_ipv6_host():
    assert smtp_options("smtp://[::1]:8025")["host"] == "::1"


def test_the_demo_sink_default():
    options = smtp_options("smtp://127.0.0.1:8025")
    assert (options["host"], options["port"], options["use_tls"], options["use_ssl"]) == (
        "127.0.0.1",
        8025,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example.com", "EMAIL_URL must start with smtp://, smtp+starttls:// or smtps://"),
        ("mail.example.com:25", "EMAIL_URL must start with smtp://"),
        ("", "EMAIL_URL must start with smtp://"),
        ("smtp://", "EMAIL_URL names no host"),
        ("smtp://:25", "EMAIL_URL names no host"),
        ("smtp://user:secret@", "EMAIL_URL names no host"),
        ("smtp://mail.example.com:port", "the port must be a number from 1 to 65535"),
        ("smtp://mail.example.com:70000", "the port must be a number from 1 to 65535"),
        ("smtp://mail.example.com?timeout=soon", "?timeout= is a number of seconds above 0"),
        ("smtp://mail.example.com?timeout=0", "?timeout= is a number of seconds above 0"),
        ("smtp://mail.example.com?timeout=-5", "?timeout= is a number of seconds above 0"),
        ("smtp://mail.example.com?timeout=nan", "?timeout= is a number of seconds above 0"),
        ("smtp://mail.example.com?timeout=inf", "?timeout= is a number of seconds above 0"),
        ("smtp://mail.example.com?starttls=maybe", "?starttls= takes 1 or 0"),
        ("smtp://mail.example.com?ssl=1", "unknown option ssl"),
        ("smtps://mail.example.com?starttls=1", "smtps:// is TLS from the start"),
        ("smtp://mail.example.com/inbox", "EMAIL_URL has a path"),
    ],
)
def test_a_url_that_cannot_be_used_is_refused_saying_what_would_be_right(url, message):
    with pytest.raises(SettingsURLError, match=message.replace("?", r"\?").replace("+", r"\+")):
        email_settings(url)


def test_a_refused_url_never_repeats_its_password():
    with pytest.raises(SettingsURLError) as caught:
        email_settings("smpt://desk:hunter2@mail.example.com")
    assert "hunter2" not in str(caught.value)
    assert "desk:***@mail.example.com" in str(caught.value)


# --- TASKS_URL --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["db://", "db:///"])
def test_the_database_queue(url):
    settings = tasks_settings(url)
    assert settings["TASKS"] == {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    assert "default" in settings["RQ_QUEUES"]  # django-rq's commands exist either way


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "redis://redis.internal/3", "rediss://:secret@redis.example.com:6380/15"]
)
def test_a_redis_queue_runs_on_rq_at_that_url(url):
    settings = tasks_settings(url)
    assert settings["TASKS"] == {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    assert settings["RQ_QUEUES"] == {"default": {"URL": url, "DEFAULT_TIMEOUT": 600}}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("amqp://rabbit.example.com", "TASKS_URL must be db:// or redis://host:port/db"),
        ("postgres://db.example.com/tasks", "TASKS_URL must be db:// or redis://host:port/db"),
        ("", "TASKS_URL must be db:// or redis://host:port/db"),
        ("db://elsewhere", "the database queue is just db://"),
        ("redis://", "TASKS_URL names no host"),
        ("redis://127.0.0.1:port/0", "the port must be a number from 1 to 65535"),
        ("redis://127.0.0.1:6379/tasks", "the path is the Redis database number"),
    ],
)
def test_a_tasks_url_that_cannot_be_used_is_refused(url, message):
    with pytest.raises(SettingsURLError, match=message):
        tasks_settings(url)


def test_a_refused_tasks_url_never_repeats_its_password():
    with pytest.raises(SettingsURLError) as caught:
        tasks_settings("redis-cluster://:hunter2@redis.example.com")
    assert "hunter2" not in str(caught.value)
