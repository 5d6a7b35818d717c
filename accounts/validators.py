"""Password rules: Django's validators, with the messages in Italian where Django has none."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length; its Italian translation is missing in Django 5.2."""

    def validate(self, password: str, user=None) -> None:  # noqa: ARG002 (Django's signature)
        if len(password) < self.min_length:
            raise ValidationError(
                f"La password è troppo corta: servono almeno {self.min_length} caratteri.",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return f"Almeno {self.min_length} caratteri."
