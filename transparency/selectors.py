"""The art. 20 D.Lgs. 33/2013 tables as «Amministrazione Trasparente > Performance» publishes them.

The aggregates themselves (`art20_tables`, the bands, the small groups withheld) belong to the
premiums and live in `rewards.aggregates`, so that rewards and the documents read them without
importing this app; this module adds the open-format CSV of the public page.
"""

from __future__ import annotations

from typing import Any

from rewards.aggregates import art20_tables, art20_version

__all__ = ["CSV_HEADER", "PUBLIC_KEYS", "art20_csv_rows", "art20_tables", "art20_version"]

# The public keys of the «dati relativi ai premi» rows of the CSV: Italian, stable (a program
# that reads the file may rely on them) and documented in docs/trasparenza.md.
PUBLIC_KEYS = {
    "evaluated": "valutati",
    "awarded": "premiati",
    "selectivity_percent": "selettivita_percentuale",
    "total_paid": "totale_distribuito_euro",
    "mean_premium": "premio_medio_euro",
    "min_premium": "premio_minimo_euro",
    "max_premium": "premio_massimo_euro",
    "differentiation_percent": "differenziazione_percentuale",
    "mean_score": "punteggio_medio",
}
CSV_HEADER = ("sezione", "voce", "categoria", "valore")


def art20_csv_rows(tables: dict[str, Any]) -> list[list[str]]:
    """The tables as rows for an open-format CSV (art. 7 D.Lgs. 33/2013), without the header
    (`CSV_HEADER`); numbers as decimal strings with the point («66.67»)."""
    rows = []
    for row in tables["amounts"]["rows"]:
        rows.append(["premi stanziati", row["label"], row["category"], row["allocated"]])
        rows.append(["premi distribuiti", row["label"], row["category"], row["distributed"] or ""])
    for category in tables["categories"]:
        name = category["category"]
        for key, public in PUBLIC_KEYS.items():
            value = category[key]
            rows.append(
                ["dati relativi ai premi", public, name, "" if value is None else str(value)]
            )
        for band in category["bands"]:
            count = "" if band["count"] is None else str(band["count"])
            rows.append(["distribuzione per fascia", band["text"], name, count])
        if category.get("suppressed"):
            rows.append(["riservatezza", "dati_non_mostrati", name, category["reason"]])
    return rows
