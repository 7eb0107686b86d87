"""Contacts and phone numbers join the client aggregate (they were the `contacts` app's).

A database made before this keeps its rows: the old `contacts_*` tables are renamed. A new
database gets the tables created.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import clientdesk.core.geo

LEGACY = {"Contact": "contacts_contact", "PhoneNumber": "contacts_phonenumber"}


def create_or_adopt(apps, schema_editor):
    tables = set(schema_editor.connection.introspection.table_names())
    for name, legacy in LEGACY.items():
        model = apps.get_model("clients", name)
        if legacy in tables:
            schema_editor.alter_db_table(model, legacy, model._meta.db_table)
        else:
            schema_editor.create_model(model)


def drop(apps, schema_editor):
    for name in reversed(list(LEGACY)):
        schema_editor.delete_model(apps.get_model("clients", name))


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_search_trigram_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Contact",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("contact_type", models.CharField(choices=[("primary", "Primary"), ("billing", "Billing"), ("other", "Other")], default="other", max_length=16)),
                        ("first_name", models.CharField(max_length=128)),
                        ("last_name", models.CharField(max_length=128)),
                        ("title", models.CharField(blank=True, max_length=64)),
                        ("company", models.CharField(blank=True, max_length=128, verbose_name="company / org.")),
                        ("email", models.EmailField(max_length=255)),
                        ("address1", models.CharField(blank=True, max_length=255, verbose_name="address 1")),
                        ("address2", models.CharField(blank=True, max_length=255, verbose_name="address 2")),
                        ("city", models.CharField(blank=True, max_length=255)),
                        ("state", models.CharField(blank=True, help_text="ISO 3166-2 code", max_length=8, verbose_name="state / province")),
                        ("postal_code", models.CharField(blank=True, max_length=128, verbose_name="postal code")),
                        ("country", models.CharField(choices=clientdesk.core.geo.country_choices, max_length=2)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("client", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="contacts", to="clients.client")),
                    ],
                    options={"ordering": ("id",)},
                ),
                migrations.CreateModel(
                    name="PhoneNumber",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("type", models.CharField(choices=[("phone", "Phone"), ("fax", "Fax")], default="phone", max_length=8)),
                        ("location", models.CharField(choices=[("home", "Home"), ("work", "Work"), ("mobile", "Mobile")], default="home", max_length=8)),
                        ("number", models.CharField(help_text="E.164, e.g. +15550100200", max_length=32)),
                        ("position", models.PositiveSmallIntegerField(default=0)),
                        ("contact", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="phone_numbers", to="clients.contact")),
                    ],
                    options={"ordering": ("position", "id")},
                ),
                migrations.AddConstraint(
                    model_name="contact",
                    constraint=models.UniqueConstraint(condition=models.Q(("contact_type", "primary")), fields=("client",), name="contact_one_primary_per_client"),
                ),
            ],
        ),
        migrations.RunPython(create_or_adopt, drop),
    ]
