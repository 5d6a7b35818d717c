"""A deterministic generator of realistic invoice files, for tests, the benchmark and trials.

`generate(count, year, seed=…)` returns the rows of an invoice export as an Italian accounting
system would write them (headers «Identificativo SDI», «Data ricezione», «Importo totale
documento»…, dates dd/mm/yyyy, amounts 1.234,56); `to_csv` writes them with «;» in UTF-8 or
Windows-1252. The same arguments always give the same file. What it imitates:

* suppliers with valid Italian VAT numbers, a few of them issuing most invoices;
* amounts spread as in a comune's spending (many small, a few large), VAT at 22, 10, 4 or 0 %,
  split payment for almost every invoice with VAT;
* a due date communicated on some invoices (30 or 60 days), none on the others;
* each office paying with its own habits (`offices`: name → mean delay in days), some
  invoices paid in two instalments, some suspended for a dispute or a conformity check, a few
  not payable, non-commercial or still suspended, some still unpaid at year end;
* a share of the invoices received at the end of the previous year and paid in this one.

No Django here: the module is plain Python, so the engine's tests can use it too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

HEADERS = (
    "Identificativo SDI",
    "Numero fattura",
    "Data emissione",
    "Data ricezione",
    "Partita IVA",
    "Fornitore",
    "Importo totale documento",
    "Imponibile",
    "IVA",
    "Split payment",
    "Data scadenza",
    "Stato",
    "Causale sospensione",
    "Periodi di sospensione",
    "Natura spesa",
    "Capitolo",
    "Ufficio",
    "Data pagamento",
    "Importo pagato",
    "Data pagamento 2",
    "Importo pagato 2",
)
DEFAULT_OFFICES: Mapping[str, int] = {
    "Ragioneria": -5,
    "Ufficio tecnico": 8,
    "Servizi sociali": -2,
    "Polizia locale": 4,
    "Servizi scolastici": 0,
}
CENT = Decimal("0.01")
VAT_RATES = ((Decimal("0.22"), 70), (Decimal("0.10"), 20), (Decimal("0.04"), 5), (Decimal(0), 5))


def vat_number(index: int) -> str:
    """An 11-digit Italian partita IVA with a correct check digit."""
    base = f"{(index * 7919 + 1000003) % 10**10:010d}"
    total = 0
    for position, char in enumerate(base):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return base + str((10 - total % 10) % 10)


def _money(value: Decimal) -> str:
    """1234.5 → «1.234,50»."""
    text = f"{value.quantize(CENT, ROUND_HALF_UP):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _date(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def generate(
    count: int,
    year: int,
    *,
    seed: int = 2024,
    offices: Mapping[str, int] = DEFAULT_OFFICES,
    previous_year_share: float = 0.05,
) -> list[dict[str, str]]:
    """`count` invoice rows for `year` (see the module's docstring)."""
    rng = random.Random(seed)
    office_names = list(offices)
    supplier_count = max(10, count // 40)
    # A few suppliers issue most invoices (Zipf-like weights).
    cumulative, running = [], 0.0
    for rank in range(supplier_count):
        running += 1 / (rank + 1)
        cumulative.append(running)
    suppliers = range(supplier_count)
    start = dt.date(year, 1, 1)
    last = dt.date(year, 12, 31)
    rows = []
    for index in range(count):
        if rng.random() < previous_year_share:
            received = dt.date(year - 1, 12, 31) - dt.timedelta(days=rng.randrange(60))
        else:
            received = start + dt.timedelta(days=rng.randrange((last - start).days + 1))
        issued = received - dt.timedelta(days=rng.randrange(6))
        supplier = rng.choices(suppliers, cum_weights=cumulative)[0]
        taxable = Decimal(str(round(min(200000.0, rng.lognormvariate(6.3, 1.3)), 2))) + 1
        rate = _weighted(rng, VAT_RATES)
        vat = (taxable * rate).quantize(CENT, ROUND_HALF_UP)
        total = taxable + vat
        split = vat > 0 and rng.random() < 0.9
        owed = taxable if split else total
        due_kind = rng.random()
        due = None
        if due_kind < 0.2:
            due = received + dt.timedelta(days=30)
        elif due_kind < 0.3:
            due = received + dt.timedelta(days=60)
        effective_due = due or received + dt.timedelta(days=30)
        office = office_names[index % len(office_names)] if rng.random() < 0.97 else ""
        mean_delay = offices.get(office, 0)

        status = ""
        cause = ""
        periods = ""
        payments: list[tuple[dt.date, Decimal]] = []
        roll = rng.random()
        if roll < 0.02:
            status = "non commerciale"
        elif roll < 0.03:
            status = "non liquidabile"
        elif roll < 0.05:
            status = "sospesa"
            cause = rng.choice(["contestazione", "verifica di conformità"])
        else:
            suspended = 0
            if rng.random() < 0.03:
                suspended = rng.randint(5, 30)
                begin = received + dt.timedelta(days=rng.randint(1, 20))
                end = begin + dt.timedelta(days=suspended - 1)
                cause = rng.choice(["contestazione", "verifica di conformità", "DURC irregolare"])
                periods = f"{_date(begin)}-{_date(end)}"
            delay = round(rng.triangular(-20, 45, mean_delay))
            paid_on = effective_due + dt.timedelta(days=delay + suspended)
            paid_on = max(paid_on, received + dt.timedelta(days=1))
            if rng.random() < 0.08:
                first = (owed * Decimal(str(round(rng.uniform(0.3, 0.7), 2)))).quantize(CENT)
                second_on = paid_on + dt.timedelta(days=rng.randint(10, 60))
                payments = [(paid_on, first), (second_on, owed - first)]
            else:
                payments = [(paid_on, owed)]
            # Payments after the end of the year are not known yet: the invoice is unpaid.
            payments = [(day, amount) for day, amount in payments if day <= last]
            if payments and sum(a for _, a in payments) >= owed:
                status = "pagata"
            else:
                status = "contabilizzata"
        nature = "capitale" if rng.random() < 0.15 else "corrente"
        row = {
            "Identificativo SDI": str(9_000_000_000 + seed * 1_000_000 + index),
            "Numero fattura": f"{index % 997 + 1}/{issued.year}-{index}",
            "Data emissione": _date(issued),
            "Data ricezione": _date(received),
            "Partita IVA": vat_number(supplier),
            "Fornitore": f"Fornitore {supplier + 1:04d} s.r.l.",
            "Importo totale documento": _money(total),
            "Imponibile": _money(taxable),
            "IVA": _money(vat),
            "Split payment": "sì" if split else "no",
            "Data scadenza": _date(due),
            "Stato": status,
            "Causale sospensione": cause,
            "Periodi di sospensione": periods,
            "Natura spesa": nature,
            "Capitolo": f"{rng.randint(1, 12):02d}.{rng.randint(1, 9):02d}",
            "Ufficio": office,
            "Data pagamento": _date(payments[0][0]) if payments else "",
            "Importo pagato": _money(payments[0][1]) if payments else "",
            "Data pagamento 2": _date(payments[1][0]) if len(payments) > 1 else "",
            "Importo pagato 2": _money(payments[1][1]) if len(payments) > 1 else "",
        }
        rows.append(row)
    return rows


def to_csv(rows: list[dict[str, str]], *, encoding: str = "utf-8", delimiter: str = ";") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=HEADERS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)
