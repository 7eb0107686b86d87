"""Settings → Encryption (`payments_settings:…`): the vault's state and the company passphrase."""

from django.urls import path

from clientdesk.payments import settings_views

app_name = "payments_settings"

urlpatterns = [
    path("settings/encryption/", settings_views.encryption, name="encryption"),
    path("settings/encryption/passphrase/set/", settings_views.encryption_set, name="encryption_set"),
    path("settings/encryption/passphrase/change/", settings_views.encryption_change, name="encryption_change"),
    path("settings/encryption/passphrase/remove/", settings_views.encryption_remove, name="encryption_remove"),
]
