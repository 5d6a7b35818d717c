"""Forms of the payments pages: they convert and check the format; the services decide."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms

from core.forms import DATE_WIDGET, ItalianDecimalField, PerformaForm
from engine import payments as ep
from payments.columns import COLUMNS, FIELDS
from payments.values import parse_amount


class ItalianAmountField(forms.CharField):
    """An amount written the Italian way («250.000,00»)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_amount(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class UploadForm(PerformaForm):
    file = forms.FileField(
        label="File delle fatture",
        help_text=(
            "CSV (UTF-8 o Windows-1252, separato da punto e virgola o virgola) o XLSX, "
            "esportato dalla contabilità o dalla Piattaforma dei Crediti Commerciali."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    source_name = forms.CharField(
        label="Sorgente",
        max_length=120,
        required=False,
        help_text=(
            "Es. «Contabilità» o «PCC»: la corrispondenza delle colonne si salva con questo "
            "nome e si ripropone alla prossima importazione."
        ),
    )

    def __init__(self, *args, sources: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if sources:
            self.fields["source_name"].widget.attrs["list"] = "sorgenti"
        self.sources = sources


class MappingForm(PerformaForm):
    """One select per field of Performa, offering the file's headers."""

    def __init__(self, *args, headers: list[str], mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— non presente —")] + [(h, h) for h in headers if h]
        names = [column.field for column in COLUMNS]
        extra = sorted(
            (name for name in mapping if "#" in name),
            key=lambda n: (n.split("#")[0], int(n.split("#")[1])),
        )
        for name in names + extra:
            field, _, number = name.partition("#")
            column = FIELDS[field]
            label = column.label + (f" {number}" if number else "")
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=mapping.get(name, ""),
                help_text=column.help if not number else "",
            )

    def mapping(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}


CAUSE_CHOICES = [(cause.value, cause.label) for cause in ep.SuspensionCause]


class RulesForm(PerformaForm):
    term_days = forms.TypedChoiceField(
        label="Termine di pagamento in assenza di scadenza",
        choices=[(30, "30 giorni dalla ricezione"), (60, "60 giorni dalla ricezione")],
        coerce=int,
        help_text="Art. 4 D.Lgs. 231/2002: 30 giorni, fino a 60 dove i contratti lo prevedono.",
    )
    deduct_causes = forms.MultipleChoiceField(
        label="Sospensioni che non contano come ritardo",
        choices=CAUSE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="DPCM 22/9/2014 art. 9 c.5: i periodi in cui la somma non era esigibile.",
    )
    unpaid_reference = forms.ChoiceField(
        label="Ritardo delle fatture scadute e non pagate calcolato fino a",
        choices=[(r.value, r.label) for r in ep.UnpaidReference],
        help_text="L. 145/2018 c. 861: la data non è precisata dalla norma; il valore è una stima.",
    )
    round_delay = forms.BooleanField(
        label="Confronta il ritardo in giorni interi (come la PCC)", required=False
    )
    objective_rule = forms.ChoiceField(
        label="Grado di raggiungimento dell'obiettivo sui tempi di pagamento",
        choices=[(r.value, r.label) for r in ep.ObjectiveRule],
        help_text=(
            "La circolare RGS-DFP n. 1/2024 prevede che, se l'obiettivo non è raggiunto, la quota "
            "di retribuzione di risultato collegata non si paghi: le regole proporzionali sono "
            "una scelta del SMVP da motivare."
        ),
    )
    objective_scope = forms.ChoiceField(
        label="Fatture su cui si misura l'obiettivo del responsabile",
        choices=[(s.value, s.label) for s in ep.ObjectiveScope],
    )
    objective_target_days = ItalianDecimalField(
        label="Ritardo massimo ammesso (giorni)",
        max_value=0,
        min_value=-365,
        decimal_places=2,
        help_text="0 per legge; un valore negativo è un obiettivo più severo.",
    )
    proportional_zero_days = forms.IntegerField(
        label="Regola proporzionale: giorni di ritardo a cui il grado è zero",
        min_value=1,
        max_value=3660,
    )
    max_points = ItalianDecimalField(
        label="Tabella di valutazione: punteggio massimo", min_value=Decimal("0.01")
    )
    incidence_target = ItalianDecimalField(
        label="Incidenza dello scaduto sulle fatture ricevute (%)", min_value=0, max_value=100
    )
    reduction_target = ItalianDecimalField(
        label="Stock rispetto all'anno precedente (%)", min_value=0, max_value=100
    )
    debt_method = forms.ChoiceField(
        label="Punteggio dello stock oltre i limiti",
        choices=[
            (ep.DebtMethod.RATIO.value, "Valore atteso / valore rilevato"),
            (ep.DebtMethod.LINEAR.value, "Lineare sullo scostamento in punti"),
        ],
    )
    debt_zero_at_points = ItalianDecimalField(
        label="Lineare: punti di scostamento a cui il punteggio è zero", min_value=Decimal("0.01")
    )
    delay_zero_days = forms.IntegerField(
        label="Ritardo: giorni oltre il valore atteso a cui il punteggio è zero",
        min_value=1,
        max_value=3660,
    )
    debt_weight = ItalianDecimalField(label="Peso dello stock nella tabella", min_value=0)
    delay_weight = ItalianDecimalField(label="Peso del ritardo nella tabella", min_value=0)

    TABLE = (
        "max_points",
        "incidence_target",
        "reduction_target",
        "debt_method",
        "debt_zero_at_points",
        "delay_zero_days",
        "debt_weight",
        "delay_weight",
    )

    def __init__(self, *args, rules: ep.PaymentRules, **kwargs):
        data = rules.to_dict()
        table = data.pop("evaluation")
        table.pop("delay_target")
        kwargs.setdefault("initial", {**data, **table})
        super().__init__(*args, **kwargs)

    def rules_data(self) -> dict:
        values = dict(self.cleaned_data)
        table = {name: values.pop(name) for name in self.TABLE}
        values["objective_target_days"] = str(values["objective_target_days"])
        for name in ("max_points", "incidence_target", "reduction_target", "debt_zero_at_points"):
            table[name] = str(table[name])
        for name in ("debt_weight", "delay_weight"):
            table[name] = str(table[name])
        table["delay_target"] = values["objective_target_days"]
        values["evaluation"] = table
        return values


class WhatIfForm(PerformaForm):
    invoices = forms.MultipleChoiceField(
        label="Fatture da pagare",
        widget=forms.CheckboxSelectMultiple,
        help_text="Le fatture non pagate che pesano di più sul ritardo.",
    )
    day = forms.DateField(label="Pagate entro il", widget=DATE_WIDGET)

    def __init__(self, *args, candidates: list[dict], year: int, **kwargs):
        kwargs.setdefault("initial", {"day": dt.date(year, 12, 31)})
        super().__init__(*args, **kwargs)
        self.fields["invoices"].choices = [
            (str(row["invoice_id"]), f"{row['number'] or row['invoice_id']} – {row['supplier']}")
            for row in candidates
        ]

    def invoice_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data["invoices"]]


class FgdcForm(PerformaForm):
    appropriation = ItalianAmountField(
        label="Stanziamento per acquisto di beni e servizi (€)",
        required=False,
        help_text=(
            "Stanziamenti di parte corrente per beni e servizi dell'esercizio, al netto di quelli "
            "finanziati da entrate con vincolo di destinazione (L. 145/2018 c. 862-863)."
        ),
    )
    data_published = forms.BooleanField(
        label="Dati sul debito pubblicati (art. 33 D.Lgs. 33/2013) e trasmessi alla PCC",
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
