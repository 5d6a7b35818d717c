"""Read a target written as text («≥ 30», «compreso tra 700 e 800», «entro il 31.03.2024»).

Plans write their targets in many shapes; the plan import (and any form that accepts a target
as free text) turns them into the structured fields of `planning.models.Target`, keeping the
text verbatim beside them. What has no recognisable shape becomes a descriptive target: the
text is never lost and never guessed into a number.

Pure functions over strings; no database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from engine.numbers import parse_number
from planning.models import TargetKind

MONTHS = {
    "gennaio": 1,
    "febbraio": 2,
    "marzo": 3,
    "aprile": 4,
    "maggio": 5,
    "giugno": 6,
    "luglio": 7,
    "agosto": 8,
    "settembre": 9,
    "ottobre": 10,
    "novembre": 11,
    "dicembre": 12,
}

# Texts that mean "no target here" in real tables.
EMPTY_MARKS = {"", "-", "--", "---", "—", "–", "n.d.", "nd", "/"}


@dataclass(frozen=True)
class ParsedTarget:
    kind: str
    value: Decimal | None = None
    value_to: Decimal | None = None
    target_date: dt.date | None = None
    text: str = ""
    is_percent: bool = False

    def as_data(self) -> dict:
        return {
            "kind": self.kind,
            "value": self.value,
            "value_to": self.value_to,
            "target_date": self.target_date,
            "text": self.text,
        }


# A number the Italian way: 1.700 / 1.700,5 / 11,11 / 11.11 / 0,1111 / 30
NUMBER = r"[-+]?\d+(?:[.\s]\d{3})*(?:[.,]\d+)?|[-+]?\d+(?:[.,]\d+)?"


def parse_italian_number(text: str) -> Decimal:
    """«1.700» → 1700, «11,11» → 11.11, «11.11» → 11.11, «1.700,5» → 1700.5, «30 %» → 30.

    The one Italian reader, `engine.numbers.parse_number`: text that is not a number or could
    be read two ways («1,700.5») is refused with `NumberError` (a ValueError) saying why.
    """
    return parse_number(text)


def fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: how names and headers are compared."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).strip().lower()


_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{2,4})(?!\d)")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DATE_WORDS = re.compile(r"(?<!\d)(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})(?!\d)")


def find_date(text: str) -> tuple[dt.date, re.Match] | None:
    """The first date written in `text` (31.03.2024, 31/3/24, 31 marzo 2024, 2024-03-31)."""
    folded = fold(text)
    for pattern, order in ((_DATE_ISO, "ymd"), (_DATE_NUMERIC, "dmy"), (_DATE_WORDS, "dMy")):
        match = pattern.search(folded)
        if not match:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                return dt.date(int(a), int(b), int(c)), match
            if order == "dMy":
                return dt.date(int(c), MONTHS[b], int(a)), match
            year = int(c)
            year = year + 2000 if year < 100 else year
            return dt.date(year, int(b), int(a)), match
        except ValueError:
            return None
    return None


def parse_date_text(text: str) -> dt.date | None:
    """A cell that is only a date («31.03.2024», «entro il 31/12/2024») → the date."""
    found = find_date(text)
    if found is None:
        return None
    rest = fold(text)[: found[1].start()] + fold(text)[found[1].end() :]
    rest = re.sub(r"\b(entro|il|al|del|lo|la|data|scadenza|termine)\b", "", rest)
    return found[0] if not re.sub(r"[\s.,:;()]", "", rest) else None


# Operators, by the kind they give. «Superiore al 53 %» and «inferiore al 45 %» are strict (a
# value equal to the bound misses them); «non inferiore», «almeno», «≥» include the bound.
_TO = r"(?:a|al|all'|alla|allo|ai)"
_GTE = (
    r"(?:≥|>=|=>|=\s*≥|maggiore\s+o\s+uguale\s+" + _TO + r"|non\s+inferiore\s+" + _TO
    + r"|pari\s+o\s+superiore\s+" + _TO + r"|almeno)"
)  # fmt: skip
_GT = r"(?:superiore\s+" + _TO + r"|maggiore\s+(?:di|del|dello|della|a|al)|\boltre|>)"
_LTE = (
    r"(?:≤|<=|=<|=\s*≤|minore\s+o\s+uguale\s+" + _TO + r"|non\s+superiore\s+" + _TO
    + r"|pari\s+o\s+inferiore\s+" + _TO + r"|non\s+oltre|al\s+massimo|massimo)"
)  # fmt: skip
_LT = r"(?:inferiore\s+" + _TO + r"|minore\s+(?:di|del|dello|della|a|al)|<)"
_OPERATOR_KINDS = (
    (_GTE, TargetKind.GTE),
    (_LTE, TargetKind.LTE),
    (_GT, TargetKind.GT),
    (_LT, TargetKind.LT),
)
# The same comparisons with the previous year: «≥ anno precedente», «superiore al dato
# 2022/23», «inferiore all'anno precedente».
_PREVIOUS_OPERATORS = (
    (
        r"(?:≥|>=|=>|non\s+inferiore|pari\s+o\s+superiore|maggiore\s+o\s+uguale|almeno)",
        TargetKind.GTE_PREVIOUS,
    ),
    (
        r"(?:≤|<=|=<|non\s+superiore|non\s+oltre|pari\s+o\s+inferiore|minore\s+o\s+uguale"
        r"|al\s+massimo)",
        TargetKind.LTE_PREVIOUS,
    ),
    (r"(?:superiore|maggiore|\boltre|>)", TargetKind.GT_PREVIOUS),
    (r"(?:inferiore|minore|<)", TargetKind.LT_PREVIOUS),
)
_PREVIOUS = re.compile(
    r"(?P<op>" + "|".join(op for op, _ in _PREVIOUS_OPERATORS) + r")\s*"
    r"(?:a|al|all'|alla|allo|il|di|del|rispetto\s+al(?:l')?)?\s*"
    r"(?:(?:valore|dato|risultato)\s+(?:del(?:l')?\s*)?)?"
    r"(?:anno\s+precedente|(?:19|20)\d{2}\s*/\s*\d{2,4})",
    re.IGNORECASE,
)
_BETWEEN = re.compile(
    r"(?:compres[oa]\s+(?:tra|fra|nell'intervallo|nell\s+intervallo|in)?\s*|tra\s+|fra\s+|da\s+)?"
    rf"(?P<low>{NUMBER})\s*%?\s*(?:÷|e|a|-|–|/)\s*(?P<high>{NUMBER})\s*(?P<pct>%)?",
    re.IGNORECASE,
)
_OPERATOR = re.compile(
    rf"(?P<op>{_GTE}|{_LTE}|{_GT}|{_LT}|=)\s*(?:a|al|all'|di)?\s*(?P<num>{NUMBER})\s*(?P<pct>%)?",
    re.IGNORECASE,
)
_ONLY_NUMBER = re.compile(rf"^\s*(?P<num>{NUMBER})\s*(?P<pct>%)?\s*$")


def _number(text: str) -> Decimal | None:
    try:
        return parse_italian_number(text)
    except ValueError:
        return None


def _op_kind(op: str, operators=_OPERATOR_KINDS, default=TargetKind.EQ) -> str:
    op = fold(op)
    for pattern, kind in operators:
        if re.fullmatch(pattern, op, re.IGNORECASE):
            return kind
    return default


def parse_target(text: str) -> ParsedTarget | None:
    """The structured reading of a target text; None when the cell says there is no target."""
    original = (text or "").strip()
    if fold(original) in EMPTY_MARKS:
        return None
    compact = re.sub(r"\s+", " ", original)
    folded = fold(compact)

    previous = _PREVIOUS.search(compact)
    if previous:
        kind = _op_kind(previous["op"], _PREVIOUS_OPERATORS, TargetKind.GTE_PREVIOUS)
        return ParsedTarget(kind, text=original)

    only = _ONLY_NUMBER.match(compact)
    if only and _number(only["num"]) is not None:
        return ParsedTarget(
            TargetKind.VALUE,
            value=_number(only["num"]),
            text=original,
            is_percent=bool(only["pct"]),
        )

    if re.search(r"\bentro\b", folded) or parse_date_text(compact):
        found = find_date(compact)
        if found is not None:
            return ParsedTarget(TargetKind.BY_DATE, target_date=found[0], text=original)

    between = _between(compact)
    if between is not None:
        return between

    match = _OPERATOR.search(compact)
    if match and _number(match["num"]) is not None:
        kind = _op_kind(match["op"])
        return ParsedTarget(
            kind, value=_number(match["num"]), text=original, is_percent=bool(match["pct"])
        )
    return ParsedTarget(TargetKind.TEXT, text=original)


def _between(text: str) -> ParsedTarget | None:
    """A range: «compreso tra 700 e 800», «nell'intervallo 700 - 800», «60÷70%», «tra 5 e 10»."""
    explicit = re.search(r"compres|intervallo|\btra\b|\bfra\b|÷", text, re.IGNORECASE)
    for match in _BETWEEN.finditer(text):
        whole = match.group(0)
        separator = re.search(r"÷|\be\b|\ba\b|-|–|/", whole[len(match["low"]) :])
        if separator is None:
            continue
        # «1/2» or «2023-2024» alone is a ratio or a span of years, not a range of values.
        if not explicit and separator.group(0) != "÷" and not match["pct"]:
            continue
        if separator.group(0) == "/" and not explicit:
            continue
        low, high = _number(match["low"]), _number(match["high"])
        if low is None or high is None or not low < high:
            continue
        return ParsedTarget(
            TargetKind.BETWEEN,
            value=low,
            value_to=high,
            text=text.strip(),
            is_percent=bool(match["pct"]),
        )
    return None
