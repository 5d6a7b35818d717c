"""The file import reads its long lists from the file one item at a time (issue 12 §2,
«memory stays flat as the file grows»)."""

from __future__ import annotations

import gc
import io
import json
import tracemalloc

import ijson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from appraisal.models import SchedaItem, SchedaTransition
from benchmarks.synthetic import Profile, build_document
from core.limits import MAX_JSON_DEPTH
from interchange import importer, stream, validation
from interchange.exporter import dumps, export_cycle
from interchange.importer import InterchangeError, import_cycle
from interchange.management.commands.import_cycle import read_document
from interchange.stream import LONG_LISTS, Streamed, read_outline
from measurement.models import Measurement
from planning.models import Cycle, Target
from tests.interchange.documents import rich_document


def _write(tmp_path, document, name="ciclo.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _at(document, where):
    for name in where:
        document = document[name]
    return document


def test_the_outline_leaves_the_long_lists_in_the_file(tmp_path):
    document = rich_document()
    outline = read_outline(_write(tmp_path, document))
    for where in LONG_LISTS:
        streamed = _at(outline, where)
        assert isinstance(streamed, Streamed)
        expected = _at(document, where)
        assert len(streamed) == len(expected)
        # Each pass parses the items again, equal to what json.loads reads.
        assert list(streamed) == expected
        assert list(streamed) == expected
    rest = json.loads(json.dumps(document))
    for where in LONG_LISTS:
        _at(rest, where[:-1])[where[-1]] = []
        _at(outline, where[:-1])[where[-1]] = []
    assert outline == rest


def test_a_streamed_file_gives_the_same_cycle_as_the_document_read_whole(db, tmp_path):
    document = rich_document()
    streamed = import_cycle(read_outline(_write(tmp_path, document)))
    exported = dumps(export_cycle(streamed))
    other = dict(document, ente={**document["ente"], "slug": "letto-intero"})
    whole = import_cycle(json.loads(json.dumps(other)))
    assert dumps(export_cycle(whole)).replace("letto-intero", "x") == exported.replace(
        document["ente"]["slug"], "x"
    )


def test_the_problems_of_a_streamed_file_are_those_of_the_document(db, tmp_path):
    document = rich_document()
    document["cycle"]["objectives"][1]["weight"] = "11,11"
    document["cycle"]["objectives"][0]["nuovo"] = 1
    document["cycle"]["measurements"][0]["indicator"] = "assente"
    key, document["people"][0]["key"] = document["people"][0]["key"], "Maiuscola"
    expected = validation.document_errors(document)
    assert len(expected) == 3  # the schema's, in document order; the meaning is checked later
    assert expected[0].startswith("$.people[0].key:")
    assert validation.document_errors(read_outline(_write(tmp_path, document))) == expected
    document["people"][0]["key"] = key
    del document["cycle"]["objectives"][0]["nuovo"]
    document["cycle"]["objectives"][1]["weight"] = "11.11"
    expected = validation.document_errors(document)
    assert expected == [
        '$.cycle.measurements[0].indicator: indicatore "assente" non definito in $.cycle.indicators'
    ]
    with pytest.raises(InterchangeError) as refused:
        import_cycle(read_outline(_write(tmp_path, document)))
    assert refused.value.errors == expected
    assert not Cycle.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        '{"format": "performa-cycle", "people": [], "people": [1]}',  # json.loads keeps the last
        '{"format": "performa-cycle", "version": NaN}',  # beyond the standard, as before
    ],
)
def test_what_the_stream_cannot_read_is_read_whole(tmp_path, text):
    path = tmp_path / "strano.json"
    path.write_text(text, encoding="utf-8")
    assert repr(read_document(path)) == repr(json.loads(text))


def test_a_file_nested_too_deep_is_refused(db, tmp_path):
    path = tmp_path / "profondo.json"
    path.write_text('{"people": [' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "]}")
    with pytest.raises(CommandError, match="livelli di annidamento"):
        call_command("import_cycle", str(path))


def _import_peak(path) -> int:
    """Bytes allocated at the peak of `manage.py import_cycle` (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        call_command("import_cycle", str(path), stdout=io.StringIO())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _document_weight(path) -> int:
    """Bytes the document takes once read whole with json.loads."""
    text = path.read_text(encoding="utf-8")
    gc.collect()
    tracemalloc.start()
    try:
        document = json.loads(text)
        size = tracemalloc.get_traced_memory()[0]
        del document
        return size
    finally:
        tracemalloc.stop()


def test_the_memory_of_the_file_import_does_not_grow_with_the_file(db, tmp_path, monkeypatch):
    # Small blocks, so that a block is small beside the whole file even in a quick test.
    monkeypatch.setattr(importer, "BATCH", 25)
    one, four = (
        Profile("uno", "ente", 2, 4, 20, 60, 40),
        Profile("quattro", "ente", 2, 4, 80, 240, 160),
    )
    # Caches (schema, compiled checks, queries) are filled before measuring.
    _import_peak(_write(tmp_path, build_document(one, seed=2), "0.json"))
    small = _write(tmp_path, build_document(one), "1.json")
    large = _write(tmp_path, build_document(four), "4.json")
    small_peak = _import_peak(small)
    large_peak = _import_peak(large)
    assert Measurement.objects.filter(cycle__ente__slug="sintetico-quattro-1").count() == 960
    growth = _document_weight(large) - _document_weight(small)
    # Holding the document (or one instance per row) would grow the peak by more than the
    # document itself; what grows here is key -> id maps and key sets.
    assert large_peak - small_peak < growth / 2


def _spools(outline):
    return [_at(outline, where).spool for where in LONG_LISTS]


def test_the_spools_of_the_long_lists_go_with_the_outline(tmp_path):
    outline = read_outline(_write(tmp_path, rich_document()))
    spools = _spools(outline)
    assert all(spool.exists() for spool in spools)
    del outline
    gc.collect()
    assert not any(spool.exists() for spool in spools)


def test_a_file_broken_after_a_long_list_leaves_no_spool(tmp_path, monkeypatch):
    made = []
    real = stream._spool_file
    monkeypatch.setattr(stream, "_spool_file", lambda: made.append(real()) or made[-1])
    text = json.dumps(rich_document(), ensure_ascii=False)
    path = tmp_path / "rotto.json"
    path.write_text(text[: len(text) - 40], encoding="utf-8")
    with pytest.raises(ijson.JSONError):
        read_outline(path)
    assert made  # the people were spooled before the file broke
    assert not any(spool.exists() for spool in made)


def _rows(model, cycle):
    rows = list(model.objects.filter(**{_cycle_path(model): cycle}).order_by("pk"))
    for row in rows:
        row.pk = None
        row._state.adding = True
    return rows


def _cycle_path(model):
    return {
        Measurement: "cycle",
        Target: "indicator__cycle",
        SchedaItem: "scheda__cycle",
        SchedaTransition: "scheda__cycle",
    }[model]


def _reinsert(model, cycle, insert, raw_moments: bool = False) -> list:
    """Delete the cycle's rows of `model`, insert copies with `insert`, return their values."""
    rows = _rows(model, cycle)
    model.objects.filter(**{_cycle_path(model): cycle}).delete()
    insert(rows)
    assert all(row.pk is not None and not row._state.adding for row in rows)
    # The time of the insert (auto_now, auto_now_add) differs from run to run: it is compared
    # as "set", the rest as it is.
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamps = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or (not raw_moments and getattr(f, "auto_now_add", False))
    }
    inserted = model.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    return [
        tuple(
            (value is not None) if f.attname in stamps else value
            for f, value in zip(fields, values, strict=True)
        )
        for values in inserted.values_list(*[f.attname for f in fields])
    ]


@pytest.mark.parametrize("model", [Measurement, Target, SchedaItem])
def test_the_plain_insert_stores_what_bulk_create_stores(db, model):
    cycle = import_cycle(rich_document())
    by_django = _reinsert(model, cycle, model.objects.bulk_create)
    assert by_django
    assert _reinsert(model, cycle, lambda rows: importer._insert_rows(model, rows)) == by_django


def test_the_raw_insert_keeps_the_moments_of_the_file(db):
    cycle = import_cycle(rich_document())
    model = SchedaTransition  # `at` is auto_now_add: bulk_create would write the current time
    fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]

    def by_django(rows):
        importer._django_insert(model, rows, fields, raw=True)

    def plain(rows):
        importer._insert_rows(model, rows, raw=True)

    before = _reinsert(model, cycle, by_django, raw_moments=True)
    assert before
    assert _reinsert(model, cycle, plain, raw_moments=True) == before
