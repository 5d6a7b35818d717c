"""Forms of the evaluation pages.

They convert and check the format only: the values go to `appraisal.services` (or
`documents.services` for the Relazione), which apply the rules of the SMVP.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from appraisal.models import (
    Behaviour,
    ComponentKind,
    Conciliation,
    EvaluationScheme,
    SchedaState,
)
from appraisal.services import SCHEME_FIELDS
from core.exceptions import ServiceError
from core.forms import DATE_WIDGET, TEXTAREA, ItalianDecimalField, ModelFieldsForm, PerformaForm
from core.parsing import parse_decimal
from organization.models import CcnlArea, LegacyCategory, Role

BEHAVIOUR_KINDS = frozenset({ComponentKind.BEHAVIOURS})
OBJECTIVE_KINDS = frozenset({ComponentKind.INDIVIDUAL_OBJECTIVES, ComponentKind.GROUP_OBJECTIVES})
PERCENT_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0", "max": "100"}


# ---------------------------------------------------------------------------------------------
# Behaviours dictionary, schemes, components and bands (administrator)
# ---------------------------------------------------------------------------------------------


class BehaviourForm(ModelFieldsForm):
    model = Behaviour
    field_names = ("key", "name", "description", "is_differentiation_capacity", "order")
    widgets = {"description": TEXTAREA}
    levels_text = forms.CharField(
        label="Descrittori dei livelli",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Una riga per livello, dal più basso al più alto, nella forma "
        "«punteggio: descrizione» (es. «1: Non adeguato»).",
    )

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None and not self.is_bound:
            self.initial["levels_text"] = "\n".join(
                f"{level.get('score')}: {level.get('descriptor', '')}"
                for level in instance.levels or []
            )

    def clean_levels_text(self) -> list[dict]:
        levels = []
        for number, line in enumerate(self.cleaned_data["levels_text"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            score, sep, descriptor = line.partition(":")
            if not sep or not descriptor.strip():
                raise ValidationError(
                    f"Riga {number}: scrivi «punteggio: descrizione» (es. «3: Adeguato»)."
                )
            try:
                value = int(score.strip())
            except ValueError as error:
                raise ValidationError(
                    f"Riga {number}: il punteggio «{score.strip()}» non è un numero intero."
                ) from error
            levels.append({"score": value, "descriptor": descriptor.strip()})
        return levels

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["levels"] = data.pop("levels_text")
        return data


class SchemeForm(ModelFieldsForm):
    model = EvaluationScheme
    field_names = SCHEME_FIELDS  # the fields the service writes, in the form's order
    roles = forms.MultipleChoiceField(
        label="Ruoli a cui si applica",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.MultipleChoiceField(
        label="Aree CCNL o categorie a cui si applica",
        choices=[(v, label) for v, label in [*CcnlArea.choices, *LegacyCategory.choices] if v],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Nessuna scelta: il modello vale per tutte.",
    )

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class ComponentForm(PerformaForm):
    key = forms.SlugField(label="Chiave", max_length=80)
    kind = forms.ChoiceField(label="Tipo", choices=ComponentKind.choices)
    label = forms.CharField(label="Denominazione", max_length=255)
    weight = ItalianDecimalField(
        label="Peso %", max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    presence_sensitive = forms.BooleanField(label="Dipende dalla presenza", required=False)
    behaviours = forms.ModelMultipleChoiceField(
        label="Comportamenti valutati",
        queryset=Behaviour.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Solo per i componenti «Comportamenti organizzativi».",
    )
    delete = forms.BooleanField(label="Togli questo componente", required=False)

    def __init__(self, *args, ente, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behaviours"].queryset = Behaviour.objects.filter(ente=ente)
        for name in ("key", "label", "weight"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        self.fields["kind"].widget.attrs.setdefault("class", "form-select")
        self.fields["weight"].widget.attrs.update(PERCENT_ATTRS)
        for name in ("presence_sensitive", "delete"):
            self.fields[name].widget.attrs.setdefault("class", "form-check-input")
        self.fields["behaviours"].widget.attrs.setdefault("class", "form-check-input")

    def clean(self):
        data = super().clean()
        if data.get("behaviours") and data.get("kind") not in BEHAVIOUR_KINDS:
            self.add_error(
                "behaviours",
                "Si scelgono comportamenti solo per il componente «Comportamenti organizzativi».",
            )
        return data


class BaseComponentFormSet(forms.BaseFormSet):
    def __init__(self, *args, ente, **kwargs):
        self.ente = ente
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "ente": self.ente}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            ente=self.ente,
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        keys = [
            form.cleaned_data.get("key")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("delete")
        ]
        duplicates = sorted({key for key in keys if key and keys.count(key) > 1})
        if duplicates:
            raise ValidationError(
                "Ogni componente ha una chiave diversa: ripetuta «" + ", ".join(duplicates) + "»."
            )

    def components(self) -> list[dict]:
        rows = []
        for order, form in enumerate(self.forms, start=1):
            data = form.cleaned_data
            if not data or data.get("delete"):
                continue
            rows.append(
                {
                    "key": data["key"],
                    "kind": data["kind"],
                    "label": data["label"],
                    "weight": data["weight"],
                    "presence_sensitive": data.get("presence_sensitive", False),
                    "order": order,
                    "behaviours": [
                        {"behaviour": behaviour, "order": position}
                        for position, behaviour in enumerate(data.get("behaviours") or [], 1)
                    ],
                }
            )
        return rows


ComponentFormSet = forms.formset_factory(
    ComponentForm, formset=BaseComponentFormSet, extra=1, can_delete=False
)


def component_initial(scheme: EvaluationScheme) -> list[dict]:
    return [
        {
            "key": component.key,
            "kind": component.kind,
            "label": component.label,
            "weight": component.weight,
            "presence_sensitive": component.presence_sensitive,
            "behaviours": [link.behaviour_id for link in component.behaviours.all()],
        }
        for component in scheme.components.all()
    ]


class BandForm(PerformaForm):
    min_points = ItalianDecimalField(label="Da punti", max_digits=6, decimal_places=2)
    max_points = ItalianDecimalField(label="A punti", max_digits=6, decimal_places=2)
    premium_percent = ItalianDecimalField(
        label="Premio %", max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    label = forms.CharField(label="Denominazione", max_length=120, required=False)
    delete = forms.BooleanField(label="Togli questa fascia", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("min_points", "max_points", "premium_percent", "label"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
            if name != "label":
                self.fields[name].widget.attrs.update(inputmode="decimal", step="0.01")
        self.fields["delete"].widget.attrs.setdefault("class", "form-check-input")

    def clean(self):
        data = super().clean()
        low, high = data.get("min_points"), data.get("max_points")
        if low is not None and high is not None and low > high:
            self.add_error("max_points", "Il limite superiore è minore di quello inferiore.")
        return data


class BaseBandFormSet(forms.BaseFormSet):
    def bands(self) -> list[dict]:
        rows = []
        for order, form in enumerate(self.forms, start=1):
            data = form.cleaned_data
            if not data or data.get("delete"):
                continue
            rows.append(
                {
                    "min_points": data["min_points"],
                    "max_points": data["max_points"],
                    "premium_percent": data["premium_percent"],
                    "label": data.get("label", ""),
                    "order": order,
                }
            )
        return rows


BandFormSet = forms.formset_factory(BandForm, formset=BaseBandFormSet, extra=1)


def band_initial(scheme: EvaluationScheme) -> list[dict]:
    return [
        {
            "min_points": band.min_points,
            "max_points": band.max_points,
            "premium_percent": band.premium_percent,
            "label": band.label,
        }
        for band in scheme.bands.all()
    ]


# ---------------------------------------------------------------------------------------------
# The scheda: scoring and workflow
# ---------------------------------------------------------------------------------------------


class Line:
    """One scored line of the form: a behaviour, an objective or a whole component."""

    def __init__(self, component, *, behaviour=None, objective=None, item=None):
        self.component = component
        self.behaviour = behaviour
        self.objective = objective
        self.item = item
        suffix = f"b{behaviour.pk}" if behaviour else f"o{objective.pk}" if objective else "c"
        self.name = f"c{component.pk}_{suffix}"

    @property
    def is_behaviour(self) -> bool:
        return self.behaviour is not None

    @property
    def label(self) -> str:
        if self.behaviour is not None:
            return self.behaviour.name
        if self.objective is not None:
            code = f"{self.objective.code} " if self.objective.code else ""
            return f"{code}{self.objective.title}"
        return self.component.label


def scheda_lines(scheda, items) -> list[Line]:
    """The lines of the scheda in the order of its scheme, with the items already saved."""
    saved = {(i.component_id, i.behaviour_id, i.objective_id): i for i in items}
    lines: list[Line] = []
    for component in scheda.scheme.components.all():
        if component.kind in BEHAVIOUR_KINDS:
            for link in component.behaviours.all():
                item = saved.get((component.pk, link.behaviour_id, None))
                lines.append(Line(component, behaviour=link.behaviour, item=item))
            continue
        objective_items = [
            i for key, i in saved.items() if key[0] == component.pk and key[2] is not None
        ]
        if objective_items:
            for item in objective_items:
                lines.append(Line(component, objective=item.objective, item=item))
        else:
            lines.append(Line(component, item=saved.get((component.pk, None, None))))
    return lines


class ScoreForm(PerformaForm):
    """Scores of every line of a scheda; `expected_version` guards against lost updates."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, scheda, lines: list[Line], **kwargs):
        super().__init__(*args, **kwargs)
        self.scheda = scheda
        self.lines = lines
        scheme = scheda.scheme
        scale = range(scheme.behaviour_scale_min, scheme.behaviour_scale_max + 1)
        if not self.is_bound:
            self.initial["expected_version"] = scheda.version
        for line in lines:
            initial = line.item.raw_score if line.item is not None else None
            if line.is_behaviour:
                descriptors = {
                    level.get("score"): level.get("descriptor", "")
                    for level in line.behaviour.levels or []
                }
                choices = [
                    (
                        str(value),
                        f"{value} – {descriptors[value]}" if descriptors.get(value) else str(value),
                    )
                    for value in scale
                ]
                field = forms.ChoiceField(
                    label=line.label,
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                    help_text=line.behaviour.description,
                )
                if initial is not None:
                    self.initial.setdefault(line.name, str(int(initial)))
            else:
                field = forms.CharField(
                    label=f"{line.label}: grado di raggiungimento %",
                    required=False,
                    widget=forms.TextInput(attrs={"class": "form-control", **PERCENT_ATTRS}),
                )
                if initial is not None:
                    self.initial.setdefault(line.name, str(initial).replace(".", ","))
            self.fields[line.name] = field
            note = forms.CharField(
                label=f"Motivazione: {line.label}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
            if line.item is not None:
                self.initial.setdefault(f"{line.name}_note", line.item.note)
            self.fields[f"{line.name}_note"] = note

    def bound_lines(self):
        """(line, score field, note field) for the template."""
        return [(line, self[line.name], self[f"{line.name}_note"]) for line in self.lines]

    def clean(self):
        data = super().clean()
        for line in self.lines:
            if line.is_behaviour:
                continue
            try:
                value = parse_decimal(self.data.get(self.add_prefix(line.name)), label=line.label)
            except ServiceError as error:
                self.add_error(line.name, error.message)
                continue
            if value is not None and not Decimal(0) <= value <= Decimal(100):
                self.add_error(line.name, f"{line.label}: il grado va da 0 a 100.")
                continue
            data[line.name] = value
        return data

    def items(self) -> list[dict]:
        data = self.cleaned_data
        rows = []
        for line in self.lines:
            value = data.get(line.name)
            if line.is_behaviour:
                value = Decimal(value) if value not in (None, "") else None
            rows.append(
                {
                    "component": line.component,
                    "behaviour": line.behaviour,
                    "objective": line.objective,
                    "raw_score": value,
                    "note": data.get(f"{line.name}_note", ""),
                }
            )
        return rows


class InterviewForm(PerformaForm):
    date = forms.DateField(label="Data del colloquio", widget=DATE_WIDGET)
    notes = forms.CharField(label="Note del colloquio", required=False, widget=TEXTAREA)


class SelfEvaluationForm(PerformaForm):
    text = forms.CharField(
        label="Autovalutazione",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Il testo resta nella scheda e nel PDF, accanto alle osservazioni del "
        "valutatore.",
    )

    def add_service_error(self, error) -> None:
        # The service names the model field; here it is `text`.
        if error.field == "self_evaluation_text":
            self.add_error("text", error.message)
        else:
            super().add_service_error(error)


class ContestForm(PerformaForm):
    reason = forms.CharField(
        label="Motivi della contestazione",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Indica le voci che contesti e perché: la richiesta avvia la conciliazione.",
    )


class ConciliationScheduleForm(PerformaForm):
    meeting_date = forms.DateField(label="Data dell'incontro", widget=DATE_WIDGET)
    notes = forms.CharField(label="Note / convocazione", required=False, widget=TEXTAREA)


class ConciliationDecideForm(PerformaForm):
    outcome = forms.ChoiceField(label="Esito", choices=Conciliation.Outcome.choices)
    outcome_text = forms.CharField(label="Motivazione dell'esito", widget=TEXTAREA)
    decided_by = forms.CharField(
        label="Chi ha deciso",
        max_length=255,
        help_text="Es. Nucleo di Valutazione, verbale n. 3 del 10/05/2026.",
    )
    new_points = ItalianDecimalField(
        label="Nuovo punteggio",
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text="Solo se la valutazione è modificata.",
    )

    def clean(self):
        data = super().clean()
        modified = data.get("outcome") == Conciliation.Outcome.MODIFIED
        if modified and data.get("new_points") is None:
            self.add_error("new_points", "Indica il punteggio dopo la conciliazione.")
        if not modified and data.get("new_points") is not None:
            self.add_error(
                "new_points", "Il nuovo punteggio si indica solo se la valutazione è modificata."
            )
        return data


REOPEN_STATES = [
    (SchedaState.DRAFT, "Bozza (il valutatore rivede i punteggi)"),
    (SchedaState.PROPOSED, "Proposta (si ripete il colloquio)"),
    (SchedaState.INTERVIEW, "Colloquio svolto (si ripete la consegna)"),
    (
        SchedaState.DELIVERED,
        "Consegnata (riapre i termini per la presa visione e la contestazione)",
    ),
]


class ReopenForm(PerformaForm):
    to_state = forms.ChoiceField(label="Riporta la scheda allo stato", choices=REOPEN_STATES)
    reason = forms.CharField(label="Motivo della riapertura", widget=TEXTAREA)


for _form in (
    InterviewForm,
    ContestForm,
    ConciliationScheduleForm,
    ConciliationDecideForm,
    ReopenForm,
):
    for _field in _form.base_fields.values():
        if isinstance(_field.widget, forms.Select):
            _field.widget.attrs.setdefault("class", "form-select")
        elif not isinstance(_field.widget, forms.HiddenInput):
            _field.widget.attrs.setdefault("class", "form-control")
