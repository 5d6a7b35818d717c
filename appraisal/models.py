"""Individual evaluation: schemes (per role/category), behaviours, score bands, schede.

A scheda is personal data: only the evaluated person, the evaluator chain and the Nucleo read
it, and every read by someone else than the evaluated person is logged (`SchedaView`).
Every change of state is an immutable `SchedaTransition`; going back is possible only through a
recorded reopening (a transition with a reason).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from engine.numbers import format_number, format_percent
from organization.models import Ente, Person
from planning.models import Cycle, OperationalObjective, Unit


class Behaviour(models.Model):
    """An organisational behaviour of the ente's dictionary, with level descriptors."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="behaviours")
    key = models.SlugField("chiave", max_length=80)
    name = models.CharField("comportamento", max_length=255)
    description = models.TextField("descrizione", blank=True)
    levels = models.JSONField(
        "descrittori dei livelli",
        default=list,
        blank=True,
        help_text='Elenco di {"score": 1, "descriptor": "…"} dal più basso al più alto.',
    )
    is_differentiation_capacity = models.BooleanField(
        "capacità di differenziare i giudizi",
        default=False,
        help_text="Obbligatorio nelle schede di dirigenti ed EQ (art. 9 c.1 D.Lgs. 150/2009).",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ente", "order", "id"]
        verbose_name = "comportamento organizzativo"
        verbose_name_plural = "dizionario dei comportamenti"
        constraints = [models.UniqueConstraint(fields=["ente", "key"], name="behaviour_unique_key")]

    def __str__(self) -> str:
        return self.name


class EvaluatorKind(models.TextChoices):
    NUCLEO = "nucleo", "Nucleo di Valutazione / OIV"
    SEGRETARIO = "segretario", "Segretario / Direttore"
    RESPONSABILE = "responsabile", "Responsabile"


class BehaviourConversion(models.TextChoices):
    PROPORTIONAL = "proportional", "Voto / massimo della scala"
    FROM_MINIMUM = "from_minimum", "(Voto − minimo) / (massimo − minimo)"


class Prevalence(models.TextChoices):
    LARGEST = "largest", "Peso maggiore di ogni altro componente"
    MAJORITY = "majority", "Peso superiore al 50%"


class EvaluationScheme(models.Model):
    """How a group of people is evaluated in a cycle (SMVP of the ente)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="schemes")
    key = models.SlugField("chiave", max_length=80)
    name = models.CharField("denominazione", max_length=255)
    roles = models.JSONField(
        "ruoli", default=list, blank=True, help_text="Ruoli a cui si applica (dirigente, eq, …)."
    )
    categories = models.JSONField(
        "aree / categorie",
        default=list,
        blank=True,
        help_text="Aree CCNL o categorie previgenti a cui si applica.",
    )
    is_managerial = models.BooleanField(
        "scheda di dirigenti / EQ",
        default=False,
        help_text="Impone la prevalenza della performance della propria unità e la capacità di "
        "differenziare i giudizi.",
    )
    evaluator_kind = models.CharField(
        "valutatore",
        max_length=20,
        choices=EvaluatorKind.choices,
        default=EvaluatorKind.RESPONSABILE,
    )
    max_points = models.DecimalField(
        "punteggio massimo", max_digits=6, decimal_places=2, default=Decimal("100")
    )
    behaviour_scale_min = models.PositiveSmallIntegerField("scala comportamenti: minimo", default=1)
    behaviour_scale_max = models.PositiveSmallIntegerField(
        "scala comportamenti: massimo", default=5
    )
    negative_threshold = models.DecimalField(
        "soglia di valutazione negativa",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        default=None,
        help_text="Un punteggio inferiore è una valutazione negativa. Vuoto: sotto la prima "
        "fascia che assegna un premio.",
    )
    behaviour_conversion = models.CharField(
        "conversione dei voti dei comportamenti",
        max_length=20,
        choices=BehaviourConversion.choices,
        default=BehaviourConversion.PROPORTIONAL,
    )
    prevalence = models.CharField(
        "prevalenza della performance dell'unità",
        max_length=20,
        choices=Prevalence.choices,
        default=Prevalence.LARGEST,
        help_text="Per dirigenti ed EQ (art. 9 c.1 lett. a D.Lgs. 150/2009), come la definisce "
        "il SMVP.",
    )
    contest_days = models.PositiveSmallIntegerField(
        "giorni per contestare", default=15, help_text="Dalla consegna della scheda."
    )
    self_evaluation = models.BooleanField("autovalutazione", default=False)
    minimum_service_days = models.PositiveSmallIntegerField(
        "servizio minimo nell'anno (giorni)",
        default=180,
        help_text="Fissato dal contratto integrativo (es. sei mesi).",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["cycle", "order", "id"]
        verbose_name = "modello di scheda"
        verbose_name_plural = "modelli di scheda"
        constraints = [models.UniqueConstraint(fields=["cycle", "key"], name="scheme_unique_key")]

    def __str__(self) -> str:
        return self.name


class ComponentKind(models.TextChoices):
    UNIT_PERFORMANCE = "unit_performance", "Performance dell'unità di appartenenza"
    ENTE_PERFORMANCE = "ente_performance", "Performance dell'ente"
    INDIVIDUAL_OBJECTIVES = "individual_objectives", "Obiettivi individuali"
    GROUP_OBJECTIVES = "group_objectives", "Obiettivi di gruppo"
    BEHAVIOURS = "behaviours", "Comportamenti organizzativi"
    OTHER = "other", "Altro"


class SchemeComponent(models.Model):
    scheme = models.ForeignKey(
        EvaluationScheme, on_delete=models.CASCADE, related_name="components"
    )
    key = models.SlugField("chiave", max_length=80)
    kind = models.CharField("tipo", max_length=30, choices=ComponentKind.choices)
    label = models.CharField("denominazione", max_length=255)
    weight = models.DecimalField("peso %", max_digits=5, decimal_places=2)
    presence_sensitive = models.BooleanField(
        "dipende dalla presenza",
        default=False,
        help_text="I congedi tutelati (maternità, paternità, parentale) non possono ridurlo.",
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = "componente della scheda"
        verbose_name_plural = "componenti della scheda"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="component_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({format_percent(Decimal(self.weight))})"


class SchemeBehaviour(models.Model):
    component = models.ForeignKey(
        SchemeComponent, on_delete=models.CASCADE, related_name="behaviours"
    )
    behaviour = models.ForeignKey(Behaviour, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(
        "peso nel componente %", max_digits=5, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["component", "order", "id"]
        verbose_name = "comportamento della scheda"
        verbose_name_plural = "comportamenti della scheda"
        constraints = [
            models.UniqueConstraint(
                fields=["component", "behaviour"], name="scheme_behaviour_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.behaviour)


class ScoreBand(models.Model):
    """A range of scores and the premium percentage it earns (e.g. 54–60 punti → 100%)."""

    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.CASCADE, related_name="bands")
    min_points = models.DecimalField("da punti", max_digits=6, decimal_places=2)
    max_points = models.DecimalField("a punti", max_digits=6, decimal_places=2)
    premium_percent = models.DecimalField("premio %", max_digits=5, decimal_places=2)
    label = models.CharField("denominazione", max_length=120, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "-min_points"]
        verbose_name = "fascia di punteggio"
        verbose_name_plural = "fasce di punteggio"

    def __str__(self) -> str:
        low, high = format_number(Decimal(self.min_points)), format_number(Decimal(self.max_points))
        return f"{low}–{high} → {format_percent(Decimal(self.premium_percent))}"


class SchedaState(models.TextChoices):
    DRAFT = "draft", "Bozza"
    PROPOSED = "proposed", "Proposta"
    INTERVIEW = "interview", "Colloquio svolto"
    DELIVERED = "delivered", "Consegnata"
    ACKNOWLEDGED = "acknowledged", "Presa visione"
    CONTESTED = "contested", "Contestata"
    CONCILIATION = "conciliation", "In conciliazione"
    FINAL = "final", "Definitiva"


class Scheda(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="schede")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="schede")
    scheme = models.ForeignKey(EvaluationScheme, on_delete=models.PROTECT, related_name="schede")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schede",
        help_text="Unità la cui performance entra nella scheda.",
    )
    evaluator = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schede_as_evaluator",
        help_text="Vuoto quando valuta il Nucleo di Valutazione.",
    )
    evaluator_kind = models.CharField("valutatore", max_length=20, choices=EvaluatorKind.choices)
    state = models.CharField(
        "stato", max_length=20, choices=SchedaState.choices, default=SchedaState.DRAFT
    )
    total_points = models.DecimalField(
        "punteggio", max_digits=6, decimal_places=2, null=True, blank=True
    )
    band = models.ForeignKey(
        ScoreBand, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    premium_percent = models.DecimalField(
        "premio %", max_digits=5, decimal_places=2, null=True, blank=True
    )
    is_negative = models.BooleanField("valutazione negativa", default=False)
    is_eligible = models.BooleanField("ammesso alla valutazione", default=True)
    eligibility_note = models.TextField("motivo di esclusione / note", blank=True)
    self_evaluation_text = models.TextField("autovalutazione", blank=True)
    evaluator_notes = models.TextField("osservazioni del valutatore", blank=True)
    interview_date = models.DateField("data del colloquio", null=True, blank=True)
    interview_notes = models.TextField("note del colloquio", blank=True)
    delivered_at = models.DateTimeField("consegnata il", null=True, blank=True)
    acknowledged_at = models.DateTimeField("presa visione il", null=True, blank=True)
    finalised_at = models.DateTimeField("definitiva dal", null=True, blank=True)
    version = models.PositiveIntegerField("versione", default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "person__last_name", "person__first_name"]
        verbose_name = "scheda di valutazione"
        verbose_name_plural = "schede di valutazione"
        constraints = [
            models.UniqueConstraint(fields=["cycle", "person"], name="scheda_unique_person")
        ]

    def __str__(self) -> str:
        return f"Scheda {self.cycle.year} – {self.person}"


class SchedaItem(models.Model):
    """One scored line: a component, a behaviour of it, or an objective of it."""

    scheda = models.ForeignKey(Scheda, on_delete=models.CASCADE, related_name="items")
    component = models.ForeignKey(SchemeComponent, on_delete=models.PROTECT, related_name="+")
    behaviour = models.ForeignKey(
        Behaviour, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objective = models.ForeignKey(
        OperationalObjective, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raw_score = models.DecimalField(
        "valutazione",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Livello sulla scala dei comportamenti o % di raggiungimento.",
    )
    points = models.DecimalField("punti", max_digits=7, decimal_places=2, null=True, blank=True)
    note = models.TextField("motivazione", blank=True)

    class Meta:
        ordering = ["scheda", "component__order", "id"]
        verbose_name = "voce della scheda"
        verbose_name_plural = "voci della scheda"

    def __str__(self) -> str:
        return f"{self.scheda} – {self.component}"


class SchedaTransition(models.Model):
    """Immutable log of every change of state (including recorded reopenings)."""

    scheda = models.ForeignKey(Scheda, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=SchedaState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=SchedaState.choices)
    is_reopening = models.BooleanField("riapertura", default=False)
    note = models.TextField("motivazione", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheda", "at", "id"]
        verbose_name = "passaggio di stato"
        verbose_name_plural = "passaggi di stato"

    def __str__(self) -> str:
        return f"{self.scheda}: {self.from_state} → {self.to_state}"


class Conciliation(models.Model):
    """The contest of a scheda and its conciliation procedure."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Valutazione confermata"
        MODIFIED = "modified", "Valutazione modificata"
        WITHDRAWN = "withdrawn", "Contestazione ritirata"

    scheda = models.OneToOneField(Scheda, on_delete=models.CASCADE, related_name="conciliation")
    requested_at = models.DateTimeField("richiesta il")
    request_text = models.TextField("motivi della contestazione")
    meeting_date = models.DateField("data dell'incontro", null=True, blank=True)
    meeting_notes = models.TextField("verbale dell'incontro", blank=True)
    outcome = models.CharField("esito", max_length=20, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField("motivazione dell'esito", blank=True)
    decided_by = models.CharField("chi ha deciso", max_length=255, blank=True)
    decided_at = models.DateTimeField("decisa il", null=True, blank=True)
    previous_points = models.DecimalField(
        "punteggio contestato", max_digits=6, decimal_places=2, null=True, blank=True
    )
    new_points = models.DecimalField(
        "punteggio dopo la conciliazione", max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "conciliazione"
        verbose_name_plural = "conciliazioni"

    def __str__(self) -> str:
        return f"Conciliazione – {self.scheda}"


class SchedaView(models.Model):
    """A read of a scheda by someone other than the evaluated person."""

    scheda = models.ForeignKey(Scheda, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheda", "-viewed_at"]
        verbose_name = "consultazione della scheda"
        verbose_name_plural = "consultazioni delle schede"

    def __str__(self) -> str:
        return f"{self.user} ha letto {self.scheda}"
