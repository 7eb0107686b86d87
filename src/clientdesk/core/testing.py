"""Test set-up shared by every app, loaded as a pytest plugin (`-p clientdesk.core.testing`).

Each desk app's fixtures live in `<app>/tests/factories.py`; this plugin loads them all as pytest
plugins, so a test of any app can use any app's factories (`admin`, `make_client`, …).
"""

import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

# Before Django reads its settings: plain HTTP in tests, and a key that is not the demo's.
os.environ.setdefault("CLIENTDESK_HTTPS", "0")
os.environ.setdefault("CLIENTDESK_STATIC_MANIFEST", "0")
os.environ.setdefault("SECRET_KEY", "clientdesk-tests-" + "x" * 40)
# Each xdist worker (`make test` runs one per core) keeps its own files under the var dir: SQLite test
# database, vault key, mail sink. The `clientdesk` processes a test starts inherit the worker's.
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    var_dir = os.environ.get("CLIENTDESK_VAR_DIR") or str(Path(__file__).resolve().parents[3] / "var")
    os.environ["CLIENTDESK_VAR_DIR"] = str(Path(var_dir) / "workers" / worker)

PASSWORD = "correct horse battery staple"  # every persona's password


def pytest_configure(config: pytest.Config) -> None:
    """Register every desk app's `tests/factories.py` as a plugin (Django is set up by now)."""
    from clientdesk.core.contract import desk_apps

    for app in desk_apps():
        module = f"{app.name}.tests.factories"
        if find_spec(f"{app.name}.tests") is not None and find_spec(module) is not None:
            config.pluginmanager.import_plugin(module)
    _list_static_files_once()
    _empty_only_the_tables_holding_rows()


def _list_static_files_once() -> None:
    """WhiteNoise lists and stats every static file the finders know (~9,000, most of them the API
    docs' and Bootstrap's) each time a middleware chain is built: once per test client, ~50 ms each.
    The files do not change during a run, so each list is kept for the settings that made it."""
    from django.conf import settings
    from whitenoise.middleware import WhiteNoiseMiddleware

    listed: dict[str, dict[str, Any]] = {}
    list_files = WhiteNoiseMiddleware.add_files_from_finders

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        static = ("STATIC_URL", "STATICFILES_DIRS", "STATICFILES_FINDERS", "STORAGES", "INSTALLED_APPS")
        whitenoise = sorted(name for name in dir(settings) if name.startswith("WHITENOISE_"))
        own = ("max_age", "allow_all_origins", "charset", "add_headers_function", "index_file", "static_prefix")
        key = repr(
            [(name, getattr(settings, name, None)) for name in (*static, *whitenoise)]
            + [(name, getattr(self, name)) for name in own]
            + [vars(self).get("immutable_file_test")]
        )
        if key not in listed:
            before = dict(self.files)
            list_files(self)
            listed[key] = {url: file for url, file in self.files.items() if before.get(url) is not file}
        self.files.update(listed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders


def _empty_only_the_tables_holding_rows() -> None:
    """After each transactional test Django flushes the database: on PostgreSQL one TRUNCATE of every
    table, ~1 s (each table and index gets a new file). Deleting the rows of the few tables that hold
    any leaves the same empty tables in milliseconds; post_migrate then makes the content types,
    permissions and roles again, as after a flush. (Tests asking for `available_apps` or a serialized
    rollback keep Django's own flush.)"""
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import connections
    from django.test import TransactionTestCase

    flush = vars(TransactionTestCase)["_fixture_teardown"]

    def empty(connection: Any) -> bool:
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            exists = (f"SELECT {i} WHERE EXISTS (SELECT 1 FROM {quote(t)})" for i, t in enumerate(tables))  # noqa: S608
            cursor.execute(" UNION ALL ".join(exists))
            holding = [tables[i] for (i,) in cursor.fetchall()]
        # Foreign keys are checked at commit (deferred): the order of the deletes does not matter.
        connection.ops.execute_sql_flush([f"DELETE FROM {quote(table)}" for table in holding])  # noqa: S608
        return bool(tables)

    def fixture_teardown(self: TransactionTestCase) -> None:
        if self.available_apps is not None or self.serialized_rollback:
            flush(self)
            return
        for db_name in self._databases_names(include_mirrors=False):  # type: ignore[attr-defined]
            if empty(connections[db_name]):
                emit_post_migrate_signal(verbosity=0, interactive=False, db=db_name)

    setattr(TransactionTestCase, "_fixture_teardown", fixture_teardown)  # noqa: B010 (Django's private hook)


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """PBKDF2 at full strength costs ~0.5 s a check; tests use a cheap hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
