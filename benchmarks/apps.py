from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """Synthetic enti (`generate_synthetic`) and the benchmark (`benchmark`, `make bench`).

    At the top of the layers with `demo`: it loads through the interchange importer and reads
    through the apps' selectors and pages; nothing imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "benchmarks"
    verbose_name = "Misure delle prestazioni"
