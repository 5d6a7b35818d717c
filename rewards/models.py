"""Funds and premium distributions.

Money is Decimal with cents. A distribution can always be previewed; it is finalised only when
the plan was approved (art. 10 c.5 D.Lgs. 150/2009) and the Relazione of the year validated by
the Nucleo (art. 14 c.6), and at most one distribution per fund is final.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from appraisal.models import Scheda
from engine.numbers import format_euro
from organization.models import Ente, Person
from planning.models import Cycle


class FundKind(models.TextChoices):
    ORGANISATIONAL = (
        "performance_organizzativa",
        "Performance organizzativa (fondo risorse decentrate)",
    )
    INDIVIDUAL = "performance_individuale", "Performance individuale (fondo risorse decentrate)"
    EQ_RESULT = "risultato_eq", "Retribuzione di risultato EQ"
    MANAGER_RESULT = "risultato_dirigenti", "Retribuzione di risultato dirigenti"


class Fund(models.Model):
    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="funds")
    year = models.PositiveIntegerField("anno")
    kind = models.CharField("tipo", max_length=40, choices=FundKind.choices)
    label = models.CharField("denominazione", max_length=255)
    amount = models.DecimalField("importo €", max_digits=12, decimal_places=2)
    pool_amount = models.DecimalField(
        "fondo complessivo EQ / dirigenti €",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Posizione + risultato: serve a verificare la quota minima di risultato.",
    )
    act_label = models.CharField("atto di costituzione", max_length=255, blank=True)
    note = models.TextField("note", blank=True)

    class Meta:
        ordering = ["ente", "-year", "kind"]
        verbose_name = "fondo"
        verbose_name_plural = "fondi"
        constraints = [
            models.UniqueConstraint(fields=["ente", "year", "kind"], name="fund_unique_kind"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="fund_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.year}"


class DistributionState(models.TextChoices):
    PREVIEW = "preview", "Anteprima"
    FINAL = "final", "Definitiva"


class Distribution(models.Model):
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="distributions")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="distributions")
    state = models.CharField(
        "stato", max_length=10, choices=DistributionState.choices, default=DistributionState.PREVIEW
    )
    parameters = models.JSONField("parametri del contratto integrativo", default=dict)
    result = models.JSONField("risultato", default=dict)
    total_paid = models.DecimalField("distribuito €", max_digits=12, decimal_places=2)
    residual = models.DecimalField("residuo €", max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)

    # Not a field: the lines as `rewards.services.distribution_preview` has just written them
    # (`rewards.selectors.LineRow`, in the order `rewards.selectors` reads them), so that the
    # page and the command that show a new preview do not read 25,000 rows back. Lines are
    # never changed once written; None on an instance read from the database.
    written_lines: list | None = None

    class Meta:
        ordering = ["fund", "-created_at"]
        verbose_name = "distribuzione"
        verbose_name_plural = "distribuzioni"
        constraints = [
            models.UniqueConstraint(
                fields=["fund"],
                condition=models.Q(state="final"),
                name="distribution_one_final_per_fund",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fund} – {self.get_state_display()}"


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    scheda = models.ForeignKey(
        Scheda, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_eligible = models.BooleanField("ammesso", default=True)
    share = models.DecimalField("quota", max_digits=14, decimal_places=6)
    base_amount = models.DecimalField("premio base €", max_digits=12, decimal_places=2)
    bonus_amount = models.DecimalField("maggiorazione €", max_digits=12, decimal_places=2)
    withheld_amount = models.DecimalField("trattenuto €", max_digits=12, decimal_places=2)
    total_amount = models.DecimalField("totale €", max_digits=12, decimal_places=2)
    explanation = models.JSONField("come è calcolato", default=dict)

    class Meta:
        ordering = ["distribution", "-total_amount", "id"]
        verbose_name = "riga di distribuzione"
        verbose_name_plural = "righe di distribuzione"

    def __str__(self) -> str:
        return f"{self.person}: {format_euro(Decimal(self.total_amount))}"


class IntegrativeContract(models.Model):
    """The ente's contratto integrativo (CCDI) with the premium rules it sets for its years.

    `parameters` holds only the keys the contract sets (e.g. the tie-break criteria, how people
    still tied at the cut-off are treated, the quota with maggiorazione); every other parameter
    keeps the default of the national contract in force for the cycle's year.
    """

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="integrative_contracts")
    label = models.CharField("denominazione", max_length=255)
    act_label = models.CharField("atto di sottoscrizione", max_length=255, blank=True)
    first_year = models.PositiveIntegerField("dall'anno")
    last_year = models.PositiveIntegerField("all'anno", null=True, blank=True)
    parameters = models.JSONField("regole sui premi", default=dict)

    class Meta:
        ordering = ["ente", "-first_year"]
        verbose_name = "contratto integrativo"
        verbose_name_plural = "contratti integrativi"
        constraints = [
            models.UniqueConstraint(
                fields=["ente", "first_year"], name="integrative_contract_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)
