"""Records of the plan import: each uploaded file with its preview, and the saved column maps."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from organization.models import Ente


class PlanImport(models.Model):
    """One file brought in for an ente's plan: kept as evidence with its checksum and outcome."""

    class State(models.TextChoices):
        PREVIEW = "preview", "Anteprima"
        QUEUED = "queued", "In attesa di importazione"
        RUNNING = "running", "Importazione in corso"
        COMMITTED = "committed", "Importato"
        REFUSED = "refused", "Rifiutato"
        FAILED = "failed", "Non riuscito"

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="plan_imports")
    cycle = models.ForeignKey(
        "planning.Cycle",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
        verbose_name="ciclo",
    )
    year = models.PositiveIntegerField("anno del piano")
    file_name = models.CharField("nome del file", max_length=255)
    file_kind = models.CharField("tipo di file", max_length=10)
    checksum = models.CharField("impronta SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField("dimensione in byte")
    content = models.BinaryField("file originale")
    sheets = models.JSONField("fogli letti", default=list, blank=True)
    mapping = models.JSONField("associazione delle colonne", default=dict, blank=True)
    choices = models.JSONField("corrispondenze confermate", default=dict, blank=True)
    state = models.CharField("stato", max_length=12, choices=State.choices, default=State.PREVIEW)
    summary = models.JSONField("esito", default=dict, blank=True)
    # The background commit (django-tasks): what was asked, and how far it has gone.
    request = models.JSONField("richiesta di importazione", default=dict, blank=True)
    step = models.PositiveSmallIntegerField("passo", default=0)
    steps = models.PositiveSmallIntegerField("passi", default=0)
    message = models.CharField("stato dell'elaborazione", max_length=400, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "importazione del piano"
        verbose_name_plural = "importazioni del piano"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.year})"

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def progress_percent(self) -> int:
        return round(100 * self.step / self.steps) if self.steps else 0


class ColumnMapping(models.Model):
    """How an ente's files name a column Performa does not recognise by itself."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="column_mappings")
    header_key = models.CharField("intestazione (normalizzata)", max_length=255)
    header = models.CharField("intestazione come scritta", max_length=255)
    field = models.CharField("campo", max_length=40, help_text="«ignora» per non usarla.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ente", "header_key"]
        verbose_name = "associazione di colonna"
        verbose_name_plural = "associazioni di colonna"
        constraints = [
            models.UniqueConstraint(fields=["ente", "header_key"], name="column_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.field}"
