from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """API tokens of the enti for the systems around Performa (accounting, protocol, payroll)."""

    name = "integrations"
    verbose_name = "integrazioni"
