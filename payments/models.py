"""Invoices, their payments and suspensions, the imports that bring them, and the figures.

* An `Invoice` is identified within the ente by `key`: the SDI identifier when the file has it,
  otherwise supplier + number + issue date. Re-importing the same invoice updates it.
* `InvoicePayment` rows are the ordinativi (one or more per invoice); `InvoiceSuspension` rows
  the periods in which the invoice was not payable, with their cause.
* An `ImportBatch` is one file going through the wizard: uploaded, analysed (rows validated,
  errors listed by line), then committed in one transaction. Progress is kept on the row.
* `ImportSource` remembers the column mapping of a source (an accounting system, the PCC).
* `PaymentSettings` holds the ente's payment-time rules (`engine.payments.PaymentRules`).
* `DebtSnapshot` is the stock at a reference date, frozen once PCC's figure is final.
* `PaymentReport` keeps the computed figures of a year, recomputed when the invoices change, so
  pages never recompute 100.000 invoices per request.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from engine.numbers import format_date, format_euro
from engine.payments import Nature
from organization.models import Ente, Person, Unit


class InvoiceStatus(models.TextChoices):
    RECEIVED = "ricevuta", "Ricevuta"
    BOOKED = "contabilizzata", "Contabilizzata"
    SUSPENDED = "sospesa", "Sospesa"
    NOT_PAYABLE = "non_liquidabile", "Non liquidabile"
    NON_COMMERCIAL = "non_commerciale", "Debito non commerciale"
    PAID = "pagata", "Pagata"


class SuspensionCause(models.TextChoices):
    DISPUTE = "contenzioso", "Contestazione o contenzioso"
    CONFORMITY = "verifica_conformita", "Verifica di conformità"
    COMPLIANCE = "adempimenti_normativi", "Adempimenti normativi"


class SpendingNature(models.TextChoices):
    CURRENT = Nature.CURRENT.value, "Spesa corrente"
    CAPITAL = Nature.CAPITAL.value, "Spesa in conto capitale"


class PaymentSettings(models.Model):
    ente = models.OneToOneField(Ente, on_delete=models.CASCADE, related_name="payment_settings")
    rules = models.JSONField("regole sui tempi di pagamento", default=dict, blank=True)
    indicator_links = models.JSONField(
        "indicatori del piano misurati dalle fatture",
        default=dict,
        blank=True,
        help_text=(
            "Grandezza → chiave dell'indicatore: «incidence» (incidenza dello scaduto), "
            "«reduction» (stock rispetto all'anno precedente), «delay» (ritardo annuale), "
            "«itp» (indicatore di tempestività)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "regole sui tempi di pagamento"
        verbose_name_plural = "regole sui tempi di pagamento"

    def __str__(self) -> str:
        return f"Regole sui tempi di pagamento – {self.ente}"


class ImportSource(models.Model):
    """A source of invoice files and the mapping of its columns, saved for the next import."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="invoice_sources")
    name = models.CharField("sorgente", max_length=120)
    mapping = models.JSONField(
        "colonne", default=dict, blank=True, help_text="Campo di Performa → intestazione del file."
    )
    unit_map = models.JSONField(
        "uffici", default=dict, blank=True, help_text="Ufficio come scritto → chiave dell'unità."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ente", "name"]
        verbose_name = "sorgente delle fatture"
        verbose_name_plural = "sorgenti delle fatture"
        constraints = [
            models.UniqueConstraint(fields=["ente", "name"], name="invoice_source_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class BatchState(models.TextChoices):
    UPLOADED = "uploaded", "Caricato"
    ANALYSING = "analysing", "Analisi in corso"
    ANALYSED = "analysed", "Analizzato"
    IMPORTING = "importing", "Importazione in corso"
    DONE = "done", "Importato"
    FAILED = "failed", "Non riuscito"


def batch_path(instance: ImportBatch, filename: str) -> str:
    return f"enti/{instance.ente.slug}/fatture/{filename}"


class ImportBatch(models.Model):
    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="invoice_imports")
    source = models.ForeignKey(
        ImportSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    source_name = models.CharField("sorgente", max_length=120, blank=True)
    file = models.FileField("file", upload_to=batch_path, max_length=400)
    original_name = models.CharField("nome del file", max_length=255)
    file_format = models.CharField("formato", max_length=10)
    encoding = models.CharField("codifica", max_length=20, blank=True)
    delimiter = models.CharField("separatore", max_length=3, blank=True)
    headers = models.JSONField("intestazioni", default=list, blank=True)
    header_line = models.PositiveIntegerField("riga delle intestazioni", default=1)
    mapping = models.JSONField("colonne", default=dict, blank=True)
    state = models.CharField(
        "stato", max_length=12, choices=BatchState.choices, default=BatchState.UPLOADED
    )
    total_rows = models.PositiveIntegerField("righe", default=0)
    processed_rows = models.PositiveIntegerField("righe elaborate", default=0)
    valid_invoices = models.PositiveIntegerField("fatture valide", default=0)
    invalid_rows = models.PositiveIntegerField("righe scartate", default=0)
    created_count = models.PositiveIntegerField("fatture nuove", default=0)
    updated_count = models.PositiveIntegerField("fatture aggiornate", default=0)
    unchanged_count = models.PositiveIntegerField("fatture invariate", default=0)
    errors = models.JSONField("errori", default=list, blank=True)
    warnings = models.JSONField("avvisi", default=list, blank=True)
    preview = models.JSONField("anteprima", default=list, blank=True)
    message = models.TextField("esito", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ente", "-created_at", "-id"]
        verbose_name = "importazione di fatture"
        verbose_name_plural = "importazioni di fatture"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def progress_percent(self) -> int:
        if self.state in (BatchState.DONE, BatchState.ANALYSED):
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.state in (BatchState.ANALYSING, BatchState.IMPORTING)


class Invoice(models.Model):
    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="invoices")
    key = models.CharField("identificativo", max_length=200)
    sdi_id = models.CharField("identificativo SDI", max_length=40, blank=True)
    number = models.CharField("numero", max_length=60, blank=True)
    issue_date = models.DateField("data di emissione", null=True, blank=True)
    received_date = models.DateField("data di ricezione")
    supplier_code = models.CharField("partita IVA / codice fiscale", max_length=40, blank=True)
    supplier_name = models.CharField("fornitore", max_length=255, blank=True)
    total = models.DecimalField("importo totale", max_digits=14, decimal_places=2)
    taxable = models.DecimalField("imponibile", max_digits=14, decimal_places=2)
    vat = models.DecimalField("IVA", max_digits=14, decimal_places=2, default=0)
    split_payment = models.BooleanField("scissione dei pagamenti", default=False)
    due_date = models.DateField("scadenza comunicata", null=True, blank=True)
    status = models.CharField(
        "stato", max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED
    )
    suspension_cause = models.CharField(
        "causale della sospensione", max_length=30, choices=SuspensionCause.choices, blank=True
    )
    nature = models.CharField(
        "natura della spesa",
        max_length=10,
        choices=SpendingNature.choices,
        default=SpendingNature.CURRENT,
    )
    budget_chapter = models.CharField("capitolo / missione", max_length=120, blank=True)
    office_label = models.CharField("ufficio (come scritto)", max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    responsible_label = models.CharField("responsabile (come scritto)", max_length=255, blank=True)
    responsible = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    content_hash = models.CharField(
        "impronta del contenuto",
        max_length=40,
        blank=True,
        help_text="Per riconoscere le fatture invariate.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["ente", "received_date", "id"]
        verbose_name = "fattura"
        verbose_name_plural = "fatture"
        constraints = [
            models.UniqueConstraint(fields=["ente", "key"], name="invoice_unique_key"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="invoice_total_positive"),
        ]
        indexes = [models.Index(fields=["ente", "received_date"], name="invoice_ente_received")]

    def __str__(self) -> str:
        label = self.number or self.sdi_id or self.key
        return f"Fattura {label} – {self.supplier_name}".strip(" –")


class InvoicePayment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    date = models.DateField("data dell'ordinativo")
    amount = models.DecimalField("importo pagato", max_digits=14, decimal_places=2)
    reference = models.CharField("numero dell'ordinativo", max_length=60, blank=True)

    class Meta:
        ordering = ["invoice", "date", "id"]
        verbose_name = "pagamento"
        verbose_name_plural = "pagamenti"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")
        ]

    def __str__(self) -> str:
        return f"{format_euro(self.amount)} il {format_date(self.date)}"


class InvoiceSuspension(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="suspensions")
    start = models.DateField("inizio")
    end = models.DateField("fine", null=True, blank=True)
    cause = models.CharField("causale", max_length=30, choices=SuspensionCause.choices)

    class Meta:
        ordering = ["invoice", "start", "id"]
        verbose_name = "sospensione"
        verbose_name_plural = "sospensioni"

    def __str__(self) -> str:
        end = f"al {self.end:%d/%m/%Y}" if self.end else "in corso"
        return f"{self.get_cause_display()} dal {self.start:%d/%m/%Y} {end}"


class DebtSnapshot(models.Model):
    """The debt stock at a reference date (normally 31/12), frozen when PCC's figure is final."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="debt_snapshots")
    reference_date = models.DateField("data di riferimento")
    stock = models.DecimalField("stock del debito", max_digits=16, decimal_places=2)
    overdue = models.DecimalField("di cui scaduto", max_digits=16, decimal_places=2)
    invoices = models.PositiveIntegerField("fatture", default=0)
    creditors = models.PositiveIntegerField("imprese creditrici", default=0)
    received_in_year = models.DecimalField(
        "fatture ricevute nell'anno", max_digits=16, decimal_places=2, default=0
    )
    explanation = models.JSONField("come è calcolato", default=dict, blank=True)
    is_frozen = models.BooleanField("congelato", default=False)
    frozen_at = models.DateTimeField(null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField("calcolato il", auto_now=True)

    class Meta:
        ordering = ["ente", "-reference_date"]
        verbose_name = "stock del debito"
        verbose_name_plural = "stock del debito"
        constraints = [
            models.UniqueConstraint(
                fields=["ente", "reference_date"], name="debt_snapshot_unique_date"
            )
        ]

    def __str__(self) -> str:
        return f"Stock al {self.reference_date:%d/%m/%Y}"


class PaymentReport(models.Model):
    """The figures of a year (ente and units), as computed after the last change of the data."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="payment_reports")
    year = models.PositiveIntegerField("anno")
    reference_date = models.DateField("data di riferimento delle fatture non pagate")
    data = models.JSONField("indicatori")
    computed_at = models.DateTimeField("calcolato il", auto_now=True)

    class Meta:
        ordering = ["ente", "-year"]
        verbose_name = "indicatori dei pagamenti"
        verbose_name_plural = "indicatori dei pagamenti"
        constraints = [
            models.UniqueConstraint(fields=["ente", "year"], name="payment_report_unique_year")
        ]

    def __str__(self) -> str:
        return f"Indicatori dei pagamenti {self.year} – {self.ente}"
