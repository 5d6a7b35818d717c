"""Print the payment indicators of an ente (or one unit) for a year.

    manage.py payment_indicators --ente comune-x --year 2024 [--unit polizia-locale]
                                 [--reference-date 2025-01-31] --format json|csv

The figures are computed from the stored invoices: quarterly and annual ITP, indicatore di
ritardo annuale (unpaid invoices delayed to the reference date: by default the rules' choice),
debt stock at 31/12 with the two tests, FGDC rate, evaluation table and the payment-time
objective; each with its «come è calcolato». csv prints one row per figure.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from core.tabular import MACHINE, write_csv
from organization.models import Unit
from payments import services
from planning.commands import ente_named


class Command(BaseCommand):
    help = "Indicatori dei tempi di pagamento di un ente (o di una struttura) per un anno."

    def add_arguments(self, parser):
        parser.add_argument("--ente", required=True, help="Identificativo (slug) dell'ente")
        parser.add_argument("--year", required=True, type=int, help="Anno")
        parser.add_argument("--unit", default=None, help="Chiave dell'unità organizzativa")
        parser.add_argument(
            "--reference-date",
            default=None,
            help="Data (AAAA-MM-GG) a cui si calcola il ritardo delle fatture non pagate",
        )
        parser.add_argument("--format", choices=("json", "csv"), default="json")

    def handle(self, *args, **options):
        ente = ente_named(options["ente"])
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(ente=ente, key=options["unit"]).first()
            if unit is None:
                raise CommandError(f"Unità «{options['unit']}» inesistente nell'ente {ente}.")
        reference = None
        if options["reference_date"]:
            try:
                reference = dt.date.fromisoformat(options["reference_date"])
            except ValueError as exc:
                raise CommandError("--reference-date: usa il formato AAAA-MM-GG.") from exc
        data = services.year_figures(
            ente=ente, year=options["year"], reference=reference, unit=unit
        )
        if not data["ente"]["invoice_count"]:
            raise CommandError(f"Nessuna fattura per {ente} fino al {options['year']}.")
        if options["format"] == "json":
            payload = {"ente": ente.slug, **data}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        header = ("indicatore", "periodo", "valore", "unita_di_misura", "come_e_calcolato")
        write_csv(self.stdout, header, csv_rows(data), MACHINE)


def _d(value) -> Decimal | None:
    """Figures are stored as text: numbers go out as numbers (a «-5» is not a formula)."""
    return Decimal(value) if value is not None else None


def csv_rows(data: dict) -> list[list]:
    figures = data["ente"]
    year = data["year"]
    rows = []
    for number, quarter in enumerate(figures["quarters"], start=1):
        rows.append(
            [
                "ITP",
                f"{number}° trimestre {year}",
                _d(quarter["itp"]),
                "giorni",
                quarter["explanation"]["text"],
            ]
        )
    annual = figures["annual"]
    rows.append(["ITP", f"anno {year}", _d(annual["itp"]), "giorni", annual["explanation"]["text"]])
    rows.append(
        ["tempo medio di pagamento", f"anno {year}", _d(annual["payment_time"]), "giorni", ""]
    )
    rows.append(["pagato dopo la scadenza", f"anno {year}", _d(annual["late_amount"]), "euro", ""])
    delay = figures["delay"]
    rows.append(
        [
            "ritardo annuale" + (" (stima)" if delay["is_estimate"] else ""),
            f"anno {year}",
            _d(delay["value"]),
            "giorni",
            delay["explanation"]["text"],
        ]
    )
    stock = figures["stock"]
    day = dt.date.fromisoformat(stock["reference_date"])
    rows.append(["stock del debito", day, _d(stock["stock"]), "euro", stock["explanation"]["text"]])
    rows.append(["stock scaduto", day, _d(stock["overdue"]), "euro", ""])
    rows.append(["imprese creditrici", day, stock["creditors"], "numero", ""])
    tests = figures["tests"]
    text = tests["explanation"]["text"]
    rows.append(["stock rispetto all'anno precedente", day, _d(tests["ratio"]), "%", text])
    rows.append(["incidenza dello scaduto", day, _d(tests["incidence"]), "%", text])
    fgdc = figures["fgdc"]
    rows.append(
        ["FGDC", f"anno {fgdc['year']}", _d(fgdc["rate"]), "%", fgdc["explanation"]["text"]]
    )
    evaluation = figures["evaluation"]
    rows.append(
        [
            "tabella di valutazione",
            f"anno {year}",
            _d(evaluation["percent"]),
            "%",
            evaluation["explanation"]["text"],
        ]
    )
    objective = figures["objective"]
    rows.append(
        [
            "obiettivo tempi di pagamento",
            f"anno {year}",
            _d(objective["percent"]),
            "%",
            objective["explanation"]["text"],
        ]
    )
    return rows
