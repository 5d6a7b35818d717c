"""Import of the staff register from the payroll's export (CSV or XLSX).

Every ente has that file: one row per person, with the payroll's own headers («Matricola»,
«Cognome», «Cat.», «% part-time», «Data assunzione»…). The import runs in two steps:

* `payroll_preview` reads the file and says, row by row, what would be created, updated or left
  as it is, and every problem, naming the line and the column as the file has them. It writes
  nothing;
* `payroll_import` does the same reading again inside one transaction and, only when no row has
  a problem, applies it, with one audit row per changed object and one for the import.

A person is found by matricola, else by codice fiscale, else by surname and name (when only one
person of the ente has them). A blank cell keeps what Performa already has: payroll exports
often leave out what they do not manage. Importing the same file twice changes nothing the
second time.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from core.audit import diff, record, snapshot
from core.exceptions import ServiceError
from core.parsing import free_key, is_blank, parse_date, parse_decimal, parse_percent
from core.reading import RawRow, TableReadError, find_header, read_rows
from engine.numbers import format_date, format_number
from organization.access import ensure_writer
from organization.models import (
    Assignment,
    AssignmentKind,
    CcnlArea,
    ContractKind,
    Employment,
    Ente,
    Gender,
    Person,
    Unit,
    category_label,
)
from organization.services import (
    _validate_assignment,
    _validate_employment,
    _validate_person,
)

# The columns Performa understands, each with the headers payroll programs give it (compared
# without accents, case and punctuation: «Unità/Servizio» is «unita servizio»).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "payroll_number": (
        "Matricola",
        (
            "matricola",
            "matr",
            "n matricola",
            "nr matricola",
            "numero matricola",
            "codice dipendente",
            "cod dipendente",
            "id dipendente",
        ),
    ),
    "last_name": ("Cognome", ("cognome",)),
    "first_name": ("Nome", ("nome",)),
    "fiscal_code": (
        "Codice fiscale",
        ("codice fiscale", "cod fiscale", "cod fisc", "cf", "c f"),
    ),
    "email": ("E-mail", ("e mail", "email", "mail", "posta elettronica", "indirizzo e mail")),
    "gender": ("Sesso", ("sesso", "genere")),
    "category": (
        "Categoria / area",
        (
            "categoria",
            "cat",
            "area",
            "categoria area",
            "area categoria",
            "area ccnl",
            "area di inquadramento",
            "inquadramento",
            "categoria giuridica",
            "posizione giuridica",
        ),
    ),
    "profile": (
        "Profilo",
        ("profilo", "profilo professionale", "qualifica", "mansione", "descrizione profilo"),
    ),
    "contract": (
        "Tipo di rapporto",
        ("tipo rapporto", "tipo di rapporto", "rapporto", "tipo contratto", "contratto"),
    ),
    "part_time_percent": (
        "Percentuale part-time",
        (
            "part time",
            "part time %",
            "% part time",
            "perc part time",
            "percentuale part time",
            "percentuale di part time",
            "percentuale tempo",
            "percentuale di tempo",
            "% tempo",
            "% impiego",
            "percentuale impiego",
        ),
    ),
    "hours_per_week": (
        "Ore settimanali",
        ("ore settimanali", "ore sett", "orario settimanale", "ore lavorative settimanali"),
    ),
    "start_date": (
        "Data assunzione",
        (
            "data assunzione",
            "data di assunzione",
            "assunzione",
            "data inizio",
            "data inizio rapporto",
            "inizio rapporto",
            "decorrenza",
            "dal",
        ),
    ),
    "end_date": (
        "Data cessazione",
        (
            "data cessazione",
            "data di cessazione",
            "cessazione",
            "data fine",
            "data fine rapporto",
            "fine rapporto",
            "al",
        ),
    ),
    "unit": (
        "Unità / servizio",
        (
            "unita",
            "unita organizzativa",
            "unita servizio",
            "servizio",
            "settore",
            "ufficio",
            "struttura",
            "uo",
            "centro di costo",
            "centro costo",
            "cdc",
        ),
    ),
}
REQUIRED = ("last_name", "first_name")
_SYNONYMS = {synonym: name for name, (_, synonyms) in COLUMNS.items() for synonym in synonyms}

CREATE, UPDATE, UNCHANGED, ERROR = "crea", "aggiorna", "invariata", "errore"
ACTION_LABELS = {
    CREATE: "Nuova persona",
    UPDATE: "Da aggiornare",
    UNCHANGED: "Invariata",
    ERROR: "Da correggere",
}


def normalise_header(text: Any) -> str:
    """«Unità/Servizio» → «unita servizio», «N. Matricola» → «n matricola», «% Part-time» →
    «% part time»: the form in which headers are compared."""
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^a-z0-9%]+", " ", plain.lower())
    return re.sub(r"\s*%\s*", " % ", plain).strip()


def column_of(header: Any) -> str | None:
    return _SYNONYMS.get(normalise_header(header))


def _header_score(cells: Sequence[Any]) -> int:
    found = {column_of(cell) for cell in cells} - {None}
    return len(found) if set(REQUIRED) <= found else 0


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    column: str  # the header as the file has it, or the column's Italian name
    message: str


@dataclass(frozen=True)
class RowChange:
    label: str
    before: str
    after: str


@dataclass
class PlannedRow:
    line: int
    name: str
    action: str = UNCHANGED
    changes: list[RowChange] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # What the import saves (copies: the stored rows stay as they are until the commit).
    person: Person | None = None
    person_before: dict[str, Any] = field(default_factory=dict)
    employment: Employment | None = None
    employment_before: dict[str, Any] | None = None
    assignment: Assignment | None = None

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class PayrollPlan:
    filename: str
    sha256: str
    columns: list[tuple[str, str]] = field(default_factory=list)  # (file header, Performa's)
    ignored: list[str] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    file_problem: str = ""

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTION_LABELS}

    @property
    def has_problems(self) -> bool:
        return bool(self.file_problem) or self.count(ERROR) > 0

    @property
    def has_changes(self) -> bool:
        return self.count(CREATE) + self.count(UPDATE) > 0


# --- reading the cells ---------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: 1234 or 1234.0 from a spreadsheet is «1234», a date is dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value).strip()


def _name(value: Any) -> str:
    """Payroll programs write names in capitals: «DE LUCA» becomes «De Luca»."""
    text = re.sub(r"\s+", " ", _text(value))
    return text.title() if text.isupper() else text


def _number_cell(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return value.replace("%", "").strip()
    return value


_FULL_TIME = {"tempo pieno", "full time", "tp", "ft", "pieno"}


def _part_time(value: Any, label: str) -> Decimal | None:
    if isinstance(value, str) and normalise_header(value) in _FULL_TIME:
        return Decimal("100.00")
    number = parse_percent(_number_cell(value), label=label)
    if number is not None and number <= 0:
        raise ServiceError(f"{label}: deve essere maggiore di 0 (indicato {number}).")
    return None if number is None else number.quantize(Decimal("0.01"))


def _hours(value: Any, label: str) -> Decimal | None:
    number = parse_decimal(_number_cell(value), label=label, places=2, low=0, high=48)
    return None if number is None else number.quantize(Decimal("0.01"))


_DATE_DOTS = re.compile(r"^(\d{1,2})[.\-](\d{1,2})[.\-](\d{4})$")


def _date(value: Any, label: str) -> dt.date | None:
    if isinstance(value, str):
        value = _DATE_DOTS.sub(r"\1/\2/\3", value.strip())
    return parse_date(value, label=label)


_LEGACY = re.compile(r"^(?:cat(?:egoria)?\s*)?([abcd])\s*\d?$")
# Words that name an area of the CCNL 2019-21 (checked in this order: «operatori esperti»
# before «operatori»).
_AREA_WORDS = (
    ("operatori esperti", CcnlArea.OPERATORI_ESPERTI),
    ("operator", CcnlArea.OPERATORI),
    ("istruttor", CcnlArea.ISTRUTTORI),
    ("funzionar", CcnlArea.FUNZIONARI_EQ),
    ("elevata qualificazione", CcnlArea.FUNZIONARI_EQ),
    ("dirigen", CcnlArea.DIRIGENTI),
    ("dir", CcnlArea.DIRIGENTI),
    ("segretari", CcnlArea.SEGRETARI),
)


def _category(value: Any, label: str) -> tuple[str, str] | None:
    """(ccnl_area, legacy_category): «C1» → ("", "C"), «Area degli Istruttori» →
    ("istruttori", "")."""
    text = normalise_header(value)
    if not text:
        return None
    legacy = _LEGACY.match(text)
    if legacy:
        return "", legacy.group(1).upper()
    for word, area in _AREA_WORDS:
        if word in text.split() or (len(word) > 3 and word in text):
            return str(area), ""
    raise ServiceError(
        f"{label}: «{_text(value)}» non è una categoria (A, B, C, D) né un'area del CCNL "
        "(Operatori, Operatori esperti, Istruttori, Funzionari e EQ, Dirigenza, Segretari)."
    )


_CONTRACTS = {
    "indeterminato": ContractKind.PERMANENT,
    "tempo indeterminato": ContractKind.PERMANENT,
    "ti": ContractKind.PERMANENT,
    "t i": ContractKind.PERMANENT,
    "ruolo": ContractKind.PERMANENT,
    "di ruolo": ContractKind.PERMANENT,
    "determinato": ContractKind.FIXED_TERM,
    "tempo determinato": ContractKind.FIXED_TERM,
    "td": ContractKind.FIXED_TERM,
    "t d": ContractKind.FIXED_TERM,
    "altro": ContractKind.OTHER,
}


def _contract(value: Any, label: str) -> str | None:
    text = normalise_header(value)
    if not text:
        return None
    if text in _CONTRACTS:
        return str(_CONTRACTS[text])
    raise ServiceError(
        f"{label}: «{_text(value)}» non è un tipo di rapporto: scrivi «tempo indeterminato» "
        "(T.I.), «tempo determinato» (T.D.) o «altro»."
    )


_GENDERS = {"f": Gender.FEMALE, "femmina": Gender.FEMALE, "donna": Gender.FEMALE}
_GENDERS |= {"m": Gender.MALE, "maschio": Gender.MALE, "uomo": Gender.MALE}


def _gender(value: Any, label: str) -> str | None:
    text = normalise_header(value)
    if not text:
        return None
    if text in _GENDERS:
        return str(_GENDERS[text])
    raise ServiceError(f"{label}: «{_text(value)}» non è valido: scrivi M o F.")


def _fiscal_code(value: Any, label: str) -> str | None:
    text = re.sub(r"\s+", "", _text(value)).upper()
    if not text:
        return None
    if len(text) != 16 or not text.isalnum():
        raise ServiceError(f"{label}: «{text}» non è valido: servono 16 lettere e cifre.")
    return text


def _plain_text(value: Any, _label: str) -> str | None:
    return _text(value) or None


def _name_cell(value: Any, _label: str) -> str | None:
    return _name(value) or None


def _email(value: Any, _label: str) -> str | None:
    return _text(value).lower() or None


_READERS = {
    "payroll_number": _plain_text,
    "last_name": _name_cell,
    "first_name": _name_cell,
    "fiscal_code": _fiscal_code,
    "email": _email,
    "gender": _gender,
    "category": _category,
    "profile": _plain_text,
    "contract": _contract,
    "part_time_percent": _part_time,
    "hours_per_week": _hours,
    "start_date": _date,
    "end_date": _date,
    "unit": _plain_text,
}


# --- matching ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return normalise_header(text)


class _Register:
    """The ente's people, employments, assignments and units, read once for the whole file."""

    def __init__(self, ente: Ente, today: dt.date):
        self.ente = ente
        self.today = today
        self.people = list(Person.objects.filter(ente=ente))
        self.by_number = {p.payroll_number: p for p in self.people if p.payroll_number}
        self.by_fiscal_code = {p.fiscal_code: p for p in self.people if p.fiscal_code}
        self.by_name: dict[tuple[str, str], list[Person]] = {}
        for person in self.people:
            self.by_name.setdefault((_fold(person.last_name), _fold(person.first_name)), [])
            self.by_name[(_fold(person.last_name), _fold(person.first_name))].append(person)
        self.employments: dict[int, list[Employment]] = {}
        for employment in Employment.objects.filter(person__ente=ente).order_by("start_date"):
            self.employments.setdefault(employment.person_id, []).append(employment)
        self.assignments: dict[int, list[Assignment]] = {}
        for assignment in Assignment.objects.filter(person__ente=ente):
            self.assignments.setdefault(assignment.person_id, []).append(assignment)
        self.units = list(Unit.objects.filter(ente=ente))
        self.keys = {person.key for person in self.people}
        self.seen_people: dict[int, int] = {}  # person pk → the line that matched it
        self.seen_numbers: dict[str, int] = {}

    def unit(self, text: str) -> Unit | None:
        """A unit named by its PEG code, its key or its name (case and accents aside)."""
        wanted = _fold(text)
        for attribute in ("peg_label", "key", "name"):
            found = [unit for unit in self.units if _fold(getattr(unit, attribute)) == wanted]
            if len(found) == 1:
                return found[0]
        return None

    def person(self, values: dict[str, Any], problems: list[RowProblem]) -> Person | None:
        """The person the row speaks of, or None for a new one (a problem when ambiguous)."""
        number, fiscal_code = values.get("payroll_number"), values.get("fiscal_code")
        by_number = self.by_number.get(number) if number else None
        by_code = self.by_fiscal_code.get(fiscal_code) if fiscal_code else None
        if by_number and by_code and by_number.pk != by_code.pk:
            problems.append(
                RowProblem(
                    "Codice fiscale",
                    f"la matricola {number} è di «{by_number}» ma il codice fiscale è di "
                    f"«{by_code}».",
                )
            )
            return None
        found = by_number or by_code
        if found is None:
            key = (_fold(values.get("last_name") or ""), _fold(values.get("first_name") or ""))
            namesakes = [
                person
                for person in self.by_name.get(key, [])
                if not (number and person.payroll_number and person.payroll_number != number)
                and not (fiscal_code and person.fiscal_code and person.fiscal_code != fiscal_code)
            ]
            if len(namesakes) > 1:
                problems.append(
                    RowProblem(
                        "Cognome",
                        f"in Performa ci sono {len(namesakes)} persone di nome "
                        f"«{values.get('first_name')} {values.get('last_name')}»: indica la "
                        "matricola o il codice fiscale.",
                    )
                )
                return None
            found = namesakes[0] if namesakes else None
        return found

    def current_employment(self, person: Person, start: dt.date | None) -> Employment | None:
        employments = self.employments.get(person.pk, [])
        if start is not None:
            same = [e for e in employments if e.start_date == start]
            if same:
                return same[0]
            undated = [e for e in employments if e.start_date is None]
            return undated[0] if len(undated) == 1 and len(employments) == 1 else None
        open_ones = [e for e in employments if e.end_date is None or e.end_date >= self.today]
        candidates = open_ones or employments
        return candidates[-1] if candidates else None

    def in_unit(self, person: Person, unit: Unit) -> bool:
        return any(
            a.unit_id == unit.pk
            and (a.start_date is None or a.start_date <= self.today)
            and (a.end_date is None or a.end_date >= self.today)
            for a in self.assignments.get(person.pk, [])
        )


# --- the preview ---------------------------------------------------------------------------


def _shown(value: Any, name: str) -> str:
    if value in (None, ""):
        return "—"
    if name in {"ccnl_area", "legacy_category"}:
        return category_label(value)
    if name == "contract":
        return str(ContractKind(value).label)
    if name == "gender":
        return str(Gender(value).label)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return format_number(value)
    return str(value)


def _set(
    target: Any, name: str, value: Any, changes: list[RowChange], label: str, *, new: bool
) -> None:
    """Put `value` on `target` and note the change (a blank cell keeps the stored value)."""
    if value is None:
        return
    current = getattr(target, name)
    # «ROSSI» for «Rossi» is no change; codes are compared as they are.
    same_words = (
        isinstance(current, str)
        and isinstance(value, str)
        and current.casefold() == value.casefold()
        and name not in {"fiscal_code", "payroll_number"}
    )
    if same_words or current == value:
        return
    setattr(target, name, value)
    if not new:
        changes.append(RowChange(label, _shown(current, name), _shown(value, name)))


def _read_values(
    row: RawRow, mapping: dict[int, str], headers: dict[int, str], problems: list[RowProblem]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for index, name in mapping.items():
        raw = row.cell(index)
        if is_blank(raw):
            continue
        try:
            values[name] = _READERS[name](raw, headers[index])
        except ServiceError as error:
            problems.append(RowProblem(headers[index], _without_label(error.message)))
    return values


def _without_label(message: str) -> str:
    """«Matricola: «x» non è…» → ««x» non è…»: the column is shown next to the message."""
    _, sep, rest = message.partition(": ")
    return rest if sep else message


def _check_row(
    line: int, values: dict[str, Any], label_of: dict[str, str], register: _Register
) -> list[RowProblem]:
    """The required names, and a matricola that appears once in the file."""
    problems = [
        RowProblem(label_of[name], "valore obbligatorio.")
        for name in REQUIRED
        if not values.get(name)
    ]
    number = values.get("payroll_number")
    if number and number in register.seen_numbers:
        problems.append(
            RowProblem(
                label_of["payroll_number"],
                f"la matricola {number} compare anche alla riga {register.seen_numbers[number]}.",
            )
        )
    elif number:
        register.seen_numbers[number] = line
    return problems


def _match(
    line: int,
    values: dict[str, Any],
    label_of: dict[str, str],
    register: _Register,
    problems: list[RowProblem],
) -> Person | None:
    """The stored person of the row, once per file."""
    found = register.person(values, problems)
    if found is None:
        return None
    if found.pk in register.seen_people:
        problems.append(
            RowProblem(
                label_of.get("payroll_number", label_of["last_name"]),
                f"«{found}» è già alla riga {register.seen_people[found.pk]}.",
            )
        )
        return None
    register.seen_people[found.pk] = line
    return found


def _unit_of(
    values: dict[str, Any], label_of: dict[str, str], register: _Register
) -> tuple[Unit | None, list[RowProblem]]:
    if not values.get("unit"):
        return None, []
    unit = register.unit(values["unit"])
    if unit is not None:
        return unit, []
    message = (
        f"l'unità «{values['unit']}» non è nell'organigramma (cercata per codice PEG, chiave e "
        "denominazione)."
    )
    return None, [RowProblem(label_of["unit"], message)]


def _plan_row(
    row: RawRow,
    mapping: dict[int, str],
    headers: dict[int, str],
    register: _Register,
) -> PlannedRow:
    problems: list[RowProblem] = []
    values = _read_values(row, mapping, headers, problems)
    label_of = {name: headers[index] for index, name in mapping.items()}
    read_problems = {problem.column for problem in problems}
    problems += [
        problem
        for problem in _check_row(row.line, values, label_of, register)
        if problem.column not in read_problems
    ]
    planned = PlannedRow(
        line=row.line,
        name=f"{values.get('last_name', '')} {values.get('first_name', '')}".strip() or "—",
        problems=problems,
    )
    found = None if problems else _match(row.line, values, label_of, register, problems)
    unit, unit_problems = (None, []) if problems else _unit_of(values, label_of, register)
    problems += unit_problems
    if not problems:
        _plan_person(planned, values, found, label_of, register)
    if not planned.problems:
        _plan_employment(planned, values, found, label_of, register)
    if not planned.problems and unit is not None:
        _plan_assignment(planned, values, found, unit, register)
    if planned.problems:
        planned.action = ERROR
    elif found is None:
        planned.action = CREATE
    elif planned.changes:
        planned.action = UPDATE
    return planned


PERSON_COLUMNS = ("last_name", "first_name", "payroll_number", "fiscal_code", "email", "gender")


def _plan_person(
    planned: PlannedRow,
    values: dict[str, Any],
    found: Person | None,
    label_of: dict[str, str],
    register: _Register,
) -> None:
    person = copy.copy(found) if found is not None else Person(ente=register.ente)
    planned.person_before = snapshot(found) if found is not None else {}
    for name in PERSON_COLUMNS:
        _set(person, name, values.get(name), planned.changes, label_of.get(name, name), new=False)
    if found is None:
        planned.changes.clear()
        person.key = _free_key(register, f"{person.first_name} {person.last_name}")
    if found is None or snapshot(person) != planned.person_before:
        _validated(planned, lambda: _validate_person(person), label_of)
    planned.person = person


def _free_key(register: _Register, text: str) -> str:
    key = free_key(register.keys, text, fallback="persona")
    register.keys.add(key)
    return key


def _plan_employment(
    planned: PlannedRow,
    values: dict[str, Any],
    found: Person | None,
    label_of: dict[str, str],
    register: _Register,
) -> None:
    employment_columns = {
        "category",
        "profile",
        "contract",
        "part_time_percent",
        "hours_per_week",
        "start_date",
        "end_date",
    }
    if not employment_columns & set(values) and found is not None:
        return
    assert planned.person is not None
    stored = register.current_employment(found, values.get("start_date")) if found else None
    new = stored is None
    employment = copy.copy(stored) if stored is not None else Employment(person=planned.person)
    planned.employment_before = snapshot(stored) if stored is not None else None
    changes = planned.changes
    category = values.get("category")
    if category is not None:
        area, legacy = category
        label = label_of["category"]
        if (legacy and employment.legacy_category != legacy) or (
            area and employment.ccnl_area != area
        ):
            before = employment.category_label or "—"
            employment.ccnl_area, employment.legacy_category = area, legacy
            if not new:
                changes.append(RowChange(label, before, category_label(area or legacy)))
    for name in ("profile", "contract", "part_time_percent", "hours_per_week"):
        _set(employment, name, values.get(name), changes, label_of.get(name, name), new=new)
    for name in ("start_date", "end_date"):
        _set(employment, name, values.get(name), changes, label_of.get(name, name), new=new)
    if new and found is not None:
        changes.append(RowChange("Rapporto di lavoro", "—", "nuovo"))
    # Only what the file changes is checked: a stored employment that the file leaves as it is
    # (e.g. one imported from a plan with both the area and the old category) stays as it is.
    if new or snapshot(employment) != planned.employment_before:
        _validated(planned, lambda: _validate_employment(employment), label_of)
    planned.employment = employment


def _plan_assignment(
    planned: PlannedRow,
    values: dict[str, Any],
    found: Person | None,
    unit: Unit,
    register: _Register,
) -> None:
    if found is not None and register.in_unit(found, unit):
        return
    end = values.get("end_date")
    if end is not None and end < register.today:
        return  # someone who has left is not put in a unit
    assert planned.person is not None
    earlier = register.assignments.get(found.pk, []) if found is not None else []
    # A first assignment starts with the employment; a move, today.
    start = values.get("start_date") if not earlier else register.today
    assignment = Assignment(
        person=planned.person, unit=unit, kind=AssignmentKind.ORDINARY, start_date=start
    )
    _validated(planned, lambda: _validate_assignment(assignment), {})
    planned.assignment = assignment
    if found is not None:
        planned.changes.append(RowChange("Assegnazione", "—", str(unit)))


_FIELD_COLUMNS = {
    "part_time_percent": "part_time_percent",
    "legacy_category": "category",
    "ccnl_area": "category",
}


def _validated(planned: PlannedRow, check, label_of: dict[str, str]) -> None:
    try:
        check()
    except ServiceError as error:
        column = _FIELD_COLUMNS.get(error.field or "", error.field or "")
        planned.problems.append(RowProblem(label_of.get(column, "—"), error.message))


def _plan(ente: Ente, content: bytes, filename: str, today: dt.date) -> PayrollPlan:
    plan = PayrollPlan(filename=filename, sha256=hashlib.sha256(content).hexdigest())
    try:
        rows = read_rows(content, filename)
    except TableReadError as error:
        plan.file_problem = str(error)
        return plan
    header_index = find_header(rows, _header_score)
    if header_index < 0:
        plan.file_problem = (
            "Nel file non trovo la riga delle intestazioni con almeno «Cognome» e «Nome» "
            "(e di solito «Matricola», «Codice fiscale», «Categoria», «Data assunzione»)."
        )
        return plan
    header = rows[header_index]
    mapping: dict[int, str] = {}
    headers: dict[int, str] = {}
    for index, cell in enumerate(header.cells):
        name = column_of(cell)
        text = _text(cell)
        if name is None:
            if text:
                plan.ignored.append(text)
            continue
        if name in mapping.values():
            other = next(headers[i] for i, n in mapping.items() if n == name)
            plan.file_problem = (
                f"Le colonne «{other}» e «{text}» (riga {header.line}) indicano entrambe "
                f"«{COLUMNS[name][0]}»: lasciane una sola."
            )
            return plan
        mapping[index], headers[index] = name, text
        plan.columns.append((text, COLUMNS[name][0]))
    register = _Register(ente, today)
    plan.rows = [_plan_row(row, mapping, headers, register) for row in rows[header_index + 1 :]]
    if not plan.rows:
        plan.file_problem = "Il file ha le intestazioni ma nessuna riga di personale."
    return plan


def payroll_preview(
    *, ente: Ente, content: bytes, filename: str, today: dt.date | None = None
) -> PayrollPlan:
    """What importing the file would do, row by row; writes nothing."""
    return _plan(ente, content, filename, today or dt.date.today())


@transaction.atomic
def payroll_import(
    *, user, ente: Ente, content: bytes, filename: str, today: dt.date | None = None
) -> PayrollPlan:
    """Apply the file to the staff register, all rows or none (ServiceError if any row has a
    problem). Nothing is written, not even the audit row, when nothing changes."""
    ensure_writer(user, ente)
    # Lock the ente's row so that two imports of the same ente run one after the other.
    Ente.objects.select_for_update().filter(pk=ente.pk).first()
    plan = _plan(ente, content, filename, today or dt.date.today())
    if plan.file_problem:
        raise ServiceError(plan.file_problem)
    if plan.has_problems:
        first = next(row for row in plan.rows if row.action == ERROR)
        raise ServiceError(
            f"{plan.count(ERROR)} righe da correggere, la prima è la riga {first.line} "
            f"({first.problems[0].column}: {first.problems[0].message}): nessuna modifica fatta."
        )
    if not plan.has_changes:
        return plan
    for row in plan.rows:
        if row.action in {CREATE, UPDATE}:
            _save_row(user, ente, row)
    record(
        user=user,
        action="payroll.import",
        ente=ente,
        object_type="organization.Person",
        changes={
            "file": plan.filename,
            "sha256": plan.sha256,
            "nuove": plan.count(CREATE),
            "aggiornate": plan.count(UPDATE),
            "invariate": plan.count(UNCHANGED),
        },
    )
    return plan


def _save_row(user, ente: Ente, row: PlannedRow) -> None:
    person = row.person
    assert person is not None
    after = snapshot(person)
    if after != row.person_before:
        person.save()
        action = "person.update" if row.person_before else "person.create"
        record(user=user, action=action, obj=person, changes=diff(row.person_before, after))
    employment = row.employment
    if employment is not None:
        employment.person = person
        before = row.employment_before or {}
        after = snapshot(employment)
        if after != before or employment.pk is None:
            employment.save()
            action = "employment.update" if row.employment_before else "employment.create"
            changes = diff(before, snapshot(employment))
            record(user=user, action=action, obj=employment, ente=ente, changes=changes)
    assignment = row.assignment
    if assignment is not None:
        assignment.person = person
        assignment.save()
        changes = diff({}, snapshot(assignment))
        record(user=user, action="assignment.create", obj=assignment, ente=ente, changes=changes)
