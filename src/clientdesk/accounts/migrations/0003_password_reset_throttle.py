"""Password-reset requests are counted in the sign-in throttle's table: two more scopes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_sign_in_throttle_and_recovery_codes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="loginthrottle",
            name="scope",
            field=models.CharField(
                choices=[
                    ("pair", "Account from one address"),
                    ("account", "Account from any address"),
                    ("ip", "Address, any account"),
                    ("reset_mail", "Password resets asked for one email"),
                    ("reset_ip", "Password resets asked from one address"),
                ],
                max_length=10,
            ),
        ),
    ]
