"""Checks of a `performa-cycle` document before anything is written.

Three passes, each stopping the import when it finds problems:

1. `check_header`: `format` and `version` (a reader refuses a version it does not know);
2. `schema_errors`: the JSON Schema, with Italian messages in document order;
3. `semantic_errors`: what a schema cannot say — unique keys, references to keys, real dates,
   the digits a decimal column can store, the year within its three-year horizon.

Every message starts with the JSON path of the offending value (`$.cycle.objectives[3].weight`)
so that whoever edits the file can find it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator
from jsonschema._utils import equal, uniq
from jsonschema.exceptions import ValidationError

from engine import appraisal as ea
from engine.config import ROOT, ConfigError
from engine.numbers import format_number, format_percent
from interchange import spec, stream

# Beyond this many messages the rest is summarised: the first ones are enough to fix the file.
MAX_MESSAGES = 25

TYPE_NAMES = {
    "string": "un testo",
    "integer": "un numero intero",
    "number": "un numero",
    "boolean": "un valore vero/falso",
    "array": "un elenco",
    "object": "un oggetto",
    "null": "null",
}


def schema_path() -> str:
    return str(settings.BASE_DIR / "docs" / "interchange.schema.json")


@cache
def validator() -> Draft202012Validator:
    with open(schema_path(), encoding="utf-8") as handle:
        return Draft202012Validator(json.load(handle))


def format_path(path: Iterable[str | int]) -> str:
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text


def show(value: Any) -> str:
    """A value as it appears in the file, shortened when long."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


# --- 1. header ------------------------------------------------------------------------------


def check_header(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return [
            f"$: il documento deve essere un oggetto JSON, trovato {TYPE_NAMES[json_type(data)]}"
        ]
    if "format" not in data:
        return ["$.format: campo obbligatorio mancante"]
    if data["format"] != spec.FORMAT:
        return [
            f'$.format: formato {show(data["format"])} non riconosciuto (atteso "{spec.FORMAT}")'
        ]
    if "version" not in data:
        return ["$.version: campo obbligatorio mancante"]
    version = data["version"]
    expected = f'{spec.VERSION} o "{spec.VERSION_TEXT}"'
    if isinstance(version, bool) or not isinstance(version, int | float | str):
        return [f"$.version: {show(version)} non è un numero di versione (atteso {expected})"]
    if isinstance(version, float):
        version = repr(version)  # 1.1 written as a JSON number reads as "1.1"
    if version not in spec.ACCEPTED_VERSIONS:
        return [f"$.version: versione {show(version)} non supportata (atteso {expected})"]
    return []


# --- 2. JSON Schema -------------------------------------------------------------------------


def _position(data: Any, path: Iterable[str | int]) -> tuple:
    """Where a path sits in the document, so that messages come in reading order."""
    key: list[int] = []
    node = data
    for part in path:
        if isinstance(node, dict):
            keys = list(node)
            key.append(keys.index(part) if part in node else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            key.append(part)
            node = node[part] if part < len(node) else None
        else:
            key.append(0)
            node = None
    return tuple(key)


def _messages_for(error: ValidationError) -> Iterator[tuple[list[str | int], str]]:
    path = list(error.absolute_path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "required":
        present = instance if isinstance(instance, dict) else {}
        for name in error.validator_value:
            if name not in present:
                yield [*path, name], "campo obbligatorio mancante"
    elif kind == "additionalProperties":
        allowed = schema.get("properties", {})
        for name in instance:
            if name not in allowed:
                yield [*path, name], "campo non previsto"
    elif kind == "type":
        yield path, _type_message(instance, schema)
    elif kind == "pattern":
        yield path, _pattern_message(instance, schema["pattern"])
    elif kind in ("enum", "const"):
        yield path, _choice_message(instance, schema)
    elif kind == "minLength":
        yield path, "il testo non può essere vuoto"
    elif kind == "maxLength":
        yield (
            path,
            f"testo troppo lungo ({len(instance)} caratteri, al massimo {error.validator_value})",
        )
    elif kind == "minimum":
        yield path, f"{show(instance)} è inferiore al minimo ammesso ({error.validator_value})"
    elif kind == "maximum":
        yield path, f"{show(instance)} è superiore al massimo ammesso ({error.validator_value})"
    elif kind == "anyOf" and isinstance(instance, dict):
        # An optional nested object: explain what is wrong inside it.
        for sub in error.context or ():
            if sub.relative_schema_path and sub.relative_schema_path[0] == 0:
                yield from _messages_for(sub)
    elif kind == "anyOf":
        yield (
            path,
            f"atteso un oggetto, trovato {TYPE_NAMES[json_type(instance)]} ({show(instance)})",
        )
    elif kind == "uniqueItems":
        yield path, "l'elenco contiene valori ripetuti"
    else:  # a keyword this module does not translate: still name the path
        yield path, f"valore non valido ({error.message})"


def _type_message(instance: Any, schema: dict[str, Any]) -> str:
    expected = schema.get("type")
    expected = [expected] if isinstance(expected, str) else list(expected or [])
    found = TYPE_NAMES[json_type(instance)]
    if schema.get("pattern") == spec.DECIMAL_PATTERN and isinstance(instance, int | float):
        return f'i numeri decimali vanno scritti come testo: "{instance}" invece di {instance}'
    wanted = " o ".join(TYPE_NAMES[t] for t in expected if t != "null") or "un altro tipo"
    return f"atteso {wanted}, trovato {found} ({show(instance)})"


def _pattern_message(instance: str, pattern: str) -> str:
    if pattern == spec.DECIMAL_PATTERN:
        hint = " (usare il punto)" if "," in instance else ""
        return f"{show(instance)} non è un numero decimale{hint}"
    if pattern == spec.DATE_PATTERN:
        return f"{show(instance)} non è una data nel formato AAAA-MM-GG"
    if pattern == spec.DATETIME_PATTERN:
        return (
            f"{show(instance)} non è una data e ora nel formato AAAA-MM-GGThh:mm:ss "
            "con fuso orario (es. 2024-07-15T10:30:00Z)"
        )
    if pattern == spec.PARAMETER_KEY_PATTERN:
        return (
            f"{show(instance)} non è una chiave valida "
            "(solo lettere minuscole, cifre, trattini e trattini bassi)"
        )
    return f"{show(instance)} non è una chiave valida (solo lettere minuscole, cifre e trattini)"


def _choice_message(instance: Any, schema: dict[str, Any]) -> str:
    if "const" in schema:
        return f"{show(instance)} non ammesso (atteso {show(schema['const'])})"
    allowed = ", ".join(choice for choice in schema["enum"] if choice)
    return f"{show(instance)} non è un valore ammesso (valori ammessi: {allowed})"


# --- a fast yes/no pass over the schema -----------------------------------------------------
#
# `jsonschema` walks a 25 MB file in minutes (an object per keyword and per value, every
# `$ref` looked up again for each row). Most files are valid, and for them only "valid or
# not" is needed: `quick_check` compiles the schema once into plain functions that answer
# that. When the answer is "no", `jsonschema` runs as before and writes the messages, so
# they do not change. A keyword the compiler does not know makes it give up (None): then
# `jsonschema` always runs.

Check = Callable[[Any], bool]
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$comment", "default"})


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


TYPE_CHECKS: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class _Unsupported(Exception):
    pass


class _Compiler:
    """Schema node -> function(value) -> bool, with the meaning of JSON Schema 2020-12."""

    def __init__(self, root: dict[str, Any]):
        self.defs = root.get("$defs", {})
        self.compiled: dict[str, Check] = {}

    def ref(self, target: str) -> Check:
        name = target.removeprefix("#/$defs/")
        if name == target or name not in self.defs:
            raise _Unsupported(target)
        if name not in self.compiled:
            # Bound late, so that a definition may refer to itself.
            self.compiled[name] = lambda _v: True
            check = self.node(self.defs[name])
            self.compiled[name] = check
        return lambda v: self.compiled[name](v)

    def node(self, schema: Any) -> Check:
        if schema is True:
            return lambda _v: True
        if schema is False:
            return lambda _v: False
        checks = [self.keyword(name, value, schema) for name, value in schema.items()]
        checks = [c for c in checks if c is not None]
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def keyword(self, name: str, value: Any, schema: dict[str, Any]) -> Check | None:
        if name in ANNOTATIONS or name == "$defs":
            return None
        if name == "$ref":
            return self.ref(value)
        if name == "type":
            kinds = [TYPE_CHECKS[t] for t in ([value] if isinstance(value, str) else value)]
            return lambda v: any(kind(v) for kind in kinds)
        if name == "pattern":
            search = re.compile(value).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if name == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= value
        if name == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= value
        if name in ("minimum", "maximum"):
            return self.bound(name, value)
        if name in ("enum", "const"):
            return self.choice(value if name == "enum" else [value])
        if name == "required":
            return lambda v: not isinstance(v, dict) or all(key in v for key in value)
        if name == "properties":
            return self.properties(value)
        if name == "additionalProperties":
            return self.additional(value, schema.get("properties", {}), schema)
        if name == "items":
            item = self.node(value)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        if name == "anyOf":
            options = [self.node(option) for option in value]
            return lambda v: any(option(v) for option in options)
        if name == "uniqueItems":
            return (lambda v: not isinstance(v, list) or uniq(v)) if value else None
        raise _Unsupported(name)

    def bound(self, name: str, limit: Any) -> Check:
        def check(v: Any) -> bool:
            if isinstance(v, bool) or not isinstance(v, int | float):
                return True
            return v >= limit if name == "minimum" else v <= limit

        return check

    def choice(self, allowed: list[Any]) -> Check:
        if all(isinstance(a, str) for a in allowed):
            texts = frozenset(allowed)
            return lambda v: isinstance(v, str) and v in texts
        return lambda v: any(equal(v, a) for a in allowed)

    def properties(self, value: dict[str, Any]) -> Check:
        checks = {key: self.node(sub) for key, sub in value.items()}

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, item in v.items():
                sub = checks.get(key)
                if sub is not None and not sub(item):
                    return False
            return True

        return check

    def additional(self, value: Any, known: dict[str, Any], schema: dict[str, Any]) -> Check:
        if "patternProperties" in schema:
            raise _Unsupported("patternProperties")
        if value is True:
            return lambda _v: True
        extra = self.node(value)
        return lambda v: (
            not isinstance(v, dict)
            or all(extra(item) for key, item in v.items() if key not in known)
        )


@cache
def quick_check() -> Check | None:
    """The compiled schema; None when it uses a keyword the compiler does not know."""
    try:
        return _Compiler(validator().schema).node(validator().schema)
    except _Unsupported:
        return None


# --- the long lists, one item at a time ------------------------------------------------------
#
# A long list (interchange.stream.LONG_LISTS) may be a `Streamed` list that is parsed from the
# file at each pass: the schema checks the document without those lists, then each of their
# items against the schema of one item. A plain list (a document read whole) goes the same way.


def _subschema(schema: dict[str, Any], where: tuple[str, ...]) -> dict[str, Any]:
    """The schema of one item of the list at `where`, following `$ref`s."""
    defs = validator().schema.get("$defs", {})
    node = schema
    for name in (*where, "items"):
        while "$ref" in node:
            node = defs[node["$ref"].removeprefix("#/$defs/")]
        node = node["items"] if name == "items" else node["properties"][name]
    return node


@cache
def item_validator(where: tuple[str, ...]) -> Draft202012Validator:
    root = validator().schema
    return Draft202012Validator({**_subschema(root, where), "$defs": root.get("$defs", {})})


@cache
def item_quick_check(where: tuple[str, ...]) -> Check | None:
    try:
        return _Compiler(validator().schema).node(_subschema(validator().schema, where))
    except _Unsupported:
        return None


def split_long_lists(data: Any) -> tuple[Any, list[tuple[tuple[str, ...], Any]]]:
    """The document with its long lists emptied (copying only the objects that hold them),
    and those lists with their paths, in document order."""
    lists: list[tuple[tuple[str, ...], Any]] = []
    outline = data
    for where in stream.LONG_LISTS:
        holder: Any = outline
        for name in where[:-1]:
            holder = holder.get(name) if isinstance(holder, dict) else None
        items = holder.get(where[-1]) if isinstance(holder, dict) else None
        if not isinstance(items, list | stream.Streamed):
            continue  # absent, or of the wrong type: the schema of the document says so
        outline = _replaced(outline, where, [])
        lists.append((where, items))
    lists.sort(key=lambda pair: _position(outline, pair[0]))
    return outline, lists


def _replaced(data: dict[str, Any], where: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = dict(data)
    if len(where) == 1:
        copy[where[0]] = value
    else:
        copy[where[0]] = _replaced(copy[where[0]], where[1:], value)
    return copy


def _schema_messages(
    check: Draft202012Validator, quick: Check | None, data: Any, base: tuple, position: tuple
) -> list[tuple[tuple, str]]:
    """(position in the document, message) for each schema error of `data`, which sits at
    `base` in the document."""
    if quick is not None and quick(data):
        return []
    found = []
    for error in check.iter_errors(data):
        for path, message in _messages_for(error):
            found.append(
                ((*position, *_position(data, path)), f"{format_path((*base, *path))}: {message}")
            )
    return found


def schema_errors(data: dict[str, Any]) -> list[str]:
    outline, lists = split_long_lists(data)
    found = _schema_messages(validator(), quick_check(), outline, (), ())
    for where, items in lists:
        check, quick = item_validator(where), item_quick_check(where)
        position = _position(outline, where)
        for index, item in enumerate(items):
            found.extend(_schema_messages(check, quick, item, (*where, index), (*position, index)))
    found.sort(key=lambda item: item[0])
    unique = list(dict.fromkeys(message for _, message in found))
    return limit(unique)


def limit(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_MESSAGES:
        return messages
    rest = len(messages) - MAX_MESSAGES
    return [*messages[:MAX_MESSAGES], f"… e altri {rest} problemi non mostrati"]


# --- 3. meaning -----------------------------------------------------------------------------


# Nouns that take a masculine participle in "… non definito in …".
MASCULINE = frozenset(
    {
        "obiettivo",
        "obiettivo strategico",
        "gruppo di pesatura",
        "indicatore",
        "comportamento",
        "modello di scheda",
    }
)


def _moment(value: str) -> dt.datetime | None:
    """The moment a valid datetime text names; None when it is not one (reported elsewhere)."""
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


class SemanticChecker:
    """Checks that need more than one value at a time. Call `run()` on a schema-valid document."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.cycle = data["cycle"]
        self.errors: list[str] = []
        # What later checks need of the long lists (which may be read from the file again at
        # each pass, interchange.stream): only keys and counts are kept, never the items.
        self.phase_counts: dict[str, int] = {}
        self.percent_indicators: set[str] = set()

    def error(self, path: Iterable[str | int], message: str) -> None:
        self.errors.append(f"{format_path(path)}: {message}")

    def run(self) -> list[str]:
        self.check_scalars()
        self.check_horizon()
        self.check_ente()
        units = self.check_units()
        people = self.check_people(units)
        self.check_evaluation_bodies(people)
        self.check_cycle(units, people)
        return limit(self.errors)

    # generic: every date is a real day, every decimal fits its column
    def check_scalars(self) -> None:
        for path, fld, value in spec.iter_scalars(spec.DOCUMENT, self.data, ()):
            if fld.kind == spec.DATE:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    self.error(path, f"{show(value)} non è una data esistente")
            elif fld.kind == spec.DATETIME:
                try:
                    dt.datetime.fromisoformat(value)
                except ValueError:
                    self.error(path, f"{show(value)} non è una data e ora esistente")
            elif fld.kind == spec.DECIMAL:
                self.check_digits(path, fld, Decimal(value))

    def check_digits(self, path, fld: spec.Field, value: Decimal) -> None:
        max_digits, places = fld.digits
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.error(path, f'"{value}" ha troppe cifre decimali (al massimo {places})')
            return
        limit_value = Decimal(10) ** (max_digits - places)
        if abs(value) >= limit_value:
            self.error(
                path, f'"{value}" è troppo grande (al massimo {max_digits - places} cifre intere)'
            )

    def check_horizon(self) -> None:
        year, first, last = self.cycle["year"], self.cycle["first_year"], self.cycle["last_year"]
        if first > last:
            self.error(
                ("cycle", "first_year"),
                f"il primo anno del triennio ({first}) è successivo all'ultimo ({last})",
            )
        elif not first <= year <= last:
            self.error(("cycle", "year"), f"l'anno {year} è fuori dal triennio {first}-{last}")

    def unique_keys(self, items: list[dict], path: tuple, field: str = "key") -> dict[Any, int]:
        """Map key -> index; reports every repeated key with the place it was first used."""
        seen: dict[Any, int] = {}
        for index, item in enumerate(items):
            key = item.get(field)
            if key is None:
                continue
            if key in seen:
                first = format_path((*path, seen[key]))
                self.error((*path, index, field), f"{show(key)} già usato in {first}")
            else:
                seen[key] = index
        return seen

    def reference(self, path: tuple, value: Any, known, what: str, where: str) -> None:
        if value is not None and value not in known:
            defined = "definito" if what in MASCULINE else "definita"
            self.error(path, f'{what} "{value}" non {defined} in {where}')

    def date_order(self, item: dict, path: tuple, start: str, end: str) -> None:
        first, last = item.get(start), item.get(end)
        if first and last and first <= last:
            return
        if first and last:
            self.error((*path, end), f"la data di fine {last} precede quella di inizio {first}")

    def check_ente(self) -> None:
        ente = self.data["ente"]
        self.unique_keys(ente.get("members") or [], ("ente", "members"), "name")
        if ente.get("smvp_settings") is not None:
            try:
                spec.smvp_settings(ente["smvp_settings"])
            except ConfigError as exc:
                for key, message in exc.errors:
                    # "smvp.indicator.bands[0].from" -> "$.ente.smvp_settings.indicator.bands[0]…"
                    where = "$.ente.smvp_settings" + key.removeprefix(ROOT)
                    self.errors.append(f"{where}: {message}")

    def check_units(self) -> dict[str, int]:
        units = self.data.get("units") or []
        keys = self.unique_keys(units, ("units",))
        people = {p.get("key") for p in self.data.get("people") or []}
        for index, unit in enumerate(units):
            path = ("units", index)
            parent = unit.get("parent")
            if parent is not None and keys.get(parent, index) >= index:
                if parent in keys:
                    self.error(
                        (*path, "parent"), f'l\'unità "{parent}" deve precedere le sue figlie'
                    )
                else:
                    self.error((*path, "parent"), f'unità "{parent}" non definita in $.units')
            self.reference(
                (*path, "responsible"), unit.get("responsible"), people, "persona", "$.people"
            )
            for p_index, parameter in enumerate(unit.get("parameters") or []):
                p_path = (*path, "parameters", p_index)
                self.unique_keys(parameter.get("values") or [], (*p_path, "values"), "year")
            self.unique_keys(unit.get("parameters") or [], (*path, "parameters"))
        return keys

    def check_people(self, units: dict[str, int]) -> dict[str, int]:
        people = self.data.get("people") or []
        keys = self.unique_keys(people, ("people",))
        for index, person in enumerate(people):
            path = ("people", index)
            for e_index, employment in enumerate(person.get("employments") or []):
                e_path = (*path, "employments", e_index)
                self.date_order(employment, e_path, "start_date", "end_date")
                share = employment.get("part_time_percent")
                if share is not None and not Decimal(0) < Decimal(share) <= Decimal(100):
                    self.error((*e_path, "part_time_percent"), f'"{share}" deve essere tra 0 e 100')
            for a_index, assignment in enumerate(person.get("assignments") or []):
                a_path = (*path, "assignments", a_index)
                self.reference((*a_path, "unit"), assignment.get("unit"), units, "unità", "$.units")
                self.date_order(assignment, a_path, "start_date", "end_date")
                self.date_order(
                    assignment, a_path, "position_allowance_start", "position_allowance_end"
                )
                allowance = assignment.get("position_allowance")
                if allowance is not None and Decimal(allowance) < 0:
                    self.error(
                        (*a_path, "position_allowance"), f'"{allowance}" non può essere negativo'
                    )
            for b_index, absence in enumerate(person.get("absences") or []):
                self.date_order(absence, (*path, "absences", b_index), "start_date", "end_date")
        return keys

    def check_evaluation_bodies(self, people: dict[str, int]) -> None:
        for index, body in enumerate(self.data.get("evaluation_bodies") or []):
            path = ("evaluation_bodies", index)
            self.date_order(body, path, "start_date", "end_date")
            for m_index, member in enumerate(body.get("members") or []):
                self.reference(
                    (*path, "members", m_index, "person"),
                    member.get("person"),
                    people,
                    "persona",
                    "$.people",
                )

    def check_cycle(self, units: dict[str, int], people: dict[str, int]) -> None:
        cycle = self.cycle
        areas = self.unique_keys(cycle.get("strategic_areas") or [], ("cycle", "strategic_areas"))
        strategic = self.check_strategic_objectives(areas, units)
        groups = self.check_weight_groups(units, people)
        objectives = self.check_objectives(units, people, strategic, groups)
        tables = self.check_indicator_groups(units)
        indicators = self.check_indicators(units, strategic, objectives, tables)
        self.unique_keys(cycle.get("revisions") or [], ("cycle", "revisions"), "number")
        windows = self.check_windows()
        self.check_measurements(indicators, windows)
        self.check_delegates(objectives, people)
        self.check_corrective_actions(objectives, windows)
        behaviours = self.check_behaviours()
        schemes = self.check_schemes(behaviours)
        schede = self.check_schede(units, people, objectives, behaviours, schemes)
        funds = self.check_funds()
        self.check_distributions(people, schede, funds)

    def check_years(self, path: tuple, years: list[int] | None) -> None:
        """The years a row belongs to: each once, inside the cycle's horizon."""
        first, last = self.cycle["first_year"], self.cycle["last_year"]
        seen: set[int] = set()
        for index, year in enumerate(years or []):
            if year in seen:
                self.error((*path, index), f"l'anno {year} è ripetuto")
            elif not first <= year <= last:
                self.error((*path, index), f"l'anno {year} è fuori dal triennio {first}-{last}")
            seen.add(year)

    def check_listed_with_first(
        self, path: tuple, item: dict, names: tuple[str, str], known, what: str, where: str
    ) -> None:
        """`units` (or `areas`) refer to known keys, each once; a version 1 `unit` (`area`)
        given with the list must be its first element."""
        plural, single = names
        listed = item.get(plural) or []
        for index, key in enumerate(listed):
            self.reference((*path, plural, index), key, known, what, where)
        if len(set(listed)) < len(listed):
            self.error((*path, plural), "l'elenco contiene elementi ripetuti")
        first = item.get(single)
        self.reference((*path, single), first, known, what, where)
        if first is not None and listed and listed[0] != first:
            self.error(
                (*path, single),
                f"deve essere il primo elemento di {plural} ({show(listed[0])}), oppure va omesso",
            )

    def check_strategic_objectives(self, areas, units) -> dict[str, int]:
        items = self.cycle.get("strategic_objectives") or []
        keys = self.unique_keys(items, ("cycle", "strategic_objectives"))
        for index, item in enumerate(items):
            path = ("cycle", "strategic_objectives", index)
            self.check_listed_with_first(
                path,
                item,
                ("areas", "area"),
                areas,
                "area strategica",
                "$.cycle.strategic_areas",
            )
            for u_index, unit in enumerate(item.get("units") or []):
                self.reference((*path, "units", u_index), unit, units, "unità", "$.units")
        return keys

    def check_weight_groups(self, units, people) -> dict[str, int]:
        items = self.cycle.get("weight_groups") or []
        keys = self.unique_keys(items, ("cycle", "weight_groups"))
        for index, item in enumerate(items):
            path = ("cycle", "weight_groups", index)
            self.reference((*path, "unit"), item.get("unit"), units, "unità", "$.units")
            self.reference(
                (*path, "responsible"), item.get("responsible"), people, "persona", "$.people"
            )
            self.check_years((*path, "years"), item.get("years"))
        return keys

    def check_objectives(self, units, people, strategic, groups) -> dict[str, int]:
        items = self.cycle.get("objectives") or []
        keys = self.unique_keys(items, ("cycle", "objectives"))
        for index, item in enumerate(items):
            path = ("cycle", "objectives", index)
            self.check_listed_with_first(path, item, ("units", "unit"), units, "unità", "$.units")
            self.check_years((*path, "years"), item.get("years"))
            for r_index, person in enumerate(item.get("responsibles") or []):
                self.reference(
                    (*path, "responsibles", r_index), person, people, "persona", "$.people"
                )
            if len(set(item.get("responsibles") or [])) < len(item.get("responsibles") or []):
                self.error((*path, "responsibles"), "l'elenco contiene persone ripetute")
            self.reference(
                (*path, "strategic_objective"),
                item.get("strategic_objective"),
                strategic,
                "obiettivo strategico",
                "$.cycle.strategic_objectives",
            )
            self.reference(
                (*path, "weight_group"),
                item.get("weight_group"),
                groups,
                "gruppo di pesatura",
                "$.cycle.weight_groups",
            )
            for p_index, phase in enumerate(item.get("phases") or []):
                p_path = (*path, "phases", p_index)
                self.date_order(phase, p_path, "planned_start", "planned_end")
            if keys.get(item["key"]) == index:  # the first objective with the key counts
                self.phase_counts[item["key"]] = len(item.get("phases") or [])
        return keys

    def check_indicator_groups(self, units) -> dict[str, int]:
        items = self.cycle.get("indicator_groups") or []
        keys = self.unique_keys(items, ("cycle", "indicator_groups"))
        for index, item in enumerate(items):
            path = ("cycle", "indicator_groups", index)
            self.reference((*path, "unit"), item.get("unit"), units, "unità", "$.units")
            parent = item.get("parent")
            if parent is not None and keys.get(parent, index) >= index:
                if parent in keys:
                    self.error(
                        (*path, "parent"), f'la tabella "{parent}" deve precedere le sue figlie'
                    )
                else:
                    self.error(
                        (*path, "parent"),
                        f'tabella "{parent}" non definita in $.cycle.indicator_groups',
                    )
        return keys

    def check_indicators(self, units, strategic, objectives, tables) -> dict[str, int]:
        items = self.cycle.get("indicators") or []
        keys = self.unique_keys(items, ("cycle", "indicators"))
        for index, item in enumerate(items):
            path = ("cycle", "indicators", index)
            if keys.get(item["key"]) == index and item.get("unit_of_measure") == "%":
                self.percent_indicators.add(item["key"])
            self.reference(
                (*path, "group"),
                item.get("group"),
                tables,
                "tabella di indicatori",
                "$.cycle.indicator_groups",
            )
            self.reference(
                (*path, "objective"),
                item.get("objective"),
                objectives,
                "obiettivo",
                "$.cycle.objectives",
            )
            self.reference(
                (*path, "strategic_objective"),
                item.get("strategic_objective"),
                strategic,
                "obiettivo strategico",
                "$.cycle.strategic_objectives",
            )
            self.reference((*path, "unit"), item.get("unit"), units, "unità", "$.units")
            self.check_phase_index(path, item, objectives)
            targets = item.get("targets") or []
            self.unique_keys(targets, (*path, "targets"), "year")
            for t_index, target in enumerate(targets):
                self.check_target((*path, "targets", t_index), target)
        return keys

    def check_phase_index(self, path, item, objectives) -> None:
        phase = item.get("phase")
        if phase is None:
            return
        objective = item.get("objective")
        if objective is None:
            self.error((*path, "phase"), "una fase richiede anche il campo objective")
            return
        if objective not in objectives:
            return  # already reported on `objective`
        count = self.phase_counts[objective]
        if phase >= count:
            self.error(
                (*path, "phase"),
                f"l'obiettivo \"{objective}\" ha {count} fasi: l'indice {phase} non esiste "
                "(si conta da 0)",
            )

    def check_target(self, path, target: dict) -> None:
        """The structured fields a target kind needs to be computed by the engine."""
        kind = target["kind"]
        needs = {
            "gte": ("value",),
            "gt": ("value",),
            "lte": ("value",),
            "lt": ("value",),
            "eq": ("value",),
            "value": ("value",),
            "between": ("value", "value_to"),
            "by_date": ("target_date",),
        }.get(kind, ())
        for name in needs:
            if target.get(name) is None:
                self.error((*path, name), f'obbligatorio per un target di tipo "{kind}"')
        low, high = target.get("value"), target.get("value_to")
        if kind == "between" and low and high and Decimal(low) > Decimal(high):
            self.error((*path, "value_to"), "il limite superiore è minore di quello inferiore")

    # --- monitoring ---------------------------------------------------------------------------

    def in_year(self, path: tuple, value: str | None) -> bool:
        year = self.cycle["year"]
        if value is None or value[:4] == str(year):
            return True
        self.error(path, f"la data {value} è fuori dall'anno del ciclo ({year})")
        return False

    def check_windows(self) -> dict[str, dict]:
        """Windows in date order, each date once, at most one final window (the last one)."""
        items = self.cycle.get("monitoring_windows") or []
        base = ("cycle", "monitoring_windows")
        keys = self.unique_keys(items, base)
        self.unique_keys(items, base, "period_end")
        finals = [index for index, item in enumerate(items) if item.get("is_final")]
        for index, item in enumerate(items):
            path = (*base, index)
            end = item["period_end"]
            self.in_year((*path, "period_end"), end)
            previous = items[index - 1]["period_end"] if index else None
            if previous is not None and end < previous:
                self.error(
                    (*path, "period_end"),
                    f"le finestre vanno elencate in ordine di data: {end} precede {previous}",
                )
            closed = item.get("state") == "closed"
            if closed and item.get("closed_at") is None:
                self.error((*path, "closed_at"), "obbligatorio per una finestra chiusa")
            if not closed and item.get("closed_at") is not None:
                self.error((*path, "closed_at"), "una finestra aperta non ha data di chiusura")
            if not closed and item.get("snapshot") is not None:
                self.error((*path, "snapshot"), "solo una finestra chiusa ha un'istantanea")
        if len(finals) > 1:
            first = format_path((*base, finals[0]))
            self.error((*base, finals[1], "is_final"), f"c'è già una finestra finale ({first})")
        elif finals and finals[0] != len(items) - 1:
            self.error(
                (*base, finals[0], "is_final"), "la finestra finale deve essere l'ultima per data"
            )
        return {key: items[index] for key, index in keys.items()}

    def parameter_keys(self) -> dict[str, set[str]]:
        return {
            unit["key"]: {p["key"] for p in unit.get("parameters") or []}
            for unit in self.data.get("units") or []
        }

    def check_measurements(self, indicators: dict[str, int], windows: dict[str, dict]) -> None:
        items = self.cycle.get("measurements") or []
        parameters = self.parameter_keys()
        seen: dict[tuple, int] = {}
        for index, item in enumerate(items):
            path = ("cycle", "measurements", index)
            subject = self.measurement_subject(path, item, indicators, parameters)
            start, end = item["period_start"], item["period_end"]
            self.in_year((*path, "period_start"), start)
            self.in_year((*path, "period_end"), end)
            self.date_order(item, path, "period_start", "period_end")
            if subject is not None:
                # One entry per value of the file: flat, and with the texts interned (a
                # streamed file gives a new string for each occurrence of the same key).
                key = (*map(sys.intern, subject), sys.intern(end))
                if key in seen:
                    first = format_path(("cycle", "measurements", seen[key]))
                    self.error(
                        (*path, "period_end"),
                        f"esiste già un valore al {end} per lo stesso oggetto ({first})",
                    )
                else:
                    seen[key] = index
            done = item.get("completed_on")
            if done is not None and done > end:
                self.error(
                    (*path, "completed_on"),
                    f"la data di completamento {done} è successiva alla fine del periodo {end}",
                )
            value = item.get("value")
            percent = item.get("indicator") in self.percent_indicators
            if value is not None and percent and Decimal(value) > 100:
                self.error(
                    (*path, "value"),
                    f'"{value}" supera 100, ma l\'indicatore "{item["indicator"]}" '
                    "è espresso in percentuale",
                )
            if item.get("state") == "approved" and item.get("approved_at") is None:
                self.error((*path, "approved_at"), "obbligatorio per un valore approvato")
            if item.get("state", "draft") == "draft" and item.get("approved_at") is not None:
                self.error(
                    (*path, "approved_at"), "un valore non approvato non ha data di approvazione"
                )
            for c_index, correction in enumerate(item.get("corrections") or []):
                self.check_correction((*path, "corrections", c_index), correction, end, windows)

    def measurement_subject(self, path, item, indicators, parameters) -> tuple | None:
        """("indicator", key) or ("parameter", unit, key); reports a missing or double subject."""
        indicator, parameter = item.get("indicator"), item.get("parameter")
        if (indicator is None) == (parameter is None):
            self.error(
                path,
                "indicare l'indicatore (indicator) oppure il parametro (parameter), "
                "uno solo dei due",
            )
            return None
        if indicator is not None:
            if indicator not in indicators:
                self.reference(
                    (*path, "indicator"), indicator, indicators, "indicatore", "$.cycle.indicators"
                )
                return None
            return ("indicator", indicator)
        unit, key = parameter["unit"], parameter["key"]
        if unit not in parameters:
            self.reference((*path, "parameter", "unit"), unit, parameters, "unità", "$.units")
            return None
        if key not in parameters[unit]:
            self.error(
                (*path, "parameter", "key"),
                f'parametro "{key}" non definito tra i parametri dell\'unità "{unit}"',
            )
            return None
        return ("parameter", unit, key)

    def check_correction(self, path, correction: dict, end: str, windows: dict[str, dict]) -> None:
        key = correction["window"]
        if key not in windows:
            self.reference(
                (*path, "window"), key, windows, "finestra", "$.cycle.monitoring_windows"
            )
            return
        window = windows[key]
        if window.get("state") != "closed":
            self.error(
                (*path, "window"),
                f'la finestra "{key}" è aperta: si corregge solo un valore di una finestra chiusa',
            )
        elif end > window["period_end"]:
            self.error(
                (*path, "window"),
                f'il valore al {end} non appartiene alla finestra "{key}" ({window["period_end"]})',
            )
        closed_at = window.get("closed_at")
        corrected, closing = _moment(correction["corrected_at"]), _moment(closed_at or "")
        if corrected and closing and corrected < closing:
            self.error(
                (*path, "corrected_at"),
                f'la correzione precede la chiusura della finestra "{key}" ({closed_at})',
            )

    def check_delegates(self, objectives, people) -> None:
        items = self.cycle.get("delegates") or []
        seen: dict[tuple, int] = {}
        for index, item in enumerate(items):
            path = ("cycle", "delegates", index)
            self.reference(
                (*path, "objective"),
                item["objective"],
                objectives,
                "obiettivo",
                "$.cycle.objectives",
            )
            self.reference((*path, "person"), item["person"], people, "persona", "$.people")
            pair = (item["objective"], item["person"])
            if pair in seen:
                first = format_path(("cycle", "delegates", seen[pair]))
                self.error((*path, "person"), f"delega già presente in {first}")
            else:
                seen[pair] = index

    def check_corrective_actions(self, objectives, windows) -> None:
        for index, item in enumerate(self.cycle.get("corrective_actions") or []):
            path = ("cycle", "corrective_actions", index)
            self.reference(
                (*path, "objective"),
                item["objective"],
                objectives,
                "obiettivo",
                "$.cycle.objectives",
            )
            self.reference(
                (*path, "window"),
                item.get("window"),
                windows,
                "finestra",
                "$.cycle.monitoring_windows",
            )

    # --- appraisal and rewards ----------------------------------------------------------------

    def check_behaviours(self) -> dict[str, int]:
        items = self.data["ente"].get("behaviours") or []
        keys = self.unique_keys(items, ("ente", "behaviours"))
        for index, item in enumerate(items):
            levels = item.get("levels") or []
            path = ("ente", "behaviours", index, "levels")
            seen: dict[Decimal, int] = {}
            for l_index, level in enumerate(levels):
                score = Decimal(level["score"])
                if score in seen:
                    first = format_path((*path, seen[score]))
                    self.error((*path, l_index, "score"), f"livello già usato in {first}")
                else:
                    seen[score] = l_index
        return keys

    def weights_total(self, path: tuple, weights: list[str | None], what: str) -> None:
        given = [Decimal(w) for w in weights if w is not None]
        if given and len(given) < len(weights):
            self.error(path, f"indicare il peso di tutti i {what} o di nessuno")
        elif given and abs(sum(given) - 100) > Decimal("0.01"):
            total = spec.format_decimal(sum(given))
            self.error(path, f"i pesi dei {what} sommano a {total}, non a 100")

    def check_schemes(self, behaviours: dict[str, int]) -> dict[str, dict]:
        items = self.cycle.get("schemes") or []
        base = ("cycle", "schemes")
        keys = self.unique_keys(items, base)
        for index, item in enumerate(items):
            path = (*base, index)
            low = item.get("behaviour_scale_min", 1)
            high = item.get("behaviour_scale_max", 5)
            if low >= high:
                self.error(
                    (*path, "behaviour_scale_max"),
                    f"il massimo della scala ({high}) deve superare il minimo ({low})",
                )
            components = item.get("components") or []
            self.unique_keys(components, (*path, "components"))
            self.weights_total(
                (*path, "components"), [c["weight"] for c in components], "componenti"
            )
            for c_index, component in enumerate(components):
                c_path = (*path, "components", c_index, "behaviours")
                links = component.get("behaviours") or []
                self.unique_keys(links, c_path, "behaviour")
                for b_index, link in enumerate(links):
                    self.reference(
                        (*c_path, b_index, "behaviour"),
                        link["behaviour"],
                        behaviours,
                        "comportamento",
                        "$.ente.behaviours",
                    )
                self.weights_total(c_path, [link.get("weight") for link in links], "comportamenti")
            maximum = Decimal(item.get("max_points", "100"))
            for b_index, band in enumerate(item.get("bands") or []):
                b_path = (*path, "bands", b_index)
                low_points, high_points = Decimal(band["min_points"]), Decimal(band["max_points"])
                if low_points > high_points:
                    self.error(
                        (*b_path, "max_points"),
                        f"il limite superiore ({band['max_points']}) è minore di quello "
                        f"inferiore ({band['min_points']})",
                    )
                if high_points > maximum:
                    self.error(
                        (*b_path, "max_points"),
                        f"supera il punteggio massimo del modello ({format_decimal(maximum)})",
                    )
        return {key: items[index] for key, index in keys.items()}

    def check_schede(self, units, people, objectives, behaviours, schemes) -> dict[str, int]:
        items = self.cycle.get("schede") or []
        base = ("cycle", "schede")
        keys = self.unique_keys(items, base, "person")
        for index, item in enumerate(items):
            path = (*base, index)
            self.reference((*path, "person"), item["person"], people, "persona", "$.people")
            self.reference(
                (*path, "scheme"), item["scheme"], schemes, "modello di scheda", "$.cycle.schemes"
            )
            self.reference((*path, "unit"), item.get("unit"), units, "unità", "$.units")
            self.reference(
                (*path, "evaluator"), item.get("evaluator"), people, "persona", "$.people"
            )
            scheme = schemes.get(item["scheme"])
            band = item.get("band")
            if scheme is not None and band is not None:
                count = len(scheme.get("bands") or [])
                if band >= count:
                    self.error(
                        (*path, "band"),
                        f'il modello "{item["scheme"]}" ha {count} fasce: l\'indice {band} non '
                        "esiste (si conta da 0)",
                    )
            if scheme is not None:
                self.check_scheda_band(path, item, scheme)
            self.check_scheda_items(path, item, scheme, objectives, behaviours)
            self.check_scheda_state(path, item)
        return keys

    def check_scheda_items(self, path: tuple, item: dict, scheme, objectives, behaviours) -> None:
        """Each line names a component of the scheme and existing behaviours and objectives."""
        components = {c["key"] for c in (scheme or {}).get("components") or []}
        for i_index, line in enumerate(item.get("items") or []):
            i_path = (*path, "items", i_index)
            if scheme is not None and line["component"] not in components:
                self.error(
                    (*i_path, "component"),
                    f'componente "{line["component"]}" non definito nel modello "{item["scheme"]}"',
                )
            self.reference(
                (*i_path, "behaviour"),
                line.get("behaviour"),
                behaviours,
                "comportamento",
                "$.ente.behaviours",
            )
            self.reference(
                (*i_path, "objective"),
                line.get("objective"),
                objectives,
                "obiettivo",
                "$.cycle.objectives",
            )

    def check_scheda_state(self, path: tuple, item: dict) -> None:
        """The state has what it requires (conciliation, finalisation) and ends the history."""
        state = item.get("state", "draft")
        if state in ("contested", "conciliation") and item.get("conciliation") is None:
            self.error(
                (*path, "conciliation"), f'obbligatoria per una scheda nello stato "{state}"'
            )
        if state == "final" and item.get("finalised_at") is None:
            self.error((*path, "finalised_at"), "obbligatorio per una scheda definitiva")
        transitions = item.get("transitions") or []
        if transitions and transitions[-1]["to_state"] != state:
            self.error(
                (*path, "transitions", len(transitions) - 1, "to_state"),
                f'l\'ultimo passaggio porta a "{transitions[-1]["to_state"]}", ma la scheda '
                f'è nello stato "{state}"',
            )

    def check_scheda_band(self, path: tuple, item: dict, scheme: dict) -> None:
        """The band, premium % and negative flag of a scored scheda must follow from its score
        and its scheme's bands (as when the scheda is scored in Performa)."""
        if item.get("total_points") is None or not scheme.get("bands"):
            return
        rows = scheme["bands"]
        threshold = scheme.get("negative_threshold")
        try:
            table = ea.ScoreBands(
                tuple(
                    ea.ScoreBand(
                        Decimal(b["min_points"]),
                        Decimal(b["max_points"]),
                        Decimal(b["premium_percent"]),
                        b.get("label") or "",
                    )
                    for b in rows
                ),
                maximum=Decimal(scheme.get("max_points", "100")),
                negative_below=None if threshold is None else Decimal(threshold),
            )
            result = table.classify(Decimal(item["total_points"]))
        except (ValueError, ConfigError, KeyError):
            return  # the scheme's own errors (or the score's range) are reported elsewhere
        index = next(
            i
            for i, b in enumerate(rows)
            if Decimal(b["min_points"]) == result.band.lower
            and Decimal(b["max_points"]) == result.band.upper
        )
        points = format_number(Decimal(item["total_points"]))
        expected = (
            f'con {points} punti la fascia del modello "{item["scheme"]}" è la n. {index} '
            f"({format_number(result.band.lower)}–{format_number(result.band.upper)}, premio "
            f"{format_percent(result.percent)})"
        )
        band = item.get("band")
        if band is not None and band < len(rows) and band != index:
            self.error((*path, "band"), f"fascia n. {band} non coerente: {expected}")
        percent = item.get("premium_percent")
        if percent is not None and Decimal(percent) != result.percent:
            self.error(
                (*path, "premium_percent"),
                f"premio {format_percent(Decimal(percent))} non coerente: {expected}",
            )
        negative = item.get("is_negative")
        if negative is not None and negative != result.negative:
            self.error(
                (*path, "is_negative"),
                f"{'negativa' if negative else 'non negativa'} non coerente con {points} punti "
                f"(soglia {format_number(table.negative_threshold)})",
            )

    def check_funds(self) -> dict[str, int]:
        items = self.cycle.get("funds") or []
        keys = self.unique_keys(items, ("cycle", "funds"), "kind")
        for index, item in enumerate(items):
            for name in ("amount", "pool_amount"):
                value = item.get(name)
                if value is not None and Decimal(value) < 0:
                    self.error(
                        ("cycle", "funds", index, name),
                        f'"{value}" è negativo: un fondo non può esserlo',
                    )
        return keys

    def check_distributions(self, people, schede, funds) -> None:
        finals: dict[str, int] = {}
        base = ("cycle", "distributions")
        for index, item in enumerate(self.cycle.get("distributions") or []):
            path = (*base, index)
            fund = item["fund"]
            if fund not in funds:
                self.error((*path, "fund"), f'fondo "{fund}" non definito in $.cycle.funds')
            if item.get("state") == "final":
                if fund in finals:
                    first = format_path((*base, finals[fund]))
                    self.error(
                        (*path, "state"),
                        f'il fondo "{fund}" ha già una distribuzione definitiva ({first})',
                    )
                else:
                    finals[fund] = index
                if item.get("finalised_at") is None:
                    self.error(
                        (*path, "finalised_at"), "obbligatorio per una distribuzione definitiva"
                    )
            elif item.get("finalised_at") is not None:
                self.error(
                    (*path, "finalised_at"), "un'anteprima non ha data di conferma definitiva"
                )
            for l_index, line in enumerate(item.get("lines") or []):
                l_path = (*path, "lines", l_index)
                self.reference((*l_path, "person"), line["person"], people, "persona", "$.people")
                self.reference(
                    (*l_path, "scheda"), line.get("scheda"), schede, "scheda", "$.cycle.schede"
                )


def format_decimal(value: Decimal) -> str:
    return spec.format_decimal(value)


def semantic_errors(data: dict[str, Any]) -> list[str]:
    return SemanticChecker(data).run()


def document_errors(data: Any) -> list[str]:
    """Every problem of the document, in order of the checks; empty when it can be imported."""
    return check_header(data) or schema_errors(data) or semantic_errors(data)
