"""Template filters of the monitoring pages: bars and «come è calcolato» (numbers and
percentages: the builtins of `core.templatetags.formatting`)."""

from __future__ import annotations

import datetime as dt

from django import template

from core.templatetags.formatting import as_decimal
from engine.numbers import HUNDRED, ZERO, format_number

register = template.Library()

# Italian names of the inputs an explanation carries (engine.explanation.Explanation.data).
INPUT_LABELS = {
    "target_kind": "Tipo di target",
    "target": "Target",
    "target_to": "Fino a",
    "previous_value": "Valore dell'anno precedente",
    "measured": "Valore misurato",
    "baseline": "Valore di partenza (baseline)",
    "method": "Metodo",
    "raw": "Raggiungimento prima dei limiti",
    "deviation": "Scostamento %",
    "minimum": "Soglia minima %",
    "cap": "Massimo riconoscibile %",
    "percent": "Risultato %",
    "due_date": "Scadenza",
    "completed_on": "Concluso il",
    "as_of": "Situazione al",
    "late_policy": "Regola per i ritardi",
    "days_late": "Giorni di ritardo",
    "policy": "Dati mancanti",
    "equal_weights": "Pesi uguali",
    "total_weight": "Somma dei pesi",
    "achievement": "Raggiungimento",
    "evaluation_date": "Data di valutazione",
    "deadline": "Scadenza",
    "period_start": "Inizio del periodo",
}
VALUE_WORDS = {
    True: "sì",
    False: "no",
    "exclude": "esclusi, pesi ridistribuiti",
    "zero": "valgono 0 %",
    "linear": "lineare",
    "ratio": "rapporto al target",
    "binary": "tutto o niente",
    "bands": "fasce",
    "gte": "≥ valore",
    "gt": "> valore (superiore a)",
    "lte": "≤ valore",
    "lt": "< valore (inferiore a)",
    "eq": "= valore",
    "between": "compreso tra",
    "gte_previous": "≥ anno precedente",
    "gt_previous": "> anno precedente",
    "lte_previous": "≤ anno precedente",
    "lt_previous": "< anno precedente",
    "by_date": "entro la data",
    "value": "valore atteso",
    "text": "descrittivo",
}


@register.filter
def bar_width(value) -> str:
    """Width of a bar in % (0..100, dot decimal for CSS); over-achievement fills the bar."""
    number = as_decimal(value)
    if number is None:
        return "0"
    number = max(ZERO, min(HUNDRED, number))
    return f"{number:.2f}"


@register.filter
def explanation_inputs(explanation) -> list[tuple[str, str]]:
    """The inputs of a «come è calcolato», as (Italian name, value) pairs, known keys only."""
    data = getattr(explanation, "data", None)
    if data is None and isinstance(explanation, dict):
        data = explanation.get("data")
    rows = []
    for key, label in INPUT_LABELS.items():
        if not data or key not in data:
            continue
        value = data[key]
        if value is None or value == "":
            continue
        rows.append((label, _shown(value)))
    return rows


def _shown(value) -> str:
    if isinstance(value, bool):
        return VALUE_WORDS[value]
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = getattr(value, "value", value)
    if isinstance(text, str) and text in VALUE_WORDS:
        return VALUE_WORDS[text]
    if isinstance(text, str):
        try:
            return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            pass
    number = as_decimal(text)
    if number is not None:
        return format_number(number)
    return str(text)
