"""Settings → Email templates (`mail_templates:…`): list, edit with preview, restore the default."""

app_name = "mail_templates"

urlpatterns: list = []
