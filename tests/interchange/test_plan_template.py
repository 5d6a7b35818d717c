"""The template XLSX: documented in itself, and the Sorbara demo plan exported to it and
imported back gives the same plan."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import openpyxl
import pytest

from interchange.importer import import_cycle
from interchange.plans import services
from interchange.plans.template import template_bytes
from planning.models import Cycle, Indicator, OperationalObjective, StrategicObjective, WeightGroup

DEMO = Path(__file__).resolve().parents[2] / "demo" / "data" / "unione-sorbara-2024.json"


def test_empty_template_documents_its_columns():
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(year=2025)))
    assert book.sheetnames == [
        "Istruzioni",
        "Obiettivi strategici",
        "Gruppi di pesatura",
        "Obiettivi",
    ]
    documented = {row[0] for row in book["Istruzioni"].iter_rows(values_only=True)}
    headers = [c.value for c in book["Obiettivi"][1]]
    assert "Target 2027" in headers and book["Obiettivi"].freeze_panes == "A2"
    assert set(headers) <= documented


def objectives_of(cycle: Cycle) -> list[tuple]:
    rows = []
    for o in (
        OperationalObjective.objects.filter(cycle=cycle)
        .select_related("unit", "weight_group", "strategic_objective")
        .prefetch_related("phases", "responsibles", "indicators__targets", "indicators__phase")
        .order_by("order", "id")
    ):
        rows.append(
            (
                o.key,
                o.code,
                o.section,
                o.title,
                o.description,
                o.expected_result,
                o.kind,
                o.is_transversal,
                o.is_payment_time,
                sorted(o.tags),
                o.unit.key if o.unit else None,
                o.responsible_label,
                sorted(p.key for p in o.responsibles.all()),
                o.weight_group.key if o.weight_group else None,
                o.weight,
                o.years,
                o.deadline,
                o.deadline_text,
                o.mission_code,
                o.mission_name,
                o.programme_code,
                o.programme_name,
                o.strategic_objective.title if o.strategic_objective else None,
                [(p.kind, p.label, p.description, p.planned_text) for p in o.phases.all()],
                [
                    (
                        i.key,
                        i.name,
                        i.description,
                        i.formula,
                        i.unit_of_measure,
                        i.polarity,
                        i.responsible_label,
                        i.phase.label if i.phase else None,
                        sorted(
                            (t.year, t.kind, t.value, t.value_to, t.target_date, t.text)
                            for t in i.targets.all()
                        ),
                    )
                    for i in sorted(o.indicators.all(), key=lambda i: (i.order, i.pk))
                ],
            )
        )
    return rows


def groups_of(cycle: Cycle) -> list[tuple]:
    return sorted(
        (
            g.key,
            g.label,
            g.kind,
            g.expected_total,
            g.scheme_share,
            g.note,
            g.unit.key if g.unit else None,
            g.responsible.key if g.responsible else None,
        )
        for g in WeightGroup.objects.filter(cycle=cycle).select_related("unit", "responsible")
    )


def strategics_of(cycle: Cycle) -> list[tuple]:
    return sorted(
        (
            s.title,
            s.code,
            s.mission_code,
            s.mission_name,
            s.programme_code,
            s.programme_name,
            s.responsible_label,
        )
        for s in StrategicObjective.objects.filter(cycle=cycle)
    )


@pytest.mark.django_db
def test_sorbara_plan_exported_to_the_template_and_imported_back_is_the_same_plan():
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    original = import_cycle(copy.deepcopy(document))
    content = template_bytes(original)

    # Another ente with the same organisation and an empty draft cycle of the same years.
    other = copy.deepcopy(document)
    other["ente"]["slug"] = "unione-sorbara-copia"
    other.pop("evaluation_bodies", None)
    cycle_data = other["cycle"]
    other["cycle"] = {
        name: cycle_data[name] for name in ("year", "first_year", "last_year", "title")
    }
    target = import_cycle(other)
    assert not target.operational_objectives.exists()

    services.plan_import_commit(
        user=None, ente=target.ente, year=2024, file_name="sorbara.xlsx", content=content
    )
    assert objectives_of(target) == objectives_of(original)
    assert groups_of(target) == groups_of(original)
    assert strategics_of(target) == strategics_of(original)
    assert (
        Indicator.objects.filter(cycle=target).count()
        == Indicator.objects.filter(cycle=original, objective__isnull=False).count()
    )


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


def _details(cycle: Cycle) -> dict[str, list[tuple]]:
    """What `objectives_of` leaves out: phase dates and people, the indicator's other fields,
    targets of every year, the groups' years. Orders are compared as positions."""
    from planning.models import Phase, Target

    return {
        "phases": sorted(
            Phase.objects.filter(objective__cycle=cycle).values_list(
                "objective__key",
                "kind",
                "label",
                "description",
                "planned_text",
                "planned_start",
                "planned_end",
                "responsible_label",
            )
        ),
        "indicators": sorted(
            Indicator.objects.filter(cycle=cycle, objective__isnull=False).values_list(
                "key",
                "code",
                "dimension",
                "dimension_label",
                "data_source",
                "baseline_value",
                "baseline_text",
                "baseline_year",
                "polarity",
                "formula_expression",
                "standard_text",
                "tolerance_text",
                "weight",
            )
        ),
        "targets": sorted(
            Target.objects.filter(
                indicator__cycle=cycle, indicator__objective__isnull=False
            ).values_list(
                "indicator__key", "year", "kind", "value", "value_to", "target_date", "text"
            )
        ),
        "groups": sorted(
            WeightGroup.objects.filter(cycle=cycle).values_list(
                "key", "label", "kind", "expected_total", "scheme_share", "note", "years"
            )
        ),
        "objectives": sorted(
            OperationalObjective.objects.filter(cycle=cycle).values_list(
                "key", "years", "tags", "section", "responsible_label", "unit__key"
            )
        ),
    }


@pytest.mark.django_db
def test_rich_plan_reads_back_from_the_template_without_loss():
    from tests.interchange.documents import rich_document

    document = rich_document()
    original = import_cycle(copy.deepcopy(document))
    details = _details(original)
    # What the plan holds, so that the comparison below cannot pass on an empty plan.
    assert {year for _, year, *_ in details["targets"]} == {2024, 2025, 2026}
    assert any(start for *_, start, _, _ in details["phases"])
    assert any(group[-1] for group in details["groups"])  # a group with years of its own
    assert any(ind[10] and ind[11] for ind in details["indicators"])  # standard, tolerance
    assert any(not years for _, years, *_ in details["objectives"])  # every year of the plan
    content = template_bytes(original)

    other = copy.deepcopy(document)
    other["ente"]["slug"] = "copia-del-piano"
    other.pop("evaluation_bodies", None)
    cycle_data = other["cycle"]
    other["cycle"] = {
        name: cycle_data[name] for name in ("year", "first_year", "last_year", "title")
    }
    target = import_cycle(other)
    services.plan_import_commit(
        user=None, ente=target.ente, year=target.year, file_name="piano.xlsx", content=content
    )
    assert objectives_of(target) == objectives_of(original)
    assert groups_of(target) == groups_of(original)
    assert _details(target) == details
    # Exported again, the imported plan gives the same file, cell by cell.
    assert _sheets(template_bytes(target)) == _sheets(content)
