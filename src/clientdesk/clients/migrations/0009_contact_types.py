"""Contact types of the company's own, a contact's custom type, and whom a client's invoices are addressed to."""

import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0008_list_filter_fold"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="invoice_contact",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="clients.contact",
                verbose_name="address invoices to",
            ),
        ),
        migrations.CreateModel(
            name="CustomContactType",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "contact type",
                "ordering": (django.db.models.functions.text.Lower("name"), "id"),
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("name"), name="contact_type_unique_name"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="contact",
            name="custom_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="contacts",
                to="clients.customcontacttype",
                verbose_name="contact type",
            ),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(("custom_type__isnull", True), ("contact_type", "other"), _connector="OR"),
                name="contact_custom_type_only_other",
            ),
        ),
    ]
