"""The plan of a cycle: strategic layer, operational objectives, phases, indicators, targets.

Design notes
------------
* A plan must hold a real document *exactly*. Wherever a document writes a value as text
  ("Superiore al 53%", "entro il 31.03.2024", "---"), the text is kept verbatim next to the
  structured value that the engine uses.
* Weights belong to a `WeightGroup` (per service, per responsabile, per area, the
  payment-time share…). Each group declares the total its document expects (normally 100,
  30 for a separate payment-time share); a plan can be proposed only when every group adds up,
  while an imported historical plan that does not add up is kept as written and flagged.
* An approved plan is immutable: later changes go through a `PlanRevision` with a motivation,
  and every objective keeps its `ObjectiveVersion` history (art. 10 c.3 D.Lgs. 150/2009).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from engine.numbers import format_percent
from organization.models import Ente, Person, Unit


class CycleState(models.TextChoices):
    DRAFT = "draft", "Bozza"
    PROPOSED = "proposed", "Proposto"
    APPROVED = "approved", "Approvato"
    MONITORING = "monitoring", "Monitoraggio"
    MEASUREMENT = "measurement", "Misurazione"
    EVALUATION = "evaluation", "Valutazione"
    REPORTING = "reporting", "Rendicontazione"
    VALIDATED = "validated", "Validato"


# States in which the plan content is frozen (only revisions may change it).
FROZEN_STATES = frozenset(
    {
        CycleState.APPROVED,
        CycleState.MONITORING,
        CycleState.MEASUREMENT,
        CycleState.EVALUATION,
        CycleState.REPORTING,
        CycleState.VALIDATED,
    }
)


class PlanDocumentKind(models.TextChoices):
    PIAO = "piao", "PIAO – sottosezione Performance"
    PEG = "peg", "PEG / Piano della performance"
    PIANO = "piano", "Piano della performance"
    PDO = "pdo", "Piano dettagliato degli obiettivi"


class Cycle(models.Model):
    """One year of the performance cycle of an ente, within a three-year horizon."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="cycles")
    year = models.PositiveIntegerField("anno")
    first_year = models.PositiveIntegerField("primo anno del triennio")
    last_year = models.PositiveIntegerField("ultimo anno del triennio")
    document_kind = models.CharField(
        "documento", max_length=10, choices=PlanDocumentKind.choices, default=PlanDocumentKind.PIAO
    )
    title = models.CharField("titolo del documento", max_length=400)
    subtitle = models.CharField("sezione / allegato", max_length=400, blank=True)
    state = models.CharField(
        "stato", max_length=20, choices=CycleState.choices, default=CycleState.DRAFT
    )
    approval_body = models.CharField("organo che approva", max_length=120, blank=True)
    approval_act_number = models.CharField("numero della delibera", max_length=40, blank=True)
    approval_act_date = models.DateField("data della delibera", null=True, blank=True)
    smvp_reference = models.TextField(
        "riferimento al SMVP", blank=True, help_text="Atto che adotta il sistema di valutazione."
    )
    introduction = models.TextField("premessa", blank=True)
    notes = models.TextField("note", blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ente", "-year"]
        verbose_name = "ciclo della performance"
        verbose_name_plural = "cicli della performance"
        constraints = [
            models.UniqueConstraint(fields=["ente", "year"], name="cycle_unique_year"),
            models.CheckConstraint(
                condition=models.Q(first_year__lte=models.F("year"))
                & models.Q(year__lte=models.F("last_year")),
                name="cycle_year_within_horizon",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ente} – {self.year}"

    @property
    def horizon_label(self) -> str:
        return f"{self.first_year}-{self.last_year}"

    @property
    def is_frozen(self) -> bool:
        return self.state in FROZEN_STATES


class OrganisationalPerformanceLevel(models.Model):
    """How organisational performance is composed (seed 002: ente 50% + area 50%)."""

    class Level(models.TextChoices):
        ENTE = "ente", "Ente nel suo complesso"
        AREA = "area", "Area / struttura"
        UNIT = "unit", "Unità organizzativa"

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="org_levels")
    level = models.CharField("livello", max_length=10, choices=Level.choices)
    label = models.CharField("denominazione", max_length=255)
    weight = models.DecimalField("percentuale", max_digits=5, decimal_places=2)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "livello di performance organizzativa"
        verbose_name_plural = "livelli di performance organizzativa"

    def __str__(self) -> str:
        return f"{self.label} {format_percent(Decimal(self.weight))}"


class StrategicArea(models.Model):
    """Area strategica / ambito tematico grouping strategic objectives."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="strategic_areas")
    key = models.SlugField("chiave", max_length=80)
    code = models.CharField("codice", max_length=30, blank=True)
    name = models.CharField("denominazione", max_length=400)
    description = models.TextField("descrizione", blank=True)
    assessore = models.CharField("assessore di riferimento", max_length=255, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "area strategica"
        verbose_name_plural = "aree strategiche"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="strategic_area_unique_key")
        ]

    def __str__(self) -> str:
        return self.name


class BudgetClassification(models.Model):
    """Missione and Programma of the D.Lgs. 118/2011 classification, as written in the plan.

    Abstract so that strategic and operational objectives carry the same fields.
    """

    mission_code = models.CharField("missione (codice)", max_length=4, blank=True)
    mission_name = models.CharField("missione (denominazione)", max_length=255, blank=True)
    programme_code = models.CharField("programma (codice)", max_length=4, blank=True)
    programme_name = models.CharField("programma (denominazione)", max_length=400, blank=True)

    class Meta:
        abstract = True

    @property
    def mission_label(self) -> str:
        parts = []
        if self.mission_code or self.mission_name:
            parts.append(f"Missione {self.mission_code} {self.mission_name}".strip())
        if self.programme_code or self.programme_name:
            parts.append(f"Programma {self.programme_code} {self.programme_name}".strip())
        return " – ".join(parts)


class StrategicObjective(BudgetClassification):
    """A strategic objective; it may belong to several strategic areas (seed 004: «Funzioni
    Socio Assistenziali e Funzioni Generali»).

    `area` is the first area the document names, `other_areas` the others in their order;
    `area_list()` gives them all.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="strategic_objectives")
    key = models.SlugField("chiave", max_length=80)
    area = models.ForeignKey(
        StrategicArea,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objectives",
        verbose_name="area strategica",
    )
    other_areas = models.ManyToManyField(
        StrategicArea,
        through="StrategicObjectiveArea",
        blank=True,
        related_name="shared_objectives",
        verbose_name="altre aree strategiche",
    )
    code = models.CharField("numero / codice", max_length=30, blank=True)
    title = models.TextField("titolo")
    description = models.TextField("descrizione", blank=True)
    units = models.ManyToManyField(
        Unit, blank=True, related_name="strategic_objectives", verbose_name="unità coinvolte"
    )
    units_label = models.TextField("unità organizzative (come scritto)", blank=True)
    responsible_label = models.CharField("responsabile (come scritto)", max_length=400, blank=True)
    stakeholders_final = models.TextField("stakeholder finali", blank=True)
    stakeholders_intermediate = models.TextField("stakeholder intermedi", blank=True)
    peg_services = models.TextField("servizi PEG coinvolti", blank=True)
    criticalities = models.TextField("criticità da presidiare", blank=True)
    expected_impact = models.TextField("impatto atteso", blank=True)
    assessore = models.CharField("assessore di riferimento", max_length=255, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "obiettivo strategico"
        verbose_name_plural = "obiettivi strategici"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="strategic_objective_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def area_list(self) -> list[StrategicArea]:
        """Every area in the document's order (prefetch `area_links__area` to avoid queries)."""
        others = [link.area for link in self.area_links.all()]
        return ([self.area] if self.area is not None else []) + others


class StrategicObjectiveArea(models.Model):
    """A further strategic area of a strategic objective (after its `area`), in order."""

    strategic_objective = models.ForeignKey(
        StrategicObjective, on_delete=models.CASCADE, related_name="area_links"
    )
    area = models.ForeignKey(StrategicArea, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["strategic_objective", "order", "id"]
        verbose_name = "area di un obiettivo strategico"
        verbose_name_plural = "aree degli obiettivi strategici"
        constraints = [
            models.UniqueConstraint(
                fields=["strategic_objective", "area"], name="strategic_objective_area_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.strategic_objective} – {self.area}"


class WeightGroupKind(models.TextChoices):
    SERVICE = "servizio", "Per servizio"
    RESPONSIBLE = "responsabile", "Per responsabile"
    AREA = "area", "Per area"
    PAYMENT_TIME = "tempi_pagamento", "Quota tempi di pagamento"
    OTHER = "altro", "Altro raggruppamento"


WEIGHT_TOLERANCE = Decimal("0.05")


class WeightGroup(models.Model):
    """A set of objectives whose weights must add up to `expected_total`."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="weight_groups")
    key = models.SlugField("chiave", max_length=80)
    kind = models.CharField("tipo", max_length=20, choices=WeightGroupKind.choices)
    label = models.CharField("denominazione", max_length=400)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="weight_groups"
    )
    responsible = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="weight_groups"
    )
    expected_total = models.DecimalField(
        "totale atteso", max_digits=6, decimal_places=2, default=Decimal("100.00")
    )
    scheme_share = models.DecimalField(
        "quota nella scheda del responsabile %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Es. 30 per i tempi di pagamento e 70 per gli altri obiettivi.",
    )
    note = models.TextField("note", blank=True)
    years = models.JSONField(
        "anni di riferimento",
        default=list,
        blank=True,
        help_text="Vuoto: ogni anno del piano. Gli obiettivi senza anni propri li ereditano.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "gruppo di pesatura"
        verbose_name_plural = "gruppi di pesatura"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="weight_group_unique_key")
        ]

    def __str__(self) -> str:
        return self.label


class PiaoTag(models.TextChoices):
    SIMPLIFICATION = "semplificazione", "Semplificazione"
    DIGITALISATION = "digitalizzazione", "Digitalizzazione"
    ACCESSIBILITY = "accessibilita", "Accessibilità"
    EQUAL_OPPORTUNITIES = "pari_opportunita", "Pari opportunità"
    ANTICORRUPTION = "anticorruzione", "Anticorruzione e trasparenza"
    PAYMENT_TIMES = "tempi_pagamento", "Tempi di pagamento"
    PNRR = "pnrr", "PNRR"


class ObjectiveKind(models.TextChoices):
    DEVELOPMENT = "sviluppo", "Sviluppo"
    MAINTENANCE = "mantenimento", "Mantenimento"
    EXTRAORDINARY = "straordinario", "Attività straordinaria"


class OperationalObjective(BudgetClassification):
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="operational_objectives"
    )
    key = models.SlugField("chiave", max_length=80)
    code = models.CharField("codice", max_length=30, blank=True)
    section = models.CharField(
        "sezione (come scritta)",
        max_length=400,
        blank=True,
        help_text=(
            "Intestazione del documento, es. «OBIETTIVO OPERATIVO SPECIFICO DEL RESPONSABILE»."
        ),
    )
    title = models.TextField("titolo")
    description = models.TextField("descrizione", blank=True)
    expected_result = models.TextField("risultato atteso", blank=True)
    kind = models.CharField(
        "tipo", max_length=20, choices=ObjectiveKind.choices, default=ObjectiveKind.DEVELOPMENT
    )
    is_transversal = models.BooleanField("trasversale a tutte le aree", default=False)
    is_payment_time = models.BooleanField("obiettivo sui tempi di pagamento", default=False)
    tags = models.JSONField("ambiti PIAO 2.2", default=list, blank=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
        verbose_name="unità responsabile",
    )
    other_units = models.ManyToManyField(
        Unit,
        through="ObjectiveUnit",
        blank=True,
        related_name="shared_objectives",
        verbose_name="altre unità coinvolte",
    )
    responsibles = models.ManyToManyField(
        Person, blank=True, related_name="objectives", verbose_name="responsabili"
    )
    responsible_label = models.TextField("responsabile (come scritto)", blank=True)
    strategic_objective = models.ForeignKey(
        StrategicObjective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operational_objectives",
        verbose_name="obiettivo strategico",
    )
    weight_group = models.ForeignKey(
        WeightGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="objectives",
        verbose_name="gruppo di pesatura",
    )
    weight = models.DecimalField("peso %", max_digits=5, decimal_places=2, null=True, blank=True)
    years = models.JSONField(
        "anni di riferimento",
        default=list,
        blank=True,
        help_text=(
            "Gli anni del piano a cui l'obiettivo appartiene; vuoto: quelli del suo gruppo di "
            "pesatura, o ogni anno del piano."
        ),
    )
    deadline = models.DateField("scadenza", null=True, blank=True)
    deadline_text = models.CharField("scadenza (come scritta)", max_length=255, blank=True)
    order = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "obiettivo operativo"
        verbose_name_plural = "obiettivi operativi"
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "key"], name="operational_objective_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    def unit_list(self) -> list[Unit]:
        """Every unit, the leading one first (prefetch `unit_links__unit` to avoid queries)."""
        others = [link.unit for link in self.unit_links.all()]
        return ([self.unit] if self.unit is not None else []) + others

    def unit_ids(self) -> list[int]:
        """The ids of `unit_list()`, reading only the links (prefetch `unit_links`)."""
        others = [link.unit_id for link in self.unit_links.all()]
        return ([self.unit_id] if self.unit_id is not None else []) + others


class ObjectiveUnit(models.Model):
    """A further unit of an operational objective (after its leading `unit`), in the document's
    order. An objective shared by several units counts in the score of each of them."""

    objective = models.ForeignKey(
        OperationalObjective, on_delete=models.CASCADE, related_name="unit_links"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["objective", "order", "id"]
        verbose_name = "unità di un obiettivo"
        verbose_name_plural = "unità degli obiettivi"
        constraints = [
            models.UniqueConstraint(fields=["objective", "unit"], name="objective_unit_unique")
        ]

    def __str__(self) -> str:
        return f"{self.objective} – {self.unit}"


class Phase(models.Model):
    """A phase (modalità di attuazione) or a lettered action of an objective."""

    class Kind(models.TextChoices):
        PHASE = "fase", "Fase"
        ACTION = "azione", "Azione"

    objective = models.ForeignKey(
        OperationalObjective, on_delete=models.CASCADE, related_name="phases"
    )
    kind = models.CharField("tipo", max_length=10, choices=Kind.choices, default=Kind.PHASE)
    label = models.CharField("etichetta", max_length=30, blank=True, help_text="Es. a), 1.")
    description = models.TextField("descrizione")
    responsible_label = models.TextField("responsabile (come scritto)", blank=True)
    planned_text = models.CharField("tempi (come scritti)", max_length=255, blank=True)
    planned_start = models.DateField("inizio previsto", null=True, blank=True)
    planned_end = models.DateField("fine prevista", null=True, blank=True)
    actual_text = models.TextField("consuntivo", blank=True)
    actual_end = models.DateField("conclusione effettiva", null=True, blank=True)
    progress = models.DecimalField(
        "avanzamento %", max_digits=5, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["objective", "order", "id"]
        verbose_name = "fase"
        verbose_name_plural = "fasi"

    def __str__(self) -> str:
        return f"{self.label} {self.description[:60]}".strip()


class IndicatorScope(models.TextChoices):
    ENTE = "ente", "Ente nel suo complesso"
    UNIT = "unit", "Struttura / servizio"
    OBJECTIVE = "objective", "Obiettivo"


class IndicatorGroup(models.Model):
    """A table of indicators in the document (e.g. «Stato di salute», «INDICATORI Servizio X»)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="indicator_groups")
    key = models.SlugField("chiave", max_length=80)
    scope = models.CharField("livello", max_length=10, choices=IndicatorScope.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicator_groups"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField("codice", max_length=30, blank=True)
    title = models.CharField("titolo", max_length=400)
    description = models.TextField(
        "descrizione / criteri di valutazione",
        blank=True,
        help_text="Testo che accompagna la tabella, es. i criteri che combinano gli indicatori.",
    )
    columns = models.JSONField(
        "intestazioni delle colonne",
        default=list,
        blank=True,
        help_text="Le intestazioni come scritte nel documento.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "tabella di indicatori"
        verbose_name_plural = "tabelle di indicatori"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="indicator_group_unique_key")
        ]

    def __str__(self) -> str:
        return self.title


class Dimension(models.TextChoices):
    EFFECTIVENESS = "efficacia", "Efficacia"
    EFFICIENCY = "efficienza", "Efficienza"
    ECONOMY = "economicita", "Economicità"
    QUALITY = "qualita", "Qualità"
    TIMELINESS = "tempestivita", "Tempestività"
    QUANTITY = "quantita", "Quantità"
    IMPACT = "impatto", "Impatto"
    RESOURCES = "stato_risorse", "Stato delle risorse"


class Polarity(models.TextChoices):
    HIGHER_BETTER = "higher", "Più alto è meglio"
    LOWER_BETTER = "lower", "Più basso è meglio"
    RANGE = "range", "Entro un intervallo"
    MILESTONE = "milestone", "Scadenza / traguardo"
    NONE = "none", "Non applicabile"


class Indicator(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField("chiave", max_length=80)
    scope = models.CharField("livello", max_length=10, choices=IndicatorScope.choices)
    group = models.ForeignKey(
        IndicatorGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name="tabella",
    )
    objective = models.ForeignKey(
        OperationalObjective,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    strategic_objective = models.ForeignKey(
        StrategicObjective,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    phase = models.ForeignKey(
        Phase, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    code = models.CharField("codice", max_length=30, blank=True)
    name = models.TextField("denominazione")
    description = models.TextField("definizione / descrizione", blank=True)
    dimension = models.CharField("dimensione", max_length=20, choices=Dimension.choices, blank=True)
    dimension_label = models.CharField("dimensione (come scritta)", max_length=120, blank=True)
    formula = models.TextField("formula / algoritmo di calcolo", blank=True)
    formula_expression = models.TextField(
        "formula di calcolo automatico",
        blank=True,
        help_text=(
            "Espressione sui codici dei parametri e degli indicatori (es. "
            "depositi_istruiti / depositi_ricevuti_controllo * 100). Se presente, il valore "
            "dell'indicatore è calcolato e non si inserisce a mano."
        ),
    )
    unit_of_measure = models.CharField("unità di misura", max_length=40, blank=True)
    data_source = models.CharField("fonte dei dati", max_length=400, blank=True)
    polarity = models.CharField(
        "polarità", max_length=10, choices=Polarity.choices, default=Polarity.HIGHER_BETTER
    )
    baseline_value = models.DecimalField(
        "valore di partenza", max_digits=18, decimal_places=4, null=True, blank=True
    )
    baseline_text = models.CharField(
        "valore di partenza (come scritto)", max_length=255, blank=True
    )
    baseline_year = models.PositiveIntegerField(
        "anno del valore di partenza", null=True, blank=True
    )
    standard_text = models.TextField("standard (come scritto)", blank=True)
    tolerance_text = models.TextField("tolleranza", blank=True)
    responsible_label = models.TextField("responsabile (come scritto)", blank=True)
    weight = models.DecimalField(
        "peso nell'obiettivo %", max_digits=5, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "indicatore"
        verbose_name_plural = "indicatori"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="indicator_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:80]}".strip()

    @property
    def is_computed(self) -> bool:
        return bool(self.formula_expression.strip())


class TargetKind(models.TextChoices):
    """The comparison a target makes; `engine.achievement.TargetKind` has the same values.

    «Superiore al 53 %» is GT and «inferiore al 45 %» is LT: a value equal to the bound misses
    them. The «anno precedente» kinds compare with the final value of the previous year's cycle
    when Performa holds it, otherwise with the indicator's baseline.
    """

    GTE = "gte", "≥ valore"
    GT = "gt", "> valore (superiore a)"
    LTE = "lte", "≤ valore"
    LT = "lt", "< valore (inferiore a)"
    EQ = "eq", "= valore"
    BETWEEN = "between", "compreso tra"
    GTE_PREVIOUS = "gte_previous", "≥ anno precedente"
    GT_PREVIOUS = "gt_previous", "> anno precedente"
    LTE_PREVIOUS = "lte_previous", "≤ anno precedente"
    LT_PREVIOUS = "lt_previous", "< anno precedente"
    BY_DATE = "by_date", "entro la data"
    VALUE = "value", "valore atteso"
    TEXT = "text", "descrittivo"


PREVIOUS_YEAR_KINDS = frozenset(
    {
        TargetKind.GTE_PREVIOUS,
        TargetKind.GT_PREVIOUS,
        TargetKind.LTE_PREVIOUS,
        TargetKind.LT_PREVIOUS,
    }
)
VALUE_KINDS = frozenset(
    {
        TargetKind.GTE,
        TargetKind.GT,
        TargetKind.LTE,
        TargetKind.LT,
        TargetKind.EQ,
        TargetKind.VALUE,
    }
)


class Target(models.Model):
    """The expected value of an indicator for a year, structured and as written."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveIntegerField("anno")
    kind = models.CharField("tipo", max_length=20, choices=TargetKind.choices)
    value = models.DecimalField("valore", max_digits=18, decimal_places=4, null=True, blank=True)
    value_to = models.DecimalField("fino a", max_digits=18, decimal_places=4, null=True, blank=True)
    target_date = models.DateField("data", null=True, blank=True)
    text = models.TextField("target (come scritto)", blank=True)

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = "target"
        verbose_name_plural = "target"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="target_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.text or self.get_kind_display()}"


class PlanRevision(models.Model):
    """A mid-year change of an approved plan, with its motivation (art. 10 c.3)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField("numero")
    date = models.DateField("data")
    motivation = models.TextField("motivazione")
    act_label = models.CharField("atto di approvazione", max_length=255, blank=True)
    is_open = models.BooleanField("aperta", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "number"]
        verbose_name = "revisione del piano"
        verbose_name_plural = "revisioni del piano"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "number"], name="revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"Revisione n. {self.number} del {self.date:%d/%m/%Y}"


class ObjectiveVersion(models.Model):
    """A frozen copy of an objective (with phases, indicators, targets) at a point in time."""

    objective = models.ForeignKey(
        OperationalObjective, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("versione")
    revision = models.ForeignKey(
        PlanRevision, null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    reason = models.CharField("motivo", max_length=400)
    data = models.JSONField("contenuto")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["objective", "number"]
        verbose_name = "versione dell'obiettivo"
        verbose_name_plural = "versioni dell'obiettivo"
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "number"], name="objective_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.objective} – versione {self.number}"
