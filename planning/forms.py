"""Forms of the plan pages.

They are plain forms built from the model fields (labels and help texts come from the models):
the values go to a service, which validates the business rules, so a form never touches the
instance it edits.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.forms.models import model_to_dict

from core.forms import DATE_WIDGET, TEXTAREA, ItalianDecimalField, ModelFieldsForm, PerformaForm
from engine.numbers import format_number
from organization.models import Person, Unit
from planning.models import (
    Cycle,
    Indicator,
    OperationalObjective,
    Phase,
    PiaoTag,
    StrategicArea,
    StrategicObjective,
    TargetKind,
    WeightGroup,
)

WEIGHT_MAX = Decimal("100")


def weight_problem(value: Decimal, name: str = "Il peso") -> str:
    """Why `value` cannot be a weight (a percentage between 0 and 100), or ""."""
    if value > WEIGHT_MAX:
        return f"{name} indicato, {format_number(value)}, supera 100: un peso va da 0 a 100."
    if value < 0:
        return f"{name} indicato, {format_number(value)}, è negativo: un peso va da 0 a 100."
    return ""


def _clean_weight(value: Decimal | None, name: str = "Il peso") -> Decimal | None:
    if value is not None and (problem := weight_problem(value, name)):
        raise forms.ValidationError(problem, code="weight_range")
    return value


class CycleForm(ModelFieldsForm):
    model = Cycle
    field_names = (
        "year",
        "first_year",
        "last_year",
        "document_kind",
        "title",
        "subtitle",
        "smvp_reference",
        "introduction",
        "notes",
    )
    widgets = {"smvp_reference": TEXTAREA, "introduction": TEXTAREA, "notes": TEXTAREA}


class ApproveForm(PerformaForm):
    approval_body = forms.CharField(label="Organo che approva", max_length=120, required=False)
    act_number = forms.CharField(label="Numero della delibera", max_length=40)
    act_date = forms.DateField(label="Data della delibera", widget=DATE_WIDGET)


class ReturnToDraftForm(PerformaForm):
    reason = forms.CharField(label="Motivo del ritorno in bozza", widget=TEXTAREA)


class RevisionForm(PerformaForm):
    motivation = forms.CharField(label="Motivazione della revisione", widget=TEXTAREA)
    date = forms.DateField(label="Data", widget=DATE_WIDGET)
    act_label = forms.CharField(
        label="Atto di approvazione",
        max_length=255,
        required=False,
        help_text="Es. Delibera di Giunta n. 45 del 12/07/2025.",
    )


class CopyForm(PerformaForm):
    year = forms.IntegerField(label="Anno del nuovo piano", min_value=2000, max_value=2100)


class StrategicAreaForm(ModelFieldsForm):
    model = StrategicArea
    field_names = ("code", "name", "description", "assessore")
    widgets = {"description": TEXTAREA}


class StrategicObjectiveForm(ModelFieldsForm):
    model = StrategicObjective
    field_names = (
        "area",
        "code",
        "title",
        "description",
        "mission_code",
        "mission_name",
        "programme_code",
        "programme_name",
        "units",
        "units_label",
        "responsible_label",
        "stakeholders_final",
        "stakeholders_intermediate",
        "peg_services",
        "criticalities",
        "expected_impact",
        "assessore",
    )
    widgets = {
        "title": TEXTAREA,
        "description": TEXTAREA,
        "units_label": TEXTAREA,
        "stakeholders_final": TEXTAREA,
        "stakeholders_intermediate": TEXTAREA,
        "peg_services": TEXTAREA,
        "criticalities": TEXTAREA,
        "expected_impact": TEXTAREA,
    }

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = StrategicArea.objects.filter(cycle=cycle)
        self.fields["units"].queryset = Unit.objects.filter(ente_id=cycle.ente_id)


class WeightGroupForm(ModelFieldsForm):
    model = WeightGroup
    field_names = ("label", "kind", "unit", "responsible", "expected_total", "scheme_share", "note")
    widgets = {"note": TEXTAREA}

    def __init__(self, *args, cycle: Cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(ente_id=cycle.ente_id)
        self.fields["responsible"].queryset = Person.objects.filter(ente_id=cycle.ente_id)


class ObjectiveForm(ModelFieldsForm):
    model = OperationalObjective
    field_names = (
        "code",
        "title",
        "description",
        "expected_result",
        "kind",
        "unit",
        "responsibles",
        "responsible_label",
        "strategic_objective",
        "weight_group",
        "weight",
        "tags",
        "deadline",
        "deadline_text",
        "mission_code",
        "mission_name",
        "programme_code",
        "programme_name",
        "is_transversal",
        "is_payment_time",
        "section",
    )
    widgets = {
        "title": forms.Textarea(attrs={"rows": 2}),
        "description": TEXTAREA,
        "expected_result": TEXTAREA,
        "responsible_label": forms.TextInput(),
    }
    tags = forms.MultipleChoiceField(
        label="Ambiti PIAO 2.2",
        choices=PiaoTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, cycle: Cycle, unit_ids=None, **kwargs):
        instance = kwargs.get("instance")
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(ente_id=cycle.ente_id)
        if unit_ids is not None:
            # A responsabile picks among the units they lead; an objective they edit as one of
            # its responsibles keeps its own unit (or none, for a transversal objective).
            current = instance.unit_id if instance is not None else None
            units = units.filter(Q(pk__in=unit_ids) | Q(pk=current))
            self.fields["unit"].required = instance is None or current is not None
        self.fields["unit"].queryset = units
        self.fields["responsibles"].queryset = Person.objects.filter(ente_id=cycle.ente_id)
        self.fields["responsibles"].widget.attrs["size"] = 8
        self.fields["strategic_objective"].queryset = StrategicObjective.objects.filter(cycle=cycle)
        self.fields["weight_group"].queryset = WeightGroup.objects.filter(cycle=cycle)
        self.fields["weight"].widget.attrs.update(
            inputmode="decimal", step="0.01", min="0", max="100"
        )

    def clean_weight(self) -> Decimal | None:
        return _clean_weight(self.cleaned_data.get("weight"))

    def enable_running_total(self, url: str) -> None:
        """Weight and group ask `url` for the group's total while the user types (HTMX)."""
        common = {"hx-get": url, "hx-target": "#weight-total", "hx-swap": "innerHTML"}
        self.fields["weight"].widget.attrs.update(
            common,
            **{
                "hx-trigger": "input changed delay:300ms, keyup changed delay:300ms",
                "hx-include": "[name='weight_group']",
                "aria-controls": "weight-total",
            },
        )
        self.fields["weight_group"].widget.attrs.update(
            common, **{"hx-trigger": "change", "hx-include": "[name='weight']"}
        )


class PhaseForm(ModelFieldsForm):
    model = Phase
    field_names = (
        "kind",
        "label",
        "description",
        "responsible_label",
        "planned_text",
        "planned_start",
        "planned_end",
        "actual_text",
        "actual_end",
        "progress",
    )
    widgets = {
        "description": TEXTAREA,
        "responsible_label": forms.TextInput(),
        "actual_text": TEXTAREA,
    }


class IndicatorForm(ModelFieldsForm):
    model = Indicator
    field_names = (
        "code",
        "name",
        "description",
        "phase",
        "dimension",
        "dimension_label",
        "formula",
        "formula_expression",
        "unit_of_measure",
        "data_source",
        "polarity",
        "baseline_value",
        "baseline_text",
        "baseline_year",
        "standard_text",
        "tolerance_text",
        "responsible_label",
        "weight",
    )
    widgets = {
        "name": forms.Textarea(attrs={"rows": 2}),
        "description": TEXTAREA,
        "formula": TEXTAREA,
        "formula_expression": forms.Textarea(attrs={"rows": 2}),
        "standard_text": forms.TextInput(),
        "tolerance_text": forms.TextInput(),
        "responsible_label": forms.TextInput(),
    }

    def __init__(self, *args, objective: OperationalObjective | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = (
            Phase.objects.filter(objective=objective) if objective else Phase.objects.none()
        )
        if objective is None:
            del self.fields["phase"]

    def clean_weight(self) -> Decimal | None:
        return _clean_weight(self.cleaned_data.get("weight"), "Il peso dell'indicatore")


class TargetForm(PerformaForm):
    """The target of one year; leaving the type empty removes it."""

    kind = forms.ChoiceField(
        label="Tipo di target",
        choices=[("", "— nessun target —"), *TargetKind.choices],
        required=False,
    )
    value = ItalianDecimalField(label="Valore", max_digits=18, decimal_places=4, required=False)
    value_to = ItalianDecimalField(label="Fino a", max_digits=18, decimal_places=4, required=False)
    target_date = forms.DateField(label="Data", required=False, widget=DATE_WIDGET)
    text = forms.CharField(label="Target (come scritto)", required=False, max_length=1000)

    def __init__(self, *args, year: int, **kwargs):
        self.year = year
        kwargs.setdefault("prefix", f"t{year}")
        super().__init__(*args, **kwargs)


def target_forms(indicator: Indicator | None, cycle: Cycle, data=None) -> list[TargetForm]:
    existing = {t.year: t for t in indicator.targets.all()} if indicator is not None else {}
    forms_ = []
    for year in range(cycle.first_year, cycle.last_year + 1):
        target = existing.get(year)
        initial = (
            model_to_dict(target, fields=["kind", "value", "value_to", "target_date", "text"])
            if target
            else None
        )
        forms_.append(TargetForm(data, year=year, initial=initial))
    return forms_
