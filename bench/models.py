"""What the benchmark seeder made, so that it can tell its own data from anyone else's."""

from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class SeedRun(models.Model):
    """One `bench seed` run: how many clients it wrote and the range of their primary keys."""

    clients = models.PositiveIntegerField(default=0)
    first_client_id = models.BigIntegerField()
    last_client_id = models.BigIntegerField()
    started_at = models.DateTimeField(default=timezone.now)

    # Declared, because mypy's Django plugin reads the product's settings, where this app is not installed.
    objects: ClassVar[models.Manager["SeedRun"]] = models.Manager()

    class Meta:
        ordering = ("first_client_id",)
        constraints = (
            models.CheckConstraint(
                condition=Q(last_client_id__gte=F("first_client_id")), name="bench_seedrun_range_ordered"
            ),
        )

    def __str__(self) -> str:
        return f"{self.clients} clients, ids {self.first_client_id}-{self.last_client_id}"
