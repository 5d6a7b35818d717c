from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Backups and restore, personal-data export, retention of personal data."""

    name = "operations"
    verbose_name = "gestione dell'installazione"

    def ready(self) -> None:
        from operations import audit_guard  # noqa: F401  (signal receivers)
