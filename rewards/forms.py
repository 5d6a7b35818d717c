"""Forms of the funds and the premium distributions.

They convert and check the format; `rewards.services` applies the CCNL and the integrative
contract (and says, in Italian, what is wrong).
"""

from __future__ import annotations

from django import forms

from core.forms import TEXTAREA, ItalianDecimalField, ModelFieldsForm, PerformaForm
from engine import premiums as ep
from rewards.models import Fund

AMOUNT_ATTRS = {"inputmode": "decimal", "step": "0.01", "min": "0"}


class FundForm(ModelFieldsForm):
    model = Fund
    field_names = ("year", "kind", "label", "amount", "pool_amount", "act_label", "note")
    widgets = {"note": TEXTAREA}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].widget.attrs.update(AMOUNT_ATTRS)
        self.fields["pool_amount"].widget.attrs.update(AMOUNT_ATTRS)
        if editing:
            # Year and kind identify the fund: a different year or kind is a different fund.
            del self.fields["year"]
            del self.fields["kind"]


# The parameters of the integrative contract that the what-if form lets one change, by kind of
# fund; the others keep the fund's defaults (`services.distribution_parameters_default`).
STAFF_WHAT_IF = {
    "differentiation_share_percent": (
        "Quota di personale con la maggiorazione (%)",
        "Percentuale del personale valutato positivamente che riceve la maggiorazione "
        "(art. 69 CCNL 2018, art. 81 CCNL 2022).",
    ),
    "maggiorazione_percent": (
        "Maggiorazione del premio (% del premio medio)",
        "Quanto si aggiunge, in percentuale del premio medio pro capite, a chi riceve la "
        "maggiorazione: almeno 30.",
    ),
}
RESULT_WHAT_IF = {
    "max_result_rate": (
        "Risultato massimo (% della retribuzione di posizione)",
        "Retribuzione di risultato di chi è nella fascia che dà il 100\u00a0% del premio.",
    ),
    "eq_result_min_percent": (
        "Quota minima di risultato (%)",
        "Parte minima del fondo di posizione e risultato destinata al risultato: almeno 15 "
        "(art. 15 c.4 CCNL 2018, art. 17 c.4 CCNL 2022).",
    ),
}


class ParameterForm(PerformaForm):
    """A form of distribution parameters: the services' refusals next to their fields."""

    def add_parameter_errors(self, errors: dict[str, str], labels: dict[str, str]) -> None:
        """One message per wrong parameter, next to its field when the form shows it."""
        for key, message in errors.items():
            if key in self.fields:
                self.add_error(key, message)
            else:
                self.add_error(None, f"{labels.get(key, key)}: {message}")


class WhatIfForm(ParameterForm):
    """The few numbers to try out; the other parameters keep the fund's defaults."""

    def __init__(self, *args, defaults: dict, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.defaults = defaults
        for key, (label, help_text) in (STAFF_WHAT_IF if staff else RESULT_WHAT_IF).items():
            self.fields[key] = ItalianDecimalField(
                label=label,
                help_text=help_text,
                max_digits=7,
                decimal_places=2,
                min_value=0,
                max_value=100,
                widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}),
            )
            if not self.is_bound:
                self.initial[key] = defaults.get(key)

    def parameters(self) -> dict:
        """The fund's defaults with the values tried out."""
        data = dict(self.defaults)
        for key in self.fields:
            value = self.cleaned_data.get(key)
            if value is not None:
                data[key] = value
        return data


SECOND_CRITERIA = [("", "— nessuno —")] + [
    (member.value, member.label) for member in ep.TieBreak if member is not ep.TieBreak.SCORE
]


class IntegrativeContractForm(ParameterForm):
    """The premium rules of the ente's integrative contract; empty fields keep the CCNL's."""

    label = forms.CharField(label="Denominazione", max_length=255, help_text="Es. CCDI 2023-2025.")
    act_label = forms.CharField(label="Atto di sottoscrizione", max_length=255, required=False)
    first_year = forms.IntegerField(label="Dall'anno", min_value=2000, max_value=2100)
    last_year = forms.IntegerField(
        label="All'anno",
        min_value=2000,
        max_value=2100,
        required=False,
        help_text="Vuoto: in vigore.",
    )
    criterion_2 = forms.ChoiceField(
        label="Secondo criterio di graduatoria",
        choices=SECOND_CRITERIA,
        required=False,
        help_text="A parità di punteggio; mai l'ordine di registrazione delle persone.",
    )
    criterion_3 = forms.ChoiceField(
        label="Terzo criterio di graduatoria", choices=SECOND_CRITERIA, required=False
    )
    criterion_4 = forms.ChoiceField(
        label="Quarto criterio di graduatoria", choices=SECOND_CRITERIA, required=False
    )
    cutoff_ties = forms.ChoiceField(
        label="Pari merito al limite della quota",
        choices=[(member.value, member.label) for member in ep.CutoffTies],
        initial=ep.DEFAULT_CUTOFF_TIES.value,
        help_text="Chi resta pari dopo tutti i criteri è trattato allo stesso modo.",
    )
    differentiation_share_percent = ItalianDecimalField(
        label="Quota di personale con la maggiorazione (%)",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        help_text="Vuoto: il valore del CCNL in vigore.",
    )
    maggiorazione_percent = ItalianDecimalField(
        label="Maggiorazione del premio (% del premio medio)",
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        help_text="Almeno 30. Vuoto: il valore del CCNL in vigore.",
    )

    def parameters(self) -> dict:
        data = self.cleaned_data
        criteria = ["score"] + [
            data[name] for name in ("criterion_2", "criterion_3", "criterion_4") if data.get(name)
        ]
        rules = {"tie_break": criteria, "cutoff_ties": data["cutoff_ties"]}
        for key in ("differentiation_share_percent", "maggiorazione_percent"):
            if data.get(key) is not None:
                rules[key] = data[key]
        return rules
