"""Rewards pages: the per-person CSV of a distribution, the menu entry by role, the default
year when the newest cycle has no fund."""

# The `login` and `fund` fixtures come from test_views; tests name them as arguments.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.access import RESPONSABILE
from organization.models import CcnlArea, category_label
from planning.models import Cycle, CycleState
from rewards.views import distribution_csv_content
from tests.rewards.test_views import fund, other_fund, preview  # noqa: F401

pytestmark = pytest.mark.django_db


def parse(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_of_a_distribution_for_admin_and_nucleo(staff_case, fund, enter):
    distribution = preview(staff_case, fund)
    url = reverse("rewards:distribution_csv", args=[distribution.pk])
    page = enter(staff_case.admin, staff_case.ente).get(
        reverse("rewards:distribution_detail", args=[distribution.pk])
    )
    assert url in page.content.decode()
    for user in (staff_case.admin, staff_case.nucleo):
        response = enter(user, staff_case.ente).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="premi-2025-')
        rows = parse(response)
        assert rows[0][0] == "cognome e nome" and rows[0][-1] == "totale €"
        lines = list(distribution.lines.all())
        assert len(rows) == len(lines) + 1
        totals = [Decimal(row[-1].replace(",", ".")) for row in rows[1:]]
        assert sum(totals) == sum(line.total_amount for line in lines)
        paid = [row[-1] for row in rows[1:] if row[-1] not in ("0", "0,00")]
        assert paid and all("," in value and "." not in value for value in paid)


def test_csv_uses_the_decimal_comma_only_in_number_columns(staff_case, fund):
    distribution = preview(staff_case, fund)
    rows = list(csv.reader(io.StringIO(distribution_csv_content(distribution)[1:]), delimiter=";"))
    header = rows[0]
    line = distribution.lines.select_related("person").order_by("-total_amount").first()
    first = dict(zip(header, rows[1], strict=True))
    assert first["totale €"] == str(line.total_amount).replace(".", ",")
    assert first["chiave"] == line.person.key
    assert first["ammesso"] in ("sì", "no")


def test_csv_is_refused_to_giunta_and_staff_and_to_another_ente(
    staff_case, fund, other_fund, enter
):
    distribution = preview(staff_case, fund)
    url = reverse("rewards:distribution_csv", args=[distribution.pk])
    for user in (staff_case.giunta, staff_case.dipendente):
        assert enter(user, staff_case.ente).get(url).status_code == 403
    other = other_fund.distributions.create(
        cycle=Cycle.objects.get(ente=other_fund.ente), total_paid=0, residual=0
    )
    client = enter(staff_case.admin, staff_case.ente)
    assert client.get(reverse("rewards:distribution_csv", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("page", ["appraisal:index", "planning:tree"])
def test_premi_menu_entry_only_for_who_may_open_it(staff_case, make_user, enter, page):
    funds = reverse("rewards:fund_list")
    url = reverse(page)
    responsabile = make_user("resp", staff_case.ente, RESPONSABILE)
    for user, shown in (
        (staff_case.admin, True),
        (staff_case.nucleo, True),
        (staff_case.giunta, True),
        (staff_case.dipendente, False),
        (responsabile, False),
    ):
        body = enter(user, staff_case.ente).get(url).content.decode()
        assert (f'href="{funds}"' in body) is shown, user.username
        assert "<span>Valutazione</span>" in body
        assert body.count("<span>Premi</span>") == (1 if shown else 0)


def test_fund_list_defaults_to_the_latest_year_with_funds(staff_case, fund, enter):
    Cycle.objects.create(
        ente=staff_case.ente, year=2026, first_year=2026, last_year=2028, title="Bozza",
        state=CycleState.DRAFT,
    )  # fmt: skip
    response = enter(staff_case.admin, staff_case.ente).get(reverse("rewards:fund_list"))
    assert response.context["year"] == 2025
    assert 2026 in response.context["years"]
    assert "Performance individuale" in response.content.decode()
    chosen = enter(staff_case.admin, staff_case.ente).get(
        reverse("rewards:fund_list"), {"anno": 2026}
    )
    assert chosen.context["year"] == 2026


def test_fund_list_without_funds_shows_the_newest_year(staff_case, enter):
    Cycle.objects.create(
        ente=staff_case.ente, year=2026, first_year=2026, last_year=2028, title="Bozza",
        state=CycleState.DRAFT,
    )  # fmt: skip
    response = enter(staff_case.admin, staff_case.ente).get(reverse("rewards:fund_list"))
    assert response.context["year"] == 2026


def test_categories_are_named_never_coded(staff_case, fund, enter):
    """Issue 7 item 15: «Area degli Istruttori» on the page and in the CSV, not «istruttori»."""
    distribution = preview(staff_case, fund)
    rows = list(csv.reader(io.StringIO(distribution_csv_content(distribution)[1:]), delimiter=";"))
    index = rows[0].index("categoria")
    shown = {row[index] for row in rows[1:]}
    codes = {line.explanation.get("category") for line in distribution.lines.all()}
    assert shown and not shown & codes
    assert shown <= {str(label) for label in CcnlArea.labels} | {"Categoria D"}
    page = enter(staff_case.admin, staff_case.ente).get(
        reverse("rewards:distribution_detail", args=[distribution.pk])
    )
    body = page.content.decode()
    for label in shown:
        assert f"<td>{escape(label)}</td>" in body
    for code in codes - {""}:
        assert f"<td>{code}</td>" not in body


def test_the_share_explanation_names_the_category(staff_case, fund):
    """Issue 7 item 15: «come è calcolato» names «Area degli Istruttori», not the code."""
    from organization.models import category_label

    distribution = preview(staff_case, fund)
    checked = 0
    for line in distribution.lines.all():
        code = line.explanation.get("category")
        text = line.explanation.get("explanation", {}).get("text", "")
        if not code or code == "non_indicata" or "(coefficiente" not in text:
            continue
        assert f"(coefficiente {category_label(code)})" in text
        assert f"(coefficiente {code})" not in text
        checked += 1
    assert checked


def test_category_label_of_every_contract():
    assert category_label("funzionari_eq") == "Area dei Funzionari e dell'Elevata Qualificazione"
    assert category_label("operatori_esperti") == "Area degli Operatori esperti"
    assert category_label("D") == "Categoria D"
    assert category_label("") == category_label("non_indicata") == "Non indicata"
    assert category_label("altro") == "altro"


def test_distribution_csv_goes_through_the_one_csv_writer(staff_case, fund):
    """A name a spreadsheet would run as a formula comes out inert, as in every CSV of
    Performa (`core.tabular`); numbers keep the decimal comma."""
    from organization.models import Person

    person = Person.objects.filter(ente=staff_case.ente).order_by("pk").first()
    Person.objects.filter(pk=person.pk).update(last_name="=HYPERLINK(1)")
    distribution = preview(staff_case, fund)
    rows = list(csv.reader(io.StringIO(distribution_csv_content(distribution)[1:]), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert any(name.startswith("'=HYPERLINK(1)") for name in names)
    assert not any(name.startswith("=") for name in names)
