"""The benchmark runs end to end on a tiny ente and writes its report; no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from benchmarks import runner
from benchmarks.runner import percentile, report_markdown, write_report
from documents.models import GeneratedDocument
from payments.models import ImportBatch, Invoice
from rewards.models import Distribution


def test_percentile_is_the_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.95) == 5.0
    assert percentile([7.0], 0.99) == 7.0


@pytest.mark.django_db
def test_benchmark_command_writes_markdown_and_json(tmp_path, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    markdown = tmp_path / "benchmarks.md"
    markdown.write_text("# Prestazioni\n\nTesto scritto a mano.\n", encoding="utf-8")
    data = tmp_path / "benchmarks.json"
    call_command(
        "benchmark",
        "--profiles",
        "small",
        "--requests",
        "1",
        "--repeat",
        "1",
        "--no-interchange",
        "--output",
        str(markdown),
        "--json",
        str(data),
    )
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Prestazioni\n\nTesto scritto a mano.")  # the hand-written part stays
    assert "| cruscotto dell'ente |" in text and "### `cycle_scores`" in text
    result = json.loads(data.read_text(encoding="utf-8"))
    small = result["profiles"]["small"]
    assert small["size"]["objectives"] == 18
    pages = {row["page"]: row for row in small["pages"]}
    assert pages["cruscotto dell'ente"]["status"] == 200
    assert pages["trasparenza: premi (art. 20)"]["status"] == 200  # public, no login
    assert all(row["queries"] > 0 for row in small["pages"])
    assert small["scores"]["cold_s"] > 0 and small["scores"]["engine_floor_s"] > 0
    assert small["scores"]["cold_cpu_s"] > 0 and small["scores"]["engine_floor_cpu_s"] > 0
    assert small["scores"]["python_floor_s"] > 0 and small["scores"]["numpy_floor_s"] > 0
    assert "pavimento: lo stesso roll-up su array, Python puro" in text
    # the premium preview is measured and rolled back: no distribution is left behind
    assert 0 < small["premiums"]["lines"] <= small["size"]["schede"]
    # with year-end points the same fund is ranked and paid; without, nobody is
    assert 0 < small["premiums"]["scored_paid"] <= small["premiums"]["lines"]
    assert small["premiums"]["scored_cpu_s"] > 0
    assert not Distribution.objects.exists()
    assert "### Distribuzione dei premi" in text and "a freddo, CPU del processo" in text
    # documents: the Piano in three formats and the Relazione, each with what the app gave
    documents = {(d["kind"], d["format"]): d for d in small["documents"]}
    assert set(documents) == {
        ("piano", "pdf"),
        ("piano", "docx"),
        ("piano", "xlsx"),
        ("relazione", "pdf"),
    }
    assert documents["piano", "pdf"]["state"] == "done" and documents["piano", "pdf"]["bytes"] > 0
    assert "### Documenti" in text and "| Piano DOCX |" in text and "| Relazione PDF |" in text
    assert not GeneratedDocument.objects.exists()  # rolled back
    # invoices: a year proportional to the ente, imported and rolled back
    assert small["invoices"]["invoices"] == 40 * 18
    assert 0 < small["invoices"]["valid"] <= small["invoices"]["invoices"]
    assert "### Fatture" in text
    assert not Invoice.objects.exists() and not ImportBatch.objects.exists()
    assert "postgresql" not in result  # no --postgres, no pass
    # a second run replaces the generated section instead of appending to it
    write_report(result, markdown)
    assert markdown.read_text(encoding="utf-8").count("## Ultima esecuzione") == 1


def test_report_shows_growth_between_two_profiles():
    page = {"page": "p", "url": "/", "status": 200, "bytes": 2048, "queries": 5, "requests": 1}

    def profile(objectives, ms):
        return {
            "size": {"units": 1, "objectives": objectives, "indicators": 1, "schede": 1},
            "scores": {
                "cold_s": ms / 1000,
                "warm_s": 0.001,
                "engine_floor_s": 0.001,
                "ratio_to_floor": 2.0,
            },
            "pages": [{**page, "p50_ms": ms, "p95_ms": ms, "p99_ms": ms, "req_per_s": 1.0}],
        }

    result = {
        "machine": {
            "date": "d",
            "commit": "c",
            "database": "sqlite",
            "platform": "x",
            "cpus": 2,
            "python": "3.11",
            "load_average": 1.0,
        },
        "profiles": {"medium": profile(60, 10.0), "metropolitan": profile(3000, 2000.0)},
    }
    text = report_markdown(result)
    assert "×200.0 (più che lineare)" in text
    assert "crescita p50 medium→metropolitan" in text


@pytest.mark.django_db
def test_unknown_profile_is_refused():
    with pytest.raises(CommandError, match="Profilo sconosciuto: enorme"):
        call_command("benchmark", "--profiles", "enorme")


@pytest.mark.django_db
def test_pages_option_measures_only_the_pages_named(tmp_path, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    data = tmp_path / "b.json"
    call_command(
        "benchmark",
        "--profiles=small",
        "--requests=1",
        "--repeat=1",
        "--no-interchange",
        "--pages=cruscotto,indicatore",
        f"--output={tmp_path / 'b.md'}",
        f"--json={data}",
    )
    pages = [row["page"] for row in json.loads(data.read_text())["profiles"]["small"]["pages"]]
    assert pages == ["cruscotto dell'ente", "cruscotto di un'area", "monitoraggio di un indicatore"]


@pytest.mark.django_db
def test_postgres_pass_is_skipped_when_no_server_answers(tmp_path, settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["localhost"]

    def never(args, url):
        raise AssertionError(f"manage.py {args} non doveva partire")

    monkeypatch.setattr(runner, "_manage", never)
    markdown, data = tmp_path / "b.md", tmp_path / "b.json"
    call_command(
        "benchmark",
        "--profiles=small",
        "--requests=1",
        "--repeat=1",
        "--no-interchange",
        "--no-documents",
        "--no-invoices",
        "--pages=cruscotto dell'ente",
        "--postgres=postgres://postgres@127.0.0.1:1/performa_bench",  # nothing listens on 1
        f"--output={markdown}",
        f"--json={data}",
    )
    skipped = json.loads(data.read_text())["postgresql"]["skipped"]
    assert "127.0.0.1:1" in skipped
    assert f"PostgreSQL non misurato: {skipped}." in markdown.read_text(encoding="utf-8")


def test_a_url_that_is_not_postgres_is_skipped():
    assert "non è un indirizzo PostgreSQL" in runner.prepare_postgres("sqlite:///x.sqlite3")


@pytest.mark.django_db
def test_postgres_pass_gets_its_own_section(tmp_path, settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["localhost"]
    calls = []

    def fake_manage(args, url):
        """Stand in for the child process: a result as a PostgreSQL run would write it."""
        calls.append(args)
        if args[0] == "benchmark":
            json_path = next(a.split("=", 1)[1] for a in args if a.startswith("--json="))
            fake = json.loads(data.read_text())
            fake["machine"]["database"] = "postgresql"
            fake["profiles"]["small"]["size"]["units"] = 999
            Path(json_path).write_text(json.dumps(fake))

    data = tmp_path / "first.json"
    options = ["--profiles=small", "--requests=1", "--repeat=1", "--no-interchange"]
    options += ["--no-documents", "--pages=cruscotto dell'ente"]
    call_command("benchmark", *options, f"--output={tmp_path / 'a.md'}", f"--json={data}")
    monkeypatch.setattr(runner, "prepare_postgres", lambda url: None)
    monkeypatch.setattr(runner, "_manage", fake_manage)
    markdown = tmp_path / "b.md"
    call_command(
        "benchmark",
        *options,
        "--postgres=postgres://x@h/db",
        f"--output={markdown}",
        f"--json={tmp_path / 'b.json'}",
    )
    assert calls[0][0] == "migrate"
    assert "--no-documents" in calls[1] and "--profiles=small" in calls[1]
    assert not any(a.startswith("--postgres") for a in calls[1])  # the child does not recurse
    text = markdown.read_text(encoding="utf-8")
    assert text.count("## Ultima esecuzione di `make bench`") == 1
    section = text.split("## La stessa esecuzione su PostgreSQL")[1]
    assert "database: postgresql" in section and "| small | 999 |" in section
    # The first run is on the database the suite runs on (SQLite, or PostgreSQL in its pass).
    assert f"database: {connection.vendor}" in text.split("## La stessa esecuzione")[0]


def test_a_child_command_reports_its_own_peak_memory_not_its_parent_s():
    # Linux carries the parent's high-water mark into a vforked child's ru_maxrss: with the
    # metropolitan ente loaded the parent holds ~500 MB and every import/export reported that.
    parent = bytearray(400 * 2**20)
    parent[::4096] = b"\1" * len(parent[::4096])  # touch every page: it is resident
    measured = runner._child("check")
    assert measured["seconds"] > 0
    assert 0 < measured["peak_mb"] < 400


@pytest.mark.django_db
def test_scored_schede_fall_in_the_band_of_their_points_and_the_same_seed_scores_alike():
    from appraisal.models import Scheda
    from benchmarks.scored import score_schede

    cycle = runner.ensure_ente("small", 1)

    def figures():
        return list(
            Scheda.objects.filter(cycle=cycle)
            .order_by("pk")
            .values_list("total_points", "band_id", "premium_percent", "is_eligible", "state")
        )

    assert score_schede(cycle, seed=3) > 0
    first = figures()
    for scheda in Scheda.objects.filter(cycle=cycle, total_points__isnull=False):
        assert scheda.band.min_points <= scheda.total_points <= scheda.band.max_points
        assert scheda.premium_percent == scheda.band.premium_percent
    assert score_schede(cycle, seed=3) > 0
    assert figures() == first
