"""API tokens per ente, with scopes, and the idempotency keys of the pushes made with them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Scope(models.TextChoices):
    READ = "read", "Lettura (piani, punteggi, aggregati delle schede)"
    WRITE_MEASUREMENTS = "write:measurements", "Scrittura dei valori misurati"
    WRITE_STAFF = "write:staff", "Scrittura di personale e assenze"


class ApiToken(models.Model):
    """A credential of another system, for one ente. Only a hash of the secret is stored.

    Each token acts through its own service account (`user`, no password, one role in the
    ente), so the services apply the same rules and the audit trail names the token.
    """

    ente = models.ForeignKey(
        "organization.Ente", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("nome", max_length=120)
    prefix = models.CharField("prefisso", max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField("autorizzazioni", default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_token"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["ente", "-created_at", "-id"]
        verbose_name = "token dell'API"
        verbose_name_plural = "token dell'API"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]


class IdempotencyKey(models.Model):
    """The answer given to a push, replayed when the same key is sent again."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"
