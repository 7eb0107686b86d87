from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "clientdesk.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
