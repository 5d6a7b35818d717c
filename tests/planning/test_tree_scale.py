"""The plan tree of a large ente (issue 12 §5): weight totals summed in SQL, branch counts in one
aggregated query, unit and responsabile menus that list the first level and search the rest on
the server, and a first screen whose queries and menus do not grow with the units."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organization.models import Person, Unit, UnitKind
from planning import selectors
from planning.models import ObjectiveUnit, OperationalObjective, WeightGroup
from planning.years import belongs, objective_years

pytestmark = pytest.mark.django_db


def _fresh_total(group: WeightGroup, year: int) -> Decimal:
    """The group's total recomputed objective by objective, as the rule reads (planning.years)."""
    counted = year if belongs(group.years, year) else sorted(group.years)[0]
    return sum(
        (o.weight for o in OperationalObjective.objects.filter(weight_group=group)
         if o.weight is not None and belongs(objective_years(o.years, group.years), counted)),
        Decimal("0"),
    )  # fmt: skip


def test_weight_totals_from_sql_equal_a_fresh_sum_over_the_objectives(plan):
    # Years of their own, inherited, listed in another order, of another year; a weight absent.
    multi = WeightGroup.objects.create(
        cycle=plan.cycle, key="pluriennale", label="Pluriennale", years=[2025, 2026]
    )
    later = WeightGroup.objects.create(
        cycle=plan.cycle, key="dopo", label="Solo 2026", years=[2026], expected_total=Decimal("50")
    )
    rows = [
        (multi, Decimal("12.25"), []), (multi, Decimal("7.5"), [2026, 2025]),
        (multi, Decimal("33.33"), [2025, 2026]), (multi, Decimal("40"), [2026]),
        (multi, None, [2025]), (later, Decimal("600.5"), []), (later, Decimal("499.99"), [2026]),
        (plan.pl_group, Decimal("0.01"), [2027]),
    ]  # fmt: skip
    for n, (group, weight, years) in enumerate(rows):
        OperationalObjective.objects.create(
            cycle=plan.cycle, key=f"peso-{n}", title=f"Peso {n}", unit=plan.pl,
            weight_group=group, weight=weight, years=years,
        )  # fmt: skip
    totals = selectors.weight_totals(plan.cycle)
    groups = WeightGroup.objects.filter(cycle=plan.cycle)
    assert {g.pk: _fresh_total(g, 2025) for g in groups} == {
        pk: total.total for pk, total in totals.items()
    }
    assert totals[multi.pk].total == Decimal("53.08")
    assert totals[later.pk].total == Decimal("1100.49")  # past the field's five digits
    assert totals[plan.pl_group.pk].ok and not totals[later.pk].ok
    # The warning of a large tree reads the same totals, groups built only for those flagged.
    flagged = selectors.flagged_weight_totals(plan.cycle)
    assert [(t.group.pk, t.total, t.expected) for t in flagged] == [
        (pk, t.total, t.expected) for pk, t in totals.items() if not t.ok
    ]
    assert later.pk in {t.group.pk for t in flagged}
    # A branch asks only for its objectives' groups.
    some = selectors.weight_totals(plan.cycle, [multi.pk])
    assert list(some) == [multi.pk] and some[multi.pk].total == totals[multi.pk].total


def _counts_by_rows(plan, filters):
    """The branch counts counted row by row, as the tree of a small plan does."""
    units = list(Unit.objects.filter(ente=plan.ente))
    _, strategic, _, by_unit = selectors._branches(
        selectors._matching_rows(plan.cycle, filters, units), {}
    )
    return dict(strategic), dict(by_unit)


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"area": "pl"},
        {"service": "verbali"},
        {"person": "ragioniere", "text": "pagamento"},
        {"text": "tempi"},
        {"kind": "sviluppo"},
    ],
)
def test_aggregated_branch_counts_equal_the_counts_row_by_row(plan, filters):
    # Shared units and several responsabili make the filters' joins repeat an objective.
    ObjectiveUnit.objects.create(objective=plan.fin_payment, unit=plan.pl, order=1)
    ObjectiveUnit.objects.create(objective=plan.fin_payment, unit=plan.verbali, order=2)
    plan.fin_payment.responsibles.add(plan.ragioniere, plan.comandante)
    values = {
        "area": plan.pl.pk if "area" in filters else None,
        "service": plan.verbali.pk if "service" in filters else None,
        "person": plan.ragioniere.pk if "person" in filters else None,
        "text": filters.get("text", ""),
        "kind": filters.get("kind", ""),
    }
    chosen = selectors.TreeFilters(**values)
    units = list(Unit.objects.filter(ente=plan.ente))
    strategic, by_unit = selectors._branch_counts(plan.cycle, chosen, units)
    assert (dict(strategic), dict(by_unit)) == _counts_by_rows(plan, chosen)
    tree = selectors.plan_tree(plan.cycle, chosen, inline_limit=0)
    assert not tree.inline or tree.objective_count == 0
    assert tree.objective_count == sum(by_unit.values()) + sum(strategic.values())


def _grow_ente(plan, areas: int, services: int) -> None:
    """`areas` areas with a head each, `services` services under each, one objective each."""
    for a in range(areas):
        head = Person.objects.create(
            ente=plan.ente, key=f"capo-{a}", first_name="Capo", last_name=f"Area{a}"
        )
        area = Unit.objects.create(
            ente=plan.ente, key=f"area-{a}", kind=UnitKind.AREA, name=f"Area numero {a}",
            responsible=head, order=10 + a,
        )  # fmt: skip
        for s in range(services):
            boss = Person.objects.create(
                ente=plan.ente, key=f"capo-{a}-{s}", first_name="Capo", last_name=f"S{a}x{s}"
            )
            service = Unit.objects.create(
                ente=plan.ente, key=f"servizio-{a}-{s}", kind=UnitKind.SERVICE, parent=area,
                name=f"Servizio numero {s} dell'area {a}", responsible=boss, order=100 + a,
            )  # fmt: skip
            OperationalObjective.objects.create(
                cycle=plan.cycle, key=f"ob-{a}-{s}", title=f"Obiettivo {a}.{s}", unit=service
            )


def _page(client, **params) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("planning:tree"), {"anno": 2025, **params})
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _options(body: str, select_id: str) -> int:
    start = body.index(f'id="{select_id}"')
    return body[start : body.index("</select>", start)].count("<option")


@pytest.fixture
def large(plan, monkeypatch):
    """Limits lowered so that a few units make a «large» ente: menus above 8 choices list
    their first level, plans above 10 objectives show their branches collapsed."""
    monkeypatch.setattr(selectors, "PICKER_LIMIT", 8)
    monkeypatch.setattr(selectors, "TREE_INLINE_LIMIT", 10)
    return plan


def test_the_first_screen_of_a_large_ente_does_not_grow_with_its_units(
    large, enter, django_assert_max_num_queries
):
    client = enter(large.users.admin, large.ente)
    _grow_ente(large, 3, 4)  # 15 units, 16 objectives: already large
    _page(client)  # the session's first request reads more
    small_queries, body = _page(client)
    small_menus = [_options(body, name) for name in ("f-area", "f-servizio", "f-responsabile")]
    # The areas (the ente's 2 and the 3 added) and their responsabili, plus «Tutte».
    assert small_menus == [6, 6, 6]
    assert 'data-options-url="/piano/scelte/unita/"' in body
    assert 'aria-describedby="f-area-help"' in body and "Elencate le aree" in body
    for a in range(3, 6):
        _grow_ente_area(large, a, 12)  # three more areas, 36 more services
    with django_assert_max_num_queries(small_queries):
        _, body = _page(client)
    assert [_options(body, name) for name in ("f-area", "f-servizio", "f-responsabile")] == [
        9,
        9,
        9,
    ]  # only the three new areas and their heads: none of their 36 services
    # Above TREE_BRANCH_LIMIT unit branches the first screen lists the areas holding objectives
    # (the 6 added and Sorbara's 2), each loading its branches (tests/planning/test_tree_areas.py).
    assert body.count('hx-trigger="toggle once"') == 8


def _grow_ente_area(plan, a: int, services: int) -> None:
    head = Person.objects.create(
        ente=plan.ente, key=f"capo-{a}", first_name="Capo", last_name=f"Area{a}"
    )
    area = Unit.objects.create(
        ente=plan.ente, key=f"area-{a}", kind=UnitKind.AREA, name=f"Area numero {a}",
        responsible=head, order=10 + a,
    )  # fmt: skip
    OperationalObjective.objects.bulk_create(
        OperationalObjective(
            cycle=plan.cycle,
            key=f"ob-{a}-{s}",
            title=f"Obiettivo {a}.{s}",
            unit=Unit.objects.create(
                ente=plan.ente,
                key=f"servizio-{a}-{s}",
                kind=UnitKind.SERVICE,
                parent=area,
                name=f"Servizio numero {s} dell'area {a}",
                order=100 + a,
            ),
        )  # fmt: skip
        for s in range(services)
    )


def test_a_chosen_unit_and_person_stay_in_their_menus(large, enter):
    client = enter(large.users.admin, large.ente)
    _grow_ente(large, 3, 4)
    service = Unit.objects.get(key="servizio-2-3")
    boss = Person.objects.get(key="capo-2-3")
    _, body = _page(client, servizio=service.pk, responsabile=boss.pk)
    assert f'<option value="{service.pk}" selected>Area numero 2 › Servizio numero 3' in body
    assert f'<option value="{boss.pk}" selected>Capo S2x3</option>' in body
    assert _options(body, "f-servizio") == 7 and _options(body, "f-area") == 6


def test_a_small_ente_lists_every_choice_as_before(plan, enter):
    client = enter(plan.users.admin, plan.ente)
    _, body = _page(client)
    assert "data-options-url" not in body and "Elencate le aree" not in body
    assert _options(body, "f-area") == 4  # «Tutte» and the three units
    assert f'<option value="{plan.verbali.pk}">Polizia Locale › Ufficio verbali</option>' in body
    assert _options(body, "f-responsabile") == 3  # the two who lead units (one named too)


def _json(client, name: str, text: str) -> dict:
    response = client.get(reverse(name), {"q": text})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_unit_search_matches_every_word_of_the_path_without_accents(large, enter):
    client = enter(large.users.dipendente, large.ente)
    _grow_ente(large, 3, 4)
    Unit.objects.create(
        ente=large.ente, key="qualita", kind=UnitKind.OFFICE, name="Ufficio Qualità",
        parent=large.verbali,
    )  # fmt: skip
    found = _json(client, "planning:unit_options", "polizia QUALITA")
    assert found == {
        "options": [{"value": Unit.objects.get(key="qualita").pk,
                     "label": "Polizia Locale › Ufficio verbali › Ufficio Qualità"}],
        "more": False,
    }  # fmt: skip
    area_two = _json(client, "planning:unit_options", "area 2")["options"]
    assert [o["label"] for o in area_two] == [
        "Area numero 2",
        "Area numero 0 › Servizio numero 2 dell'area 0",
        "Area numero 1 › Servizio numero 2 dell'area 1",
        *(f"Area numero 2 › Servizio numero {s} dell'area 2" for s in range(4)),
    ]
    assert _json(client, "planning:unit_options", "  ") == {"options": [], "more": False}


def test_the_searches_stop_at_twenty_and_say_there_are_more(large, enter):
    client = enter(large.users.dipendente, large.ente)
    _grow_ente(large, 2, 12)
    units = _json(client, "planning:unit_options", "servizio")
    assert len(units["options"]) == selectors.PICKER_RESULTS and units["more"] is True
    people = _json(client, "planning:person_options", "capo")
    assert len(people["options"]) == selectors.PICKER_RESULTS and people["more"] is True
    few = _json(client, "planning:person_options", "capo s1x1")
    assert few == {
        "options": [
            {"value": p.pk, "label": str(p)}
            for p in Person.objects.filter(key__in=["capo-1-1", "capo-1-10", "capo-1-11"])
        ],
        "more": False,
    }


def test_the_person_search_offers_only_responsabili_of_the_ente(plan, enter, make_ente):
    client = enter(plan.users.dipendente, plan.ente)
    # Paolo Gialli leads nothing and is named on no objective: no choice for the filter.
    assert _json(client, "planning:person_options", "gialli")["options"] == []
    named = _json(client, "planning:person_options", "neri")["options"]
    assert named == [{"value": plan.ragioniere.pk, "label": "Anna Neri"}]
    other = make_ente("altro-ente")
    stranger = Person.objects.create(ente=other, key="neri", first_name="Ugo", last_name="Neri")
    Unit.objects.create(
        ente=other, key="u", kind=UnitKind.AREA, name="Polizia", responsible=stranger
    )
    assert _json(client, "planning:person_options", "neri")["options"] == named
    assert [o["label"] for o in _json(client, "planning:unit_options", "polizia")["options"]] == [
        "Polizia Locale", "Polizia Locale › Ufficio verbali"
    ]  # fmt: skip


def test_the_searches_need_a_login(client):
    response = client.get(reverse("planning:unit_options"), {"q": "polizia"})
    assert response.status_code in (302, 401, 403)
