from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Login throttling, single sign-on, production safety checks, content security policy."""

    name = "security"
    verbose_name = "sicurezza"

    def ready(self) -> None:
        from core import limits
        from security import checks, slo, throttle  # noqa: F401  (signal receivers, checks)

        limits.connect()
