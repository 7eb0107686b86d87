"""Install the default text of every automatic email (kept when a template already exists)."""

from typing import Any

from django.db import migrations


def install(apps: Any, schema_editor: Any) -> None:
    from clientdesk.mail.catalog import SPECS, default_html

    template = apps.get_model("mail", "EmailTemplate")
    for action, spec in SPECS.items():
        template.objects.get_or_create(
            action=str(action), defaults={"subject": spec.subject, "text": spec.text, "html": default_html(action)}
        )


class Migration(migrations.Migration):
    dependencies = [("mail", "0001_outbox")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
