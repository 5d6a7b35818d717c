"""The readers of `core.parsing` and the audit helpers: Italian messages that name the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.audit import audit, diff, state_of
from core.exceptions import ServiceError
from core.models import AuditEntry
from core.parsing import (
    clean_text,
    ensure_free_key,
    free_key,
    parse_date,
    parse_decimal,
    parse_flag,
    parse_integer,
    parse_key,
    parse_percent,
    required_date,
    required_decimal,
    required_text,
    unique_key,
)

D = Decimal


def refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as error:
        call(*args, **kwargs)
    return error.value


def test_parse_decimal_reads_the_italian_way_and_passes_numbers_through():
    assert parse_decimal("1.700", label="Peso") == D(1700)
    assert parse_decimal("11,11 %", label="Peso") == D("11.11")
    assert parse_decimal(D("1.125"), label="Peso") == D("1.125")
    assert parse_decimal(7, label="Peso") == D(7)
    assert parse_decimal("  ", label="Peso") is None
    assert parse_decimal(None, label="Peso") is None


@pytest.mark.parametrize(
    ("value", "options", "message"),
    [
        ("1,234.56", {}, "Peso: «1,234.56» non è un numero: la virgola separa i decimali"),
        ("abc", {}, "Peso: «abc» non è un numero."),
        (True, {}, "Peso: «True» non è un numero."),
        ("", {"required": True}, "Peso: valore obbligatorio."),
        ("1,234", {"places": 2}, "Peso ammette al massimo due decimali."),
        ("150", {"low": 0, "high": 100}, "Peso deve essere compreso tra 0 e 100 (indicato 150)."),
        ("-1", {"low": 0}, "Peso non può essere inferiore a 0 (indicato -1)."),
        ("1.000,5", {"high": 1000}, "Peso non può superare 1.000 (indicato 1.000,5)."),
    ],
)
def test_parse_decimal_refuses_with_the_label_and_the_field(value, options, message):
    error = refused(parse_decimal, value, label="Peso", field="weight", **options)
    assert error.message.startswith(message)
    assert error.field == "weight"


def test_percent_integer_and_required():
    assert parse_percent("33,33", label="Quota") == D("33.33")
    assert "compreso tra 0 e 100" in refused(parse_percent, "100,01", label="Quota").message
    assert required_decimal("2", label="Punti") == D(2)
    assert parse_integer("1.700", label="Giorni") == 1700
    assert parse_integer("", label="Giorni", required=False) is None
    assert "non è un numero intero" in refused(parse_integer, "2,5", label="Giorni").message
    assert "non è un numero intero" in refused(parse_integer, "due", label="Giorni").message
    assert (
        "compreso tra 1 e 365"
        in refused(parse_integer, "400", label="Giorni", low=1, high=365).message
    )
    assert parse_integer("", label="Giorni", required=False) is None


def test_parse_date_takes_iso_and_italian_dates_in_a_plausible_range():
    assert parse_date("2024-03-31", label="Scadenza") == dt.date(2024, 3, 31)
    assert parse_date("31/03/2024", label="Scadenza") == dt.date(2024, 3, 31)
    assert parse_date(dt.datetime(2024, 3, 31, 10), label="Scadenza") == dt.date(2024, 3, 31)
    assert parse_date("", label="Scadenza") is None
    error = refused(parse_date, "31 giugno", label="Scadenza", field="due")
    assert (error.message, error.field) == ("Scadenza: «31 giugno» non è una data valida.", "due")
    assert "fuori dall'intervallo ammesso" in refused(parse_date, "01/01/0001", label="X").message
    assert "obbligatorio" in refused(parse_date, None, label="X", required=True).message


def test_texts_are_trimmed_limited_and_required():
    assert clean_text("  Piano  ") == "Piano"
    assert clean_text(None) == ""
    too_long = refused(clean_text, "x" * 11, label="Titolo", field="title", max_length=10)
    assert too_long.message == "Titolo: al massimo 10 caratteri (indicati 11)."
    assert refused(clean_text, "x" * 10_001).field is None
    assert required_text(" a ", "Il titolo è obbligatorio.", "title") == "a"
    error = refused(required_text, "  ", "Il titolo è obbligatorio.", "title")
    assert (error.message, error.field) == ("Il titolo è obbligatorio.", "title")


def test_flags_and_keys():
    assert parse_flag("sì") and parse_flag("on") and parse_flag(True)
    assert not parse_flag("no") and not parse_flag("") and not parse_flag(None)
    assert free_key([], "Controlli edilizi") == "controlli-edilizi"
    assert free_key(["controlli", "controlli-2"], "Controlli") == "controlli-3"
    assert free_key([], "«»", fallback="voce") == "voce"
    assert len(free_key([], "parola " * 40)) <= 80


def test_required_date_refuses_nothing_and_names_the_field():
    assert required_date("2025-02-01", label="Inizio") == dt.date(2025, 2, 1)
    assert required_date("01/02/2025", label="Inizio") == dt.date(2025, 2, 1)
    error = refused(required_date, None, label="Inizio dell'assenza", field="start_date")
    assert (
        error.message == "Inizio dell'assenza: valore obbligatorio." and error.field == "start_date"
    )


def test_parse_key_takes_slugs_and_names_the_row():
    assert parse_key(" polizia-locale ") == "polizia-locale"
    assert refused(parse_key, "Polizia Locale", label="Comportamento").message == (
        "Comportamento: la chiave «Polizia Locale» non è valida: usa solo lettere minuscole, "
        "cifre e trattini (al massimo 80 caratteri)."
    )
    error = refused(parse_key, "", label="Identificativo dell'ente", field="slug")
    assert error.message == "Identificativo dell'ente: la chiave è obbligatoria."
    assert error.field == "slug"
    assert refused(parse_key, "a" * 81).field == "key"


def test_ensure_free_key_names_the_other_row(make_ente):
    from organization.models import Unit

    ente = make_ente()
    unit = Unit.objects.create(ente=ente, key="bilancio", name="Bilancio")
    units = Unit.objects.filter(ente=ente)
    ensure_free_key(units, "bilancio", "«{key}» già di {other}", exclude_pk=unit.pk)
    ensure_free_key(units, "tributi", "«{key}» già di {other}")
    assert refused(ensure_free_key, units, "bilancio", "«{key}» già di {other}").message == (
        "«bilancio» già di Bilancio"
    )


def test_unique_key_and_state_of_on_real_rows(make_ente):
    from organization.models import Unit

    ente = make_ente()
    Unit.objects.create(ente=ente, key="bilancio", name="Bilancio")
    assert unique_key(Unit.objects.filter(ente=ente), "Bilancio") == "bilancio-2"
    unit = Unit.objects.get(key="bilancio")
    assert unique_key(Unit.objects.filter(ente=ente), "Bilancio", exclude_pk=unit.pk) == "bilancio"
    before = state_of(unit)
    assert "updated_at" not in before
    unit.name = "Bilancio e tributi"
    unit.save()
    entry = audit(None, "unit.update", unit, ente, diff(before, state_of(unit)))
    assert AuditEntry.objects.get() == entry
    assert entry.changes == {"name": ["Bilancio", "Bilancio e tributi"]}
    assert entry.user is None and entry.ente == ente


def test_state_of_writes_decimals_at_their_places(make_ente, make_person):
    from organization.models import Employment

    person = make_person(make_ente())
    employment = Employment(person=person, start_date=dt.date(2024, 1, 1))
    employment.part_time_percent = D("50")
    assert state_of(employment)["part_time_percent"] == "50.00"


def test_parse_amount_reads_italian_euros_and_names_the_amount():
    from core.parsing import parse_amount

    assert parse_amount("1.234,5", "L'importo") == D("1234.50")
    assert parse_amount("", "L'importo", required=False) is None
    assert refused(parse_amount, "", "L'importo").message == "L'importo è obbligatorio."
    assert "non è un importo" in refused(parse_amount, "tanti", "L'importo").message
    assert "negativo" in refused(parse_amount, "-1", "L'importo").message
    assert "centesimi" in refused(parse_amount, "1,234", "L'importo").message
    assert "troppo grande" in refused(parse_amount, "10.000.000.000", "L'importo").message


def test_field_checker_gathers_one_message_per_wrong_key():
    from core.parsing import FieldChecker

    check = FieldChecker({"share": "120", "days": "2,5", "flag": "forse", "rate": "40,5"})
    assert check.number("share", low=D(0), high=D(100)) is None
    assert check.integer("days", low=0, high=366) is None
    assert check.flag("flag") is None
    assert check.number("rate", low=D(0), high=D(100)) == D("40.5")
    assert check.number("missing", optional=True) is None
    assert check.errors == {
        "share": "deve essere compreso tra 0 e 100.",
        "days": "«2,5» non è un numero intero.",
        "flag": "deve essere vero o falso.",
    }
