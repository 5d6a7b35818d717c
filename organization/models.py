"""The ente and its organisation: units, people, employment, assignments, evaluation bodies.

Every row belongs (directly or through its parent) to exactly one Ente: that is the tenant
boundary the access modules enforce. Text "as written" in the source documents is kept in
`*_label`/`*_text` fields next to the structured value, so that an imported plan can be
regenerated exactly.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class EnteKind(models.TextChoices):
    COMUNE = "comune", "Comune"
    UNIONE = "unione", "Unione di comuni"
    CONSORZIO = "consorzio", "Consorzio"
    OTHER = "altro", "Altro ente"


# DM 132/2022 art. 6: the simplified PIAO is for enti «con non più di 50 dipendenti».
SIMPLIFIED_PIAO_MAX_STAFF = 50


class Ente(models.Model):
    """An administration that runs its own performance cycle (the tenant)."""

    slug = models.SlugField("identificativo", max_length=60, unique=True)
    name = models.CharField("denominazione", max_length=255)
    short_name = models.CharField("denominazione breve", max_length=120, blank=True)
    kind = models.CharField("tipo di ente", max_length=20, choices=EnteKind.choices)
    ipa_code = models.CharField("codice IPA", max_length=20, blank=True)
    istat_code = models.CharField("codice ISTAT", max_length=12, blank=True)
    fiscal_code = models.CharField("codice fiscale", max_length=16, blank=True)
    province = models.CharField("provincia", max_length=2, blank=True)
    headcount = models.PositiveIntegerField(
        "numero di dipendenti",
        null=True,
        blank=True,
        help_text="Determina il PIAO semplificato per gli enti fino a 50 dipendenti (50 compresi).",
    )
    governing_body = models.CharField(
        "organo esecutivo",
        max_length=80,
        default="Giunta",
        help_text="Chi approva il piano: Giunta, Giunta dell'Unione, Consiglio di Amministrazione…",
    )
    smvp_settings = models.JSONField(
        "impostazioni SMVP",
        default=dict,
        blank=True,
        help_text="Regole del Sistema di misurazione e valutazione della performance dell'ente.",
    )
    notes = models.TextField("note", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "ente"
        verbose_name_plural = "enti"

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_small(self) -> bool:
        """At most 50 employees (50 included): the simplified PIAO applies (DM 132/2022
        art. 6, enti «con non più di 50 dipendenti»)."""
        return self.headcount is not None and self.headcount <= SIMPLIFIED_PIAO_MAX_STAFF


class MemberEnte(models.Model):
    """A comune that belongs to an unione (or a consorzio)."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("denominazione", max_length=255)
    istat_code = models.CharField("codice ISTAT", max_length=12, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["ente", "order", "name"]
        verbose_name = "ente aderente"
        verbose_name_plural = "enti aderenti"
        constraints = [
            models.UniqueConstraint(fields=["ente", "name"], name="member_ente_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


def is_real_peg_code(code: str) -> bool:
    """A PEG code has letters or digits; «--» and «---» are the documents' «none»."""
    return any(char.isalnum() for char in code or "")


class UnitKind(models.TextChoices):
    DIRECTION = "direzione", "Direzione"
    AREA = "area", "Area / Settore"
    SERVICE = "servizio", "Servizio"
    OFFICE = "ufficio", "Ufficio"
    OTHER = "altro", "Altra unità"


class Unit(models.Model):
    """A node of the organisation chart: area/settore → servizio → ufficio."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="units")
    key = models.SlugField("chiave", max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    kind = models.CharField("tipo", max_length=20, choices=UnitKind.choices)
    name = models.CharField("denominazione", max_length=400)
    peg_code = models.CharField(
        "centro PEG / centro di costo",
        max_length=30,
        blank=True,
        help_text="Codice così come scritto nel documento (es. PM01, AG01-02, ---).",
    )
    description = models.TextField("descrizione", blank=True)
    responsible = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units_led",
        verbose_name="responsabile",
    )
    responsible_label = models.CharField("responsabile (come scritto)", max_length=255, blank=True)
    assessore = models.CharField("assessore di riferimento", max_length=255, blank=True)
    order = models.PositiveIntegerField("ordine", default=0)

    class Meta:
        ordering = ["ente", "order", "id"]
        verbose_name = "unità organizzativa"
        verbose_name_plural = "unità organizzative"
        constraints = [models.UniqueConstraint(fields=["ente", "key"], name="unit_unique_key")]

    def __str__(self) -> str:
        return f"{self.peg_label} {self.name}" if self.peg_label else self.name

    @property
    def peg_label(self) -> str:
        """The PEG code as people should read it: a placeholder of the source document («--»,
        «---», kept in `peg_code` as written) is no code and shows nothing."""
        return self.peg_code.strip() if is_real_peg_code(self.peg_code) else ""


class UnitActivity(models.Model):
    """One line of a service's "ATTIVITA'" list."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="activities")
    text = models.TextField("attività")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["unit", "order", "id"]
        verbose_name = "attività"
        verbose_name_plural = "attività"

    def __str__(self) -> str:
        return self.text[:80]


class Parameter(models.Model):
    """A volume or quantity a service reports (seed "PARAMETRI", the seismic volumes table)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="parameters")
    key = models.SlugField(
        "codice",
        max_length=80,
        help_text="Nome usato nelle formule degli indicatori calcolati.",
    )
    name = models.CharField("denominazione", max_length=400)
    group = models.CharField("gruppo", max_length=255, blank=True)
    unit_of_measure = models.CharField("unità di misura", max_length=40, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["unit", "order", "id"]
        verbose_name = "parametro"
        verbose_name_plural = "parametri"
        constraints = [models.UniqueConstraint(fields=["unit", "key"], name="parameter_unique_key")]

    def __str__(self) -> str:
        return f"{self.group} {self.name}".strip()


class ParameterValue(models.Model):
    """A value of a parameter for a year (or at a reference date)."""

    parameter = models.ForeignKey(Parameter, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveIntegerField("anno")
    reference_date = models.DateField("data di riferimento", null=True, blank=True)
    value = models.DecimalField("valore", max_digits=18, decimal_places=4)
    value_text = models.CharField("valore (come scritto)", max_length=60, blank=True)

    class Meta:
        ordering = ["parameter", "year", "reference_date"]
        verbose_name = "valore di parametro"
        verbose_name_plural = "valori di parametro"
        constraints = [
            models.UniqueConstraint(
                fields=["parameter", "year"], name="parameter_value_unique_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parameter} {self.year}: {self.value}"


class Gender(models.TextChoices):
    """Optional, for the bilancio di genere of the Relazione (art. 10 c.1 lett. b D.Lgs. 150)."""

    FEMALE = "F", "Donna"
    MALE = "M", "Uomo"
    NONE = "", "Non indicato"


class Person(models.Model):
    """Someone who works for (or with) the ente. Demo data uses fictional names only."""

    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="people")
    key = models.SlugField("chiave", max_length=80)
    first_name = models.CharField("nome", max_length=120)
    last_name = models.CharField("cognome", max_length=120)
    title = models.CharField("titolo", max_length=40, blank=True, help_text="dott., arch., …")
    fiscal_code = models.CharField("codice fiscale", max_length=16, blank=True)
    # The payroll's own number for the person: what an import of the payroll matches first.
    payroll_number = models.CharField(
        "matricola", max_length=30, blank=True, help_text="Numero di matricola nel sistema paghe."
    )
    email = models.EmailField("e-mail", blank=True)
    gender = models.CharField(
        "genere", max_length=1, choices=Gender.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["ente", "last_name", "first_name", "id"]
        verbose_name = "persona"
        verbose_name_plural = "persone"
        constraints = [
            models.UniqueConstraint(fields=["ente", "key"], name="person_unique_key"),
            models.UniqueConstraint(
                fields=["ente", "payroll_number"],
                condition=~models.Q(payroll_number=""),
                name="person_unique_payroll_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return f"{self.title} {self.first_name} {self.last_name}".strip()


class CcnlArea(models.TextChoices):
    """CCNL Funzioni Locali 2019-21 areas, plus the dirigenza and segretari."""

    OPERATORI = "operatori", "Area degli Operatori"
    OPERATORI_ESPERTI = "operatori_esperti", "Area degli Operatori esperti"
    ISTRUTTORI = "istruttori", "Area degli Istruttori"
    FUNZIONARI_EQ = "funzionari_eq", "Area dei Funzionari e dell'Elevata Qualificazione"
    DIRIGENTI = "dirigenti", "Dirigenza"
    SEGRETARI = "segretari", "Segretari comunali e provinciali"
    NONE = "", "Non indicata"


class LegacyCategory(models.TextChoices):
    """Categories of the CCNL 31/3/1999, still used in older plans."""

    A = "A", "Categoria A"
    B = "B", "Categoria B"
    C = "C", "Categoria C"
    D = "D", "Categoria D"
    NONE = "", "Non indicata"


def category_label(code: str) -> str:
    """The Italian name of a CCNL area or of a category of the previous contract, as a premium
    line stores it: «funzionari_eq» → «Area dei Funzionari e dell'Elevata Qualificazione»,
    «D» → «Categoria D»; «Non indicata» when there is none. A code no contract knows is shown
    as it is, so that nothing is hidden."""
    if not code or code == "non_indicata":
        return str(CcnlArea.NONE.label)
    for choices in (CcnlArea, LegacyCategory):
        if code in choices.values:
            return str(choices(code).label)
    return code


class Role(models.TextChoices):
    SEGRETARIO = "segretario", "Segretario"
    DIRETTORE = "direttore", "Direttore"
    DIRIGENTE = "dirigente", "Dirigente"
    EQ = "eq", "Elevata Qualificazione / Posizione Organizzativa"
    COMANDANTE = "comandante", "Comandante di Polizia Locale"
    DIPENDENTE = "dipendente", "Dipendente"
    EXTERNAL = "esterno", "Collaboratore esterno"


class ContractKind(models.TextChoices):
    PERMANENT = "indeterminato", "Tempo indeterminato"
    FIXED_TERM = "determinato", "Tempo determinato"
    OTHER = "altro", "Altro rapporto"


class Employment(models.Model):
    """A contract: who employs the person, in which CCNL area/category, full or part time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="employments")
    employer = models.ForeignKey(
        Ente,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Vuoto se il datore di lavoro non è gestito in Performa.",
    )
    employer_name = models.CharField(
        "datore di lavoro (come scritto)",
        max_length=255,
        blank=True,
        help_text="Es. Comune di Casalbuttano ed Uniti, Azienda Sociale Cremonese.",
    )
    ccnl_area = models.CharField("area CCNL", max_length=30, choices=CcnlArea.choices, blank=True)
    legacy_category = models.CharField(
        "categoria (ordinamento previgente)",
        max_length=1,
        choices=LegacyCategory.choices,
        blank=True,
    )
    profile = models.CharField("profilo professionale", max_length=160, blank=True)
    role = models.CharField("ruolo", max_length=20, choices=Role.choices, default=Role.DIPENDENTE)
    contract = models.CharField(
        "tipo di rapporto",
        max_length=20,
        choices=ContractKind.choices,
        default=ContractKind.PERMANENT,
    )
    part_time_percent = models.DecimalField(
        "percentuale di tempo",
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    hours_per_week = models.DecimalField(
        "ore settimanali", max_digits=5, decimal_places=2, null=True, blank=True
    )
    start_date = models.DateField("dal", null=True, blank=True)
    end_date = models.DateField("al", null=True, blank=True)

    class Meta:
        ordering = ["person", "start_date", "id"]
        verbose_name = "rapporto di lavoro"
        verbose_name_plural = "rapporti di lavoro"

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}"

    @property
    def is_part_time(self) -> bool:
        return self.part_time_percent < Decimal("100")

    @property
    def category_label(self) -> str:
        if self.legacy_category:
            return f"cat. {self.legacy_category}"
        return self.get_ccnl_area_display() if self.ccnl_area else ""


class AssignmentKind(models.TextChoices):
    ORDINARY = "ordinaria", "Assegnazione ordinaria"
    CONVENTION = "convenzione", "Utilizzo in convenzione"
    SECONDMENT = "comando", "Comando"
    AGREEMENT = "accordo", "Accordo con altro ente"
    EXTERNAL = "esterno", "Incarico esterno"


class Assignment(models.Model):
    """A person working in a unit for a period; possibly staff of another ente."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(
        "tipo", max_length=20, choices=AssignmentKind.choices, default=AssignmentKind.ORDINARY
    )
    position = models.CharField(
        "ruolo nell'unità", max_length=160, blank=True, help_text="Es. Vice comandante, Agente."
    )
    source_ente_name = models.CharField(
        "ente di provenienza",
        max_length=255,
        blank=True,
        help_text="Per il personale in convenzione o in comando.",
    )
    hours_per_week = models.DecimalField(
        "ore settimanali", max_digits=5, decimal_places=2, null=True, blank=True
    )
    share_percent = models.DecimalField(
        "quota di impiego %", max_digits=5, decimal_places=2, null=True, blank=True
    )
    start_date = models.DateField("dal", null=True, blank=True)
    end_date = models.DateField("al", null=True, blank=True)
    # The retribuzione di posizione of an EQ (or dirigente) for this assignment: the annual
    # amount and the period it is paid for (by default the assignment's own period).
    position_allowance = models.DecimalField(
        "retribuzione di posizione annua €",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    position_allowance_start = models.DateField("posizione dal", null=True, blank=True)
    position_allowance_end = models.DateField("posizione al", null=True, blank=True)
    note = models.TextField("note", blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["unit", "order", "id"]
        verbose_name = "assegnazione"
        verbose_name_plural = "assegnazioni"

    def __str__(self) -> str:
        return f"{self.person} → {self.unit}"


class AbsenceKind(models.TextChoices):
    MATERNITY = "maternita", "Congedo di maternità"
    PATERNITY = "paternita", "Congedo di paternità"
    PARENTAL = "parentale", "Congedo parentale"
    SICKNESS = "malattia", "Malattia"
    OTHER = "altro", "Altra assenza"


class Absence(models.Model):
    """Absences relevant to evaluation (leave protected by art. 9 c.3 D.Lgs. 150/2009)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField("tipo", max_length=20, choices=AbsenceKind.choices)
    start_date = models.DateField("dal")
    end_date = models.DateField("al")
    note = models.CharField("note", max_length=255, blank=True)

    class Meta:
        ordering = ["person", "start_date"]
        verbose_name = "assenza"
        verbose_name_plural = "assenze"

    def __str__(self) -> str:
        return f"{self.person} – {self.get_kind_display()} {self.start_date}–{self.end_date}"

    @property
    def is_protected_leave(self) -> bool:
        return self.kind in {AbsenceKind.MATERNITY, AbsenceKind.PATERNITY, AbsenceKind.PARENTAL}


class EvaluationBodyKind(models.TextChoices):
    NUCLEO = "nucleo", "Nucleo di Valutazione"
    OIV = "oiv", "Organismo Indipendente di Valutazione"


class EvaluationBody(models.Model):
    ente = models.ForeignKey(Ente, on_delete=models.CASCADE, related_name="evaluation_bodies")
    kind = models.CharField("tipo", max_length=10, choices=EvaluationBodyKind.choices)
    name = models.CharField("denominazione", max_length=255)
    appointment_act = models.CharField("atto di nomina", max_length=255, blank=True)
    appointment_date = models.DateField("data dell'atto", null=True, blank=True)
    start_date = models.DateField("in carica dal", null=True, blank=True)
    end_date = models.DateField("in carica fino al", null=True, blank=True)

    class Meta:
        ordering = ["ente", "-start_date", "id"]
        verbose_name = "organismo di valutazione"
        verbose_name_plural = "organismi di valutazione"

    def __str__(self) -> str:
        return self.name


class EvaluationBodyMember(models.Model):
    body = models.ForeignKey(EvaluationBody, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    full_name = models.CharField("nome e cognome", max_length=255)
    is_external = models.BooleanField("componente esterno", default=True)
    is_chair = models.BooleanField("presidente", default=False)
    appointment_act = models.CharField("atto di nomina", max_length=255, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["body", "order", "id"]
        verbose_name = "componente"
        verbose_name_plural = "componenti"

    def __str__(self) -> str:
        return self.full_name
