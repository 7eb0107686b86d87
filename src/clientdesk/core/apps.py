"""The core app: the ground floor every desk app builds on."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Core holds no domain models; it is a plain app, not a desk app."""

    name = "clientdesk.core"
    label = "core"
    verbose_name = "Core"
