"""Measurement during and at the end of the year: values, evidence, monitoring windows.

* A `Measurement` is the value of an indicator (or of a service parameter) for a period.
  Owners enter it, the responsabile approves it; a value off target needs a note explaining
  the deviation ("motivazione dello scostamento").
* A `MonitoringWindow` (e.g. 30 June, 30 September, final) is open, then closed: closing it
  freezes a `WindowSnapshot` of every value and score. A value of a closed period changes only
  through a `MeasurementCorrection` with a reason.
* `version` on a measurement is an optimistic lock: a writer who read version N can save only
  while it is still N, so concurrent edits never silently overwrite each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from organization.models import Parameter, Person
from planning.models import Cycle, CycleState, Indicator, OperationalObjective

# Values and phase progress are recorded once the plan is approved, until measurement ends.
MEASURING_STATES = frozenset({CycleState.APPROVED, CycleState.MONITORING, CycleState.MEASUREMENT})


class PeriodKind(models.TextChoices):
    MONTH = "mese", "Mese"
    QUARTER = "trimestre", "Trimestre"
    FOUR_MONTHS = "quadrimestre", "Quadrimestre"
    SEMESTER = "semestre", "Semestre"
    YEAR = "anno", "Anno"
    POINT = "data", "Alla data"


class WindowState(models.TextChoices):
    OPEN = "open", "Aperta"
    CLOSED = "closed", "Chiusa"


class MonitoringWindow(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="monitoring_windows")
    key = models.SlugField("chiave", max_length=80)
    label = models.CharField("denominazione", max_length=200)
    period_end = models.DateField("data di riferimento")
    is_final = models.BooleanField("rilevazione finale", default=False)
    state = models.CharField(
        "stato", max_length=10, choices=WindowState.choices, default=WindowState.OPEN
    )
    closed_at = models.DateTimeField("chiusa il", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "period_end"]
        verbose_name = "finestra di monitoraggio"
        verbose_name_plural = "finestre di monitoraggio"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="window_unique_key"),
            models.UniqueConstraint(fields=["cycle", "period_end"], name="window_unique_date"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_closed(self) -> bool:
        return self.state == WindowState.CLOSED


class MeasurementState(models.TextChoices):
    DRAFT = "draft", "Inserito"
    APPROVED = "approved", "Approvato"


class Measurement(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="measurements")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="measurements"
    )
    parameter = models.ForeignKey(
        Parameter, null=True, blank=True, on_delete=models.CASCADE, related_name="measurements"
    )
    period_kind = models.CharField("periodo", max_length=15, choices=PeriodKind.choices)
    period_start = models.DateField("inizio del periodo")
    period_end = models.DateField("fine del periodo")
    is_cumulative = models.BooleanField(
        "cumulato dall'inizio dell'anno",
        default=True,
        help_text="Cumulato: il valore comprende i periodi precedenti. Puntuale: solo il periodo.",
    )
    value = models.DecimalField("valore", max_digits=18, decimal_places=4, null=True, blank=True)
    completed_on = models.DateField(
        "data di completamento", null=True, blank=True, help_text="Per gli indicatori a scadenza."
    )
    note = models.TextField("nota", blank=True)
    deviation_note = models.TextField("motivazione dello scostamento", blank=True)
    state = models.CharField(
        "stato", max_length=10, choices=MeasurementState.choices, default=MeasurementState.DRAFT
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField("inserito il", auto_now_add=True)
    updated_at = models.DateTimeField("aggiornato il", auto_now=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("approvato il", null=True, blank=True)
    version = models.PositiveIntegerField("versione", default=1)

    class Meta:
        ordering = ["cycle", "period_end", "id"]
        verbose_name = "misurazione"
        verbose_name_plural = "misurazioni"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(indicator__isnull=False, parameter__isnull=True)
                    | models.Q(indicator__isnull=True, parameter__isnull=False)
                ),
                name="measurement_of_indicator_xor_parameter",
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")),
                name="measurement_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period_end"],
                condition=models.Q(indicator__isnull=False),
                name="measurement_unique_indicator_period",
            ),
            models.UniqueConstraint(
                fields=["parameter", "period_end"],
                condition=models.Q(parameter__isnull=False),
                name="measurement_unique_parameter_period",
            ),
        ]

    def __str__(self) -> str:
        subject = self.indicator or self.parameter
        return f"{subject} al {self.period_end:%d/%m/%Y}: {self.value}"


def evidence_path(instance: Evidence, filename: str) -> str:
    """Files are stored per ente and cycle, next to the ente's other files."""
    cycle = instance.measurement.cycle
    return f"enti/{cycle.ente.slug}/misurazioni/{cycle.year}/{instance.measurement_id}/{filename}"


class Evidence(models.Model):
    """A document supporting a value (PDF, image, office file)."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("file", upload_to=evidence_path, max_length=400)
    original_name = models.CharField("nome del file", max_length=255)
    content_type = models.CharField("tipo", max_length=120)
    size = models.PositiveIntegerField("dimensione (byte)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measurement", "uploaded_at", "id"]
        verbose_name = "documento di evidenza"
        verbose_name_plural = "documenti di evidenza"

    def __str__(self) -> str:
        return self.original_name


class MeasurementCorrection(models.Model):
    """A recorded change of a value that belongs to a closed monitoring window."""

    measurement = models.ForeignKey(
        Measurement, on_delete=models.CASCADE, related_name="corrections"
    )
    window = models.ForeignKey(
        MonitoringWindow, on_delete=models.PROTECT, related_name="corrections"
    )
    old_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    new_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    old_completed_on = models.DateField(null=True, blank=True)
    new_completed_on = models.DateField(null=True, blank=True)
    reason = models.TextField("motivo della correzione")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["measurement", "corrected_at", "id"]
        verbose_name = "correzione"
        verbose_name_plural = "correzioni"

    def __str__(self) -> str:
        return f"Correzione di {self.measurement}: {self.old_value} → {self.new_value}"


class WindowSnapshot(models.Model):
    """Every value and score of the cycle as they were when the window closed."""

    window = models.OneToOneField(
        MonitoringWindow, on_delete=models.CASCADE, related_name="snapshot"
    )
    data = models.JSONField("valori e punteggi")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "istantanea"
        verbose_name_plural = "istantanee"

    def __str__(self) -> str:
        return f"Istantanea {self.window}"


class ObjectiveDelegate(models.Model):
    """A person who may enter values for an objective besides its owners."""

    objective = models.ForeignKey(
        OperationalObjective, on_delete=models.CASCADE, related_name="delegates"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="delegations")

    class Meta:
        verbose_name = "delegato"
        verbose_name_plural = "delegati"
        constraints = [
            models.UniqueConstraint(fields=["objective", "person"], name="delegate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.objective}"


class CorrectiveAction(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Programmata"
        DONE = "done", "Attuata"

    objective = models.ForeignKey(
        OperationalObjective, on_delete=models.CASCADE, related_name="corrective_actions"
    )
    window = models.ForeignKey(
        MonitoringWindow,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrective_actions",
    )
    description = models.TextField("azione correttiva")
    due_date = models.DateField("entro il", null=True, blank=True)
    status = models.CharField(
        "stato", max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["objective", "recorded_at", "id"]
        verbose_name = "azione correttiva"
        verbose_name_plural = "azioni correttive"

    def __str__(self) -> str:
        return self.description[:80]


class Reminder(models.Model):
    """A reminder sent to an owner who has values to update."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminders")
    email = models.EmailField()
    pending_count = models.PositiveIntegerField("valori da aggiornare")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "-sent_at"]
        verbose_name = "sollecito"
        verbose_name_plural = "solleciti"

    def __str__(self) -> str:
        return f"Sollecito a {self.person} ({self.sent_at:%d/%m/%Y})"


class ScoreVersion(models.Model):
    """The data version of an ente's scores: a new token whenever something they depend on
    is written (see `measurement.versions`), in the same transaction as the write. Scores are
    computed once per token and reused until it changes (`measurement.stored`)."""

    ente = models.OneToOneField(
        "organization.Ente", on_delete=models.CASCADE, related_name="score_version"
    )
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "versione dei dati dei punteggi"
        verbose_name_plural = "versioni dei dati dei punteggi"

    def __str__(self) -> str:
        return f"{self.ente_id}: {self.token}"
