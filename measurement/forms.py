"""Forms of the monitoring pages.

They only convert and check the format; the business rules (closed windows, dates inside the
cycle, a deviation note for a value off target, file types) live in `measurement.services`,
whose Italian messages the views attach to the right field with `add_service_error`.
Values are taken as typed (`CharField`): the service reads Italian numbers («1.700,5»).
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings as django_settings

from core.forms import PerformaForm
from core.limits import MAX_JSON_DEPTH, json_depth_exceeded
from engine.config import MissingPolicy, ObjectiveAggregation, ScoringMethod, ToleranceKind
from engine.numbers import format_number, json_decimal, parse_number
from measurement import access as rules
from measurement.models import MonitoringWindow, PeriodKind
from measurement.services import EVIDENCE_TYPES
from organization.models import Person

DATE_FORMAT = "%Y-%m-%d"
# The file picker offers exactly the types `services.evidence_add` accepts.
EVIDENCE_EXTENSIONS = ",".join(f".{extension}" for extension in EVIDENCE_TYPES)

METHOD_CHOICES = [(member.value, member.label) for member in ScoringMethod]
AGGREGATION_CHOICES = [(member.value, member.label) for member in ObjectiveAggregation]
MISSING_CHOICES = [
    (MissingPolicy.EXCLUDE.value, "Esclusi, con i pesi ridistribuiti sugli altri"),
    (MissingPolicy.ZERO.value, "Contano come 0 %"),
]
TOLERANCE_CHOICES = [
    (ToleranceKind.PERCENT.value, "In percentuale del target"),
    (ToleranceKind.ABSOLUTE.value, "Nell'unità di misura dell'indicatore"),
]


def _date_input(**attrs) -> forms.DateInput:
    return forms.DateInput(
        attrs={"type": "date", "class": "form-control", **attrs}, format=DATE_FORMAT
    )


def _text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def _textarea(rows: int = 3, **attrs) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-control", "rows": rows, **attrs})


def _number_input(**attrs) -> forms.TextInput:
    """A number typed the Italian way: a text input with the decimal keypad on phones."""
    return _text_input(inputmode="decimal", autocomplete="off", **attrs)


# The SMVP settings are a few kilobytes; anything far larger is a mistake or an attack.
MAX_SETTINGS_CHARS = 100_000


class MeasurementForm(PerformaForm):
    """A value of an indicator for a period (or its completion date for a milestone)."""

    period_kind = forms.ChoiceField(
        label="Periodo",
        choices=PeriodKind.choices,
        initial=PeriodKind.SEMESTER,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    period_end = forms.DateField(label="Fine del periodo", widget=_date_input())
    value = forms.CharField(
        label="Valore",
        required=False,
        max_length=40,
        widget=_number_input(),
        help_text="Con la virgola per i decimali, es. 1.700 oppure 60,36.",
    )
    completed_on = forms.DateField(
        label="Data di completamento",
        required=False,
        widget=_date_input(),
        help_text="Per gli indicatori a scadenza: il giorno in cui il traguardo è stato raggiunto.",
    )
    is_cumulative = forms.BooleanField(
        label="Valore cumulato dall'inizio dell'anno",
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(label="Nota", required=False, widget=_textarea(2))
    deviation_note = forms.CharField(
        label="Motivazione dello scostamento",
        required=False,
        widget=_textarea(3),
        help_text="Obbligatoria quando il valore non raggiunge il target.",
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, milestone: bool = False, prefix: str | None = None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.milestone = milestone
        if milestone:
            self.fields["value"].help_text = "Facoltativo per un traguardo: conta la data."
            self.fields[
                "completed_on"
            ].help_text = (
                "Il giorno in cui il traguardo è stato raggiunto; vuoto se non è ancora concluso."
            )
        else:
            del self.fields["completed_on"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "period_kind": data["period_kind"],
            "period_end": data["period_end"],
            "value": data["value"].strip() or None,
            "completed_on": data.get("completed_on"),
            "note": data["note"],
            "deviation_note": data["deviation_note"],
            "is_cumulative": data["is_cumulative"],
            "expected_version": data["expected_version"],
        }


class QuickValueForm(PerformaForm):
    """The inline entry of «Le mie scadenze»: the period is the one expected."""

    value = forms.CharField(label="Valore", required=False, max_length=40, widget=_number_input())
    completed_on = forms.DateField(label="Completato il", required=False, widget=_date_input())
    deviation_note = forms.CharField(
        label="Motivazione dello scostamento", required=False, widget=_textarea(2)
    )
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, descriptive: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.descriptive = descriptive
        if descriptive:  # the value of a descriptive target is the attested degree
            self.fields["value"].label = "Grado di raggiungimento attestato (da 0 a 100)"

    def clean(self):
        data = super().clean()
        if not (data.get("value") or "").strip() and not data.get("completed_on"):
            raise forms.ValidationError("Indica il valore (o la data di completamento).")
        return data


class CorrectionForm(PerformaForm):
    """A change of a value that belongs to a closed monitoring window."""

    value = forms.CharField(label="Valore corretto", required=False, max_length=40)
    completed_on = forms.DateField(label="Data di completamento corretta", required=False)
    deviation_note = forms.CharField(
        label="Motivazione dello scostamento",
        required=False,
        help_text="Obbligatoria se il valore corretto non raggiunge il target.",
    )
    reason = forms.CharField(
        label="Motivo della correzione",
        widget=_textarea(3),
        help_text="Resta registrato con il valore precedente e quello nuovo.",
    )

    def __init__(self, *args, milestone: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].widget = _number_input()
        self.fields["completed_on"].widget = _date_input()
        self.fields["deviation_note"].widget = _textarea(2)
        if not milestone:
            del self.fields["completed_on"]

    def clean(self):
        data = super().clean()
        if not (data.get("value") or "").strip() and not data.get("completed_on"):
            raise forms.ValidationError("Indica il valore corretto.")
        return data


class EvidenceForm(PerformaForm):
    file = forms.FileField(
        label="Documento di evidenza",
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": EVIDENCE_EXTENSIONS}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = django_settings.PERFORMA_EVIDENCE_MAX_BYTES
        self.fields["file"].help_text = (
            "PDF, immagini PNG o JPEG, documenti da ufficio (Word, Excel, PowerPoint, "
            f"LibreOffice), CSV o testo, al massimo {_megabytes(limit)}."
        )


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} MB"


class WindowForm(PerformaForm):
    label = forms.CharField(
        label="Denominazione",
        max_length=200,
        widget=_text_input(),
        help_text="Es. Monitoraggio al 30 giugno.",
    )
    period_end = forms.DateField(label="Data di riferimento", widget=_date_input())
    is_final = forms.BooleanField(
        label="Rilevazione finale dell'anno",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class PhaseProgressForm(PerformaForm):
    progress = forms.CharField(
        label="Avanzamento %",
        required=False,
        max_length=20,
        widget=_number_input(),
        help_text="Da 0 a 100.",
    )
    actual_end = forms.DateField(
        label="Conclusione effettiva", required=False, widget=_date_input()
    )
    actual_text = forms.CharField(label="Consuntivo", required=False, widget=_textarea(3))


class CorrectiveActionForm(PerformaForm):
    description = forms.CharField(label="Azione correttiva", widget=_textarea(3))
    due_date = forms.DateField(label="Entro il", required=False, widget=_date_input())
    window = forms.ModelChoiceField(
        label="Monitoraggio che l'ha resa necessaria",
        queryset=MonitoringWindow.objects.none(),
        required=False,
        empty_label="— nessuno —",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = MonitoringWindow.objects.filter(cycle=cycle)


DELEGATE_MATCHES = 10  # people proposed at most for one search


class DelegateForm(PerformaForm):
    """The delegate as typed (surname and name, or key) or picked among the people proposed by
    the search; only the people of the objective's unit are accepted (`delegate_candidates`),
    so the page never lists the whole ente."""

    person = forms.CharField(
        label="Persona delegata",
        max_length=200,
        required=False,
        help_text="Cognome e nome, o la chiave della persona: solo il personale dell'unità "
        "dell'obiettivo e delle sue sottounità.",
        widget=forms.SearchInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    # the button of a person proposed by the search: their key
    scelta = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, objective, search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.objective = objective
        self.matches: list[Person] = []  # proposed again when the text names several people
        if search_url:
            self.fields["person"].widget.attrs.update(
                {
                    "hx-get": search_url,
                    "hx-trigger": "input changed delay:300ms, search",
                    "hx-target": "#delegati-trovati",
                    "aria-controls": "delegati-trovati",
                }
            )

    def clean(self):
        data = super().clean()
        text = (data.get("scelta") or data.get("person") or "").strip()
        if not text:
            self.add_error("person", "Indica la persona da delegare: cognome e nome, o chiave.")
            return data
        person = self._resolve(text)
        if person is not None:
            data["person"] = person
        return data

    def _resolve(self, text: str) -> Person | None:
        """The one person `text` names among those who may be delegates, else an error."""
        candidates = rules.delegate_candidates(self.objective)
        by_key = candidates.filter(key__iexact=text).first()
        if by_key is not None:
            return by_key
        found = list(rules.matching(candidates, text)[: DELEGATE_MATCHES + 1])
        exact = [p for p in found if _names(p, text)]
        if len(exact) == 1 or len(found) == 1:
            return exact[0] if exact else found[0]
        if found:
            self.matches = found[:DELEGATE_MATCHES]
            self.add_error(
                "person",
                f"Più persone corrispondono a «{text}»: scegli tra quelle proposte o scrivi "
                "la chiave.",
            )
            return None
        elsewhere = rules.matching(Person.objects.filter(ente=self.objective.cycle.ente), text)
        outside = elsewhere.first()
        unit = self.objective.unit
        if outside is not None and unit is not None:
            self.add_error(
                "person",
                f"{outside.display_name} non lavora nell'unità «{unit.name}» né nelle sue "
                "sottounità: può essere delegato solo il personale dell'unità dell'obiettivo.",
            )
        else:
            self.add_error("person", f"Nessuna persona dell'ente corrisponde a «{text}».")
        return None


def _names(person: Person, text: str) -> bool:
    """`text` is the person's key or full name (either order), whatever the case."""
    wanted = " ".join(text.split()).casefold()
    full = {
        f"{person.last_name} {person.first_name}".casefold(),
        f"{person.first_name} {person.last_name}".casefold(),
        person.key.casefold(),
    }
    return wanted in full


class SmvpSettingsForm(PerformaForm):
    """The main choices of the SMVP, or the whole settings as JSON for the rest."""

    method = forms.ChoiceField(
        label="Metodo di calcolo del raggiungimento degli indicatori",
        choices=METHOD_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    tolerance = forms.CharField(
        label="Tolleranza",
        max_length=20,
        widget=_number_input(),
        help_text="Uno scostamento entro la tolleranza vale come target raggiunto (0 = nessuna).",
    )
    tolerance_kind = forms.ChoiceField(
        label="La tolleranza si esprime",
        choices=TOLERANCE_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    minimum = forms.CharField(
        label="Soglia minima di raggiungimento %",
        max_length=20,
        widget=_number_input(),
        help_text="Sotto questa percentuale l'indicatore vale 0 %.",
    )
    cap = forms.CharField(
        label="Raggiungimento massimo riconoscibile %",
        max_length=20,
        widget=_number_input(),
        help_text="100 se non si riconosce il superamento del target; fino a 200.",
    )
    objective_aggregation = forms.ChoiceField(
        label="Come si calcola il raggiungimento di un obiettivo",
        choices=AGGREGATION_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    missing = forms.ChoiceField(
        label="Dati mancanti",
        choices=MISSING_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    advanced = forms.CharField(
        label="Tutte le impostazioni (JSON, per utenti esperti)",
        required=False,
        widget=_textarea(14, spellcheck="false", **{"class": "form-control font-monospace"}),
        help_text=(
            "Se modifichi questo testo valgono le impostazioni scritte qui (fasce, ritardi, "
            "soglie di stato, composizione dell'ente) e i campi sopra sono ignorati."
        ),
    )

    SIMPLE = ("method", "tolerance", "tolerance_kind", "minimum", "cap", "objective_aggregation")

    def __init__(self, *args, current: dict, **kwargs):
        self.current = current
        indicator = current.get("indicator", {})
        initial = {
            "method": indicator.get("method"),
            "tolerance": _it(indicator.get("tolerance")),
            "tolerance_kind": indicator.get("tolerance_kind"),
            "minimum": _it(indicator.get("minimum")),
            "cap": _it(current.get("cap")),
            "objective_aggregation": current.get("objective_aggregation"),
            "missing": current.get("missing"),
            "advanced": self.dump(current),
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    @staticmethod
    def dump(data: dict) -> str:
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)

    def clean_advanced(self) -> dict | None:
        text = self.cleaned_data["advanced"].strip()
        if json_depth_exceeded(text) or len(text) > MAX_SETTINGS_CHARS:
            raise forms.ValidationError(
                f"Il testo JSON è troppo annidato (più di {MAX_JSON_DEPTH} livelli) o troppo "
                f"lungo (più di {MAX_SETTINGS_CHARS} caratteri): le impostazioni del SMVP non "
                "lo sono mai."
            )
        if not text or _same_json(text, self.current):
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Il testo JSON non è valido (riga {error.lineno}, colonna {error.colno})."
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(
                "Il testo JSON deve essere un oggetto tra parentesi graffe."
            )
        return data

    def settings_data(self) -> dict:
        """The whole settings to save: the JSON when changed, otherwise the simple choices."""
        data = self.cleaned_data
        if data.get("advanced") is not None:
            return data["advanced"]
        result = json.loads(json.dumps(self.current))
        indicator = result.setdefault("indicator", {})
        indicator["method"] = data["method"]
        indicator["tolerance"] = _machine(data["tolerance"])
        indicator["tolerance_kind"] = data["tolerance_kind"]
        indicator["minimum"] = _machine(data["minimum"])
        result["cap"] = _machine(data["cap"])
        result["objective_aggregation"] = data["objective_aggregation"]
        result["missing"] = data["missing"]
        return result


def _it(value) -> str:
    """A stored setting («1.5» in JSON) as a person reads it («1,5»)."""
    try:
        return "" if value is None else format_number(json_decimal(value))
    except (TypeError, ValueError):
        return str(value)


def _machine(text: str) -> str:
    """A number typed the Italian way («1.700» is 1700, «2,5») as the settings store it
    («1700», «2.5»); other text passes unchanged so that the settings reader reports it."""
    try:
        return format(parse_number(text), "f")
    except ValueError:
        return text.strip()


def _same_json(text: str, data: dict) -> bool:
    try:
        return json.loads(text) == json.loads(json.dumps(data))
    except json.JSONDecodeError:
        return False
