"""Cell values of invoice files: Italian amounts and dates, yes/no, statuses, causes, nature.

Every parser takes what a cell holds (text from a CSV, or a number/date from an XLSX cell) and
returns the value or raises `ValueError` with an Italian message that says what was expected;
the caller adds the line and the column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Any

from engine.numbers import parse_number
from engine.payments import InvoiceStatus, Nature, SuspensionCause

CENT = Decimal("0.01")


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lower case, no accents, only letters and digits: «Data scad.» → «datascad»."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_ITALIAN_AMOUNT = re.compile(r"^(-?[1-9]\d{0,2}(?:\.\d{3})+|-?\d+),(\d{2})$")


def parse_amount(value: Any) -> Decimal:
    """An amount in euro, to the cent: «1.234,56», «1234,56», «1.700» (= 1700), «€ 12,00»,
    «(12,00)» (negative, as accounting exports write it), or a number from an XLSX cell.

    Text is read by the shared Italian parser (`engine.numbers.parse_number`); the common
    «1.234,56» shape takes a fast path that gives the same result, since a file may hold
    400.000 amounts.
    """
    if value.__class__ is str:  # a CSV cell: the common case first
        fast = _ITALIAN_AMOUNT.match(value)
        if fast:
            return Decimal(fast.group(1).replace(".", "") + "." + fast.group(2))
    elif isinstance(value, bool):
        raise ValueError("atteso un importo")
    elif isinstance(value, int | Decimal):
        return Decimal(value).quantize(CENT)
    elif isinstance(value, float):
        return Decimal(repr(value)).quantize(CENT)
    text = str(value).strip()
    fast = _ITALIAN_AMOUNT.match(text)
    if fast:
        return Decimal(fast.group(1).replace(".", "") + "." + fast.group(2))
    text = text.replace("EUR", "").strip()
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    try:
        result = parse_number(text)
    except ValueError as exc:
        message = str(exc)
        raise ValueError(message if "es." in message else f"{message} (es. 1.234,56)") from None
    if result != result.quantize(CENT):
        raise ValueError(f"«{value}» ha più di due decimali")
    return (-result if negative else result).quantize(CENT)


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%Y/%m/%d")


def parse_date(value: Any) -> dt.date:
    """A date: «31/12/2024», «31-12-2024», «31.12.2024», «2024-12-31», «31/12/24», a cell date."""
    if value.__class__ is str:  # a CSV cell: the common case first
        return _parse_date_text(value.strip())
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return _parse_date_text(str(value).strip())


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@lru_cache(maxsize=8192)
def _parse_date_text(text: str) -> dt.date:
    # Files repeat the same few hundred dates: the cache makes 100.000 rows cheap.
    value = text
    fast = _DMY.match(text)
    if fast:
        try:
            day = dt.date(int(fast.group(3)), int(fast.group(2)), int(fast.group(1)))
        except ValueError:
            raise ValueError(f"«{value}» non è una data (es. 31/12/2024)") from None
        if not 1990 <= day.year <= 2100:
            raise ValueError(f"«{value}»: anno fuori dall'intervallo ammesso")
        return day
    # «2024-12-31 00:00:00» or «2024-12-31T00:00:00» as written by some exports
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text)
    for pattern in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not 1990 <= day.year <= 2100:
            raise ValueError(f"«{value}»: anno fuori dall'intervallo ammesso")
        return day
    raise ValueError(f"«{value}» non è una data (es. 31/12/2024)")


_YES = {"si", "s", "x", "true", "vero", "1", "y", "yes", "split", "splitpayment", "scissione"}
_NO = {"no", "n", "false", "falso", "0", "i", "d", "immediata", "differita"}


def parse_yes_no(value: Any) -> bool:
    """Sì/no; also the FatturaPA «EsigibilitaIVA» codes (S = scissione; I, D = no)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = normalise(str(value))
    if text in _YES:
        return True
    if text in _NO or not text:
        return False
    raise ValueError(f"«{value}»: atteso sì o no")


_STATUS = [
    (("noncommerciale", "debitononcommerciale", "noncomm"), InvoiceStatus.NON_COMMERCIAL),
    (("nonliquidabile", "nonliquidabili", "nonpagabile"), InvoiceStatus.NOT_PAYABLE),
    (
        ("sospesa", "sospeso", "incontestazione", "contestata", "contenzioso"),
        InvoiceStatus.SUSPENDED,
    ),
    (("pagata", "pagato", "saldata", "saldato", "pagatatotale", "estinta"), InvoiceStatus.PAID),
    (
        ("contabilizzata", "contabilizzato", "registrata", "liquidata", "liquidato", "dapagare"),
        InvoiceStatus.BOOKED,
    ),
    (("ricevuta", "ricevuto", "accettata", "nuova", "inattesa"), InvoiceStatus.RECEIVED),
]


def parse_status(value: Any) -> InvoiceStatus:
    return _status(str(value))


@lru_cache(maxsize=256)
def _status(value: str) -> InvoiceStatus:
    text = normalise(value)
    for words, status in _STATUS:
        if text in words:
            return status
    for words, status in _STATUS:  # «Pagata parzialmente», «Sospesa per contestazione»…
        if any(text.startswith(word) for word in words):
            return status
    allowed = "ricevuta, contabilizzata, sospesa, non liquidabile, non commerciale, pagata"
    raise ValueError(f"stato «{value}» non riconosciuto (ammessi: {allowed})")


def parse_cause(value: Any) -> SuspensionCause:
    return _cause(str(value))


@lru_cache(maxsize=256)
def _cause(value: str) -> SuspensionCause:
    text = normalise(value)
    if any(word in text for word in ("contest", "contenz", "controvers", "lite")):
        return SuspensionCause.DISPUTE
    if "conformit" in text or "collaud" in text or "regolareesecuzione" in text:
        return SuspensionCause.CONFORMITY
    if any(word in text for word in ("adempiment", "durc", "equitalia", "agenziaentrate", "verif")):
        return SuspensionCause.COMPLIANCE
    raise ValueError(
        f"causale «{value}» non riconosciuta (contestazione o contenzioso, verifica di "
        "conformità, adempimenti normativi)"
    )


def parse_nature(value: Any) -> Nature:
    return _nature(str(value))


@lru_cache(maxsize=256)
def _nature(value: str) -> Nature:
    text = normalise(value)
    if text in {"1", "c", "corrente", "spesacorrente", "titolo1", "titoloi", "parte corrente"}:
        return Nature.CURRENT
    if text in {
        "2",
        "k",
        "capitale",
        "contocapitale",
        "spesaincontocapitale",
        "titolo2",
        "titoloii",
    }:
        return Nature.CAPITAL
    if "capital" in text or "investiment" in text:
        return Nature.CAPITAL
    if "corrent" in text:
        return Nature.CURRENT
    raise ValueError(f"natura «{value}» non riconosciuta (corrente o capitale)")


_DATE_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")


def parse_periods(value: Any) -> list[tuple[dt.date, dt.date | None]]:
    """Suspension periods written in one cell: «01/03/2024-15/03/2024; dal 02/05/2024».

    Periods are separated by «;», «|» or a new line; each holds its start and end date in any
    of the date forms accepted, with anything between them («-», «al»). A period with only its
    start date is still ongoing.
    """
    periods = []
    for chunk in re.split(r"[;|\n]+", str(value)):
        chunk = chunk.strip()
        if not chunk:
            continue
        dates = _DATE_IN_TEXT.findall(chunk)
        if len(dates) not in (1, 2):
            raise ValueError(
                f"periodo di sospensione «{chunk}» non riconosciuto (es. 01/03/2024-15/03/2024)"
            )
        start = parse_date(dates[0])
        end = parse_date(dates[1]) if len(dates) == 2 else None
        if end is not None and end < start:
            raise ValueError(f"periodo di sospensione «{chunk}»: la fine precede l'inizio")
        periods.append((start, end))
    return periods
