"""Test set-up shared by every app, loaded as a pytest plugin (`-p clientdesk.core.testing`).

Each desk app's fixtures live in `<app>/tests/factories.py`; this plugin loads them all as pytest
plugins, so a test of any app can use any app's factories (`admin`, `make_client`, …).
"""

import os
from importlib.util import find_spec
from typing import Any

import pytest

# Before Django reads its settings: plain HTTP in tests, and a key that is not the demo's.
os.environ.setdefault("CLIENTDESK_HTTPS", "0")
os.environ.setdefault("CLIENTDESK_STATIC_MANIFEST", "0")
os.environ.setdefault("SECRET_KEY", "clientdesk-tests-" + "x" * 40)

PASSWORD = "correct horse battery staple"  # every persona's password


def pytest_configure(config: pytest.Config) -> None:
    """Register every desk app's `tests/factories.py` as a plugin (Django is set up by now)."""
    from clientdesk.core.contract import desk_apps

    for app in desk_apps():
        module = f"{app.name}.tests.factories"
        if find_spec(f"{app.name}.tests") is not None and find_spec(module) is not None:
            config.pluginmanager.import_plugin(module)


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    """PBKDF2 at full strength costs ~0.5 s a check; tests use a cheap hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
