from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """API tokens of the enti for the systems around Performa (accounting, protocol, payroll)."""

    name = "integrations"
    verbose_name = "integrazioni"

    def ready(self) -> None:
        from integrations import schema  # noqa: F401  (OpenAPI description of the token)
