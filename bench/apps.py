"""The benchmarks' app config: installed by `bench.settings` only."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks: the `bench` command and the record of what its seeder made (never installed in production)."""

    name = "bench"
    label = "bench"
    verbose_name = "Benchmarks"
