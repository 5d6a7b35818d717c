"""The ente-level figures of a year, stored so that thousands of enti rank in one query.

A figure carries the data version it was computed from: `performance_token` is the ente's
`ScoreVersion.token` when its score was computed, `payments_at` the `computed_at` of the
`PaymentReport` its payment figures were copied from. A figure whose version is no longer the
current one is stale: the ranking shows it as «da aggiornare», never with its old value.
"""

from __future__ import annotations

from django.db import models

from organization.models import Ente
from payments.models import PaymentReport


class EnteFigure(models.Model):
    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="ranking_figures")
    year = models.PositiveIntegerField("anno")
    performance = models.DecimalField(
        "performance organizzativa (%)", max_digits=12, decimal_places=6, null=True, blank=True
    )
    performance_token = models.CharField(
        "versione dei dati dei punteggi", max_length=32, blank=True
    )
    performance_at = models.DateTimeField("punteggio calcolato il", null=True, blank=True)
    report = models.ForeignKey(
        PaymentReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_delay = models.DecimalField(
        "ritardo annuale (giorni)", max_digits=12, decimal_places=6, null=True, blank=True
    )
    itp = models.DecimalField(
        "indicatore di tempestività (giorni)",
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
    )
    payments_at = models.DateTimeField("indicatori dei pagamenti del", null=True, blank=True)

    class Meta:
        verbose_name = "dato dell'ente per la classifica"
        verbose_name_plural = "dati degli enti per la classifica"
        constraints = [
            models.UniqueConstraint(fields=["ente", "year"], name="ranking_figure_unique_year")
        ]
        indexes = [
            models.Index(fields=["year", "-performance"], name="ranking_year_performance"),
            models.Index(fields=["year", "payment_delay"], name="ranking_year_delay"),
        ]

    def __str__(self) -> str:
        return f"{self.ente_id} {self.year}"
