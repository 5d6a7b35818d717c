"""Reports of the cycle and the files generated from them.

* `ReportValidation`: the Nucleo's validation of the Relazione sulla Performance, the
  «condizione inderogabile» of any premium (art. 14 c.6 D.Lgs. 150/2009); the premium gate
  reads it. `ValidationRefusal` records a «non valida» decision, which never opens the gate.
* `GeneratedDocument`: one generation of one document in one format. A generation is a new
  row, so the previous good file stays until the new one is complete; the row records when the
  file was generated and the fingerprint of the data it reflects, so a page can say when a
  stored document is out of date.
* `EnteBranding` (the stemma) and `CycleDocumentSettings` (the shape of the Piano).
* `Publication`: what the ente publishes in «Amministrazione Trasparente > Performance», and
  when; withdrawing keeps the row (with who and when), so the history is complete.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from measurement.models import MonitoringWindow
from organization.models import Ente, Person
from planning.models import Cycle


class ReportValidation(models.Model):
    """The Nucleo's validation of the Relazione sulla Performance of a cycle."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="report_validation")
    validated_on = models.DateField("data di validazione")
    act_label = models.CharField("documento di validazione", max_length=255)
    note = models.TextField("note", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "validazione della Relazione"
        verbose_name_plural = "validazioni della Relazione"

    def __str__(self) -> str:
        return f"Relazione {self.cycle.year} validata il {self.validated_on:%d/%m/%Y}"


class ValidationRefusal(models.Model):
    """A «non valida» decision of the Nucleo on the Relazione, with its reasons."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="validation_refusals")
    decided_on = models.DateField("data della decisione")
    act_label = models.CharField("verbale", max_length=255)
    reasons = models.TextField("motivazioni")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "-decided_on", "-id"]
        verbose_name = "mancata validazione della Relazione"
        verbose_name_plural = "mancate validazioni della Relazione"

    def __str__(self) -> str:
        return f"Relazione {self.cycle.year} non validata il {self.decided_on:%d/%m/%Y}"


def stemma_path(instance: EnteBranding, filename: str) -> str:
    return f"enti/{instance.ente.slug}/stemma/{filename}"


class EnteBranding(models.Model):
    ente = models.OneToOneField(Ente, on_delete=models.CASCADE, related_name="branding")
    stemma = models.FileField("stemma", upload_to=stemma_path, max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "stemma dell'ente"
        verbose_name_plural = "stemmi degli enti"

    def __str__(self) -> str:
        return f"Stemma di {self.ente}"


class PlanShape(models.TextChoices):
    AUTO = "", "Secondo i dati dell'ente"
    ORDINARY = "piao_ordinario", "PIAO ordinario – sottosezione 2.2"
    SIMPLIFIED = "piao_semplificato", "PIAO semplificato (fino a 50 dipendenti) – 2.2 facoltativa"
    STANDALONE = "piano_autonomo", "Piano della performance / PDO autonomo"


class CycleDocumentSettings(models.Model):
    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="document_settings")
    plan_shape = models.CharField(
        "forma del Piano", max_length=30, choices=PlanShape.choices, blank=True
    )

    class Meta:
        verbose_name = "impostazioni dei documenti del ciclo"
        verbose_name_plural = "impostazioni dei documenti dei cicli"

    def __str__(self) -> str:
        return f"Documenti {self.cycle}"


class DocumentKind(models.TextChoices):
    PIANO = "piano", "Piano della performance"
    PORTALE = "portale", "Piano per il Portale PIAO (XLSX)"
    MONITORAGGIO = "monitoraggio", "Report di monitoraggio"
    RELAZIONE = "relazione", "Relazione sulla performance"
    VALIDAZIONE = "validazione", "Documento di validazione della Relazione"
    ACCOMPAGNAMENTO = "accompagnamento", "Documento di accompagnamento alla validazione"
    SCHEDA = "scheda", "Scheda individuale di valutazione"
    PREMI = "premi", "Premi: tabella per persona (uso interno)"
    PREMI_AGGREGATI = "premi_aggregati", "Premi: dati aggregati per la pubblicazione"
    SMVP = "smvp", "Sistema di misurazione e valutazione"


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF (PDF/A e PDF/UA)"
    DOCX = "docx", "Word (DOCX)"
    XLSX = "xlsx", "Excel (XLSX)"


class GenerationState(models.TextChoices):
    QUEUED = "queued", "In coda"
    RUNNING = "running", "In corso"
    DONE = "done", "Generato"
    FAILED = "failed", "Non riuscito"


def document_path(instance: GeneratedDocument, filename: str) -> str:
    return f"enti/{instance.cycle.ente.slug}/documenti/{instance.cycle.year}/{filename}"


class GeneratedDocument(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="generated_documents")
    kind = models.CharField("documento", max_length=20, choices=DocumentKind.choices)
    format = models.CharField("formato", max_length=5, choices=DocumentFormat.choices)
    window = models.ForeignKey(
        MonitoringWindow, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        "stato", max_length=10, choices=GenerationState.choices, default=GenerationState.QUEUED
    )
    progress = models.PositiveSmallIntegerField("avanzamento %", default=0)
    step = models.CharField("fase", max_length=200, blank=True)
    error = models.TextField("errore", blank=True)
    file = models.FileField("file", upload_to=document_path, max_length=400, blank=True)
    filename = models.CharField("nome del file", max_length=200, blank=True)
    size = models.PositiveIntegerField("dimensione (byte)", default=0)
    fingerprint = models.CharField("impronta dei dati", max_length=64, blank=True)
    generated_at = models.DateTimeField("generato il", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("durata (ms)", null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("richiesto il", auto_now_add=True)

    class Meta:
        ordering = ["cycle", "-requested_at", "-id"]
        verbose_name = "documento generato"
        verbose_name_plural = "documenti generati"
        indexes = [models.Index(fields=["cycle", "kind", "format", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.cycle.year} ({self.get_format_display()})"

    @property
    def is_done(self) -> bool:
        return self.state == GenerationState.DONE and bool(self.file)

    @property
    def is_active(self) -> bool:
        return self.state in {GenerationState.QUEUED, GenerationState.RUNNING}

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


CONTENT_TYPES = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    DocumentFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PublicSection(models.TextChoices):
    SMVP = "smvp", "Sistema di misurazione e valutazione della performance"
    PIANO = "piano", "Piano della Performance"
    RELAZIONE = "relazione", "Relazione sulla Performance"
    VALIDAZIONE = "validazione", "Documento di validazione della Relazione"
    AMMONTARE_PREMI = "ammontare_premi", "Ammontare complessivo dei premi"
    DATI_PREMI = "dati_premi", "Dati relativi ai premi"


class Publication(models.Model):
    """A sub-section of «Amministrazione Trasparente > Performance» published for a year."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="publications")
    year = models.PositiveIntegerField("anno")
    section = models.CharField("sotto-sezione", max_length=20, choices=PublicSection.choices)
    document = models.ForeignKey(
        GeneratedDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField("pubblicato il")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField("ritirato il", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["ente", "-year", "section", "-published_at"]
        verbose_name = "pubblicazione"
        verbose_name_plural = "pubblicazioni"
        constraints = [
            models.UniqueConstraint(
                fields=["ente", "year", "section"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="publication_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_section_display()} {self.year} – {self.ente}"
