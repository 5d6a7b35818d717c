"""The demo invoices of Sorbara (2024) and of the consorzio (2021): answers computed by hand.

Term 30 days from receipt when the invoice has no due date; unpaid invoices delayed to 31/12
(the demo rules). Days per payment are written next to each figure.

Unione del Sorbara, `demo/data/unione-sorbara-2024-fatture.csv`
----------------------------------------------------------------
Polizia Locale (PM01): 1.000 × +10, 500 × +2, 2.000 × +6, a partial 500 × 0 and 500 × +10
  → 28.000 / 4.500 = +6,22 days: the payment-time objective is missed.
Bilancio (RA01): 3.000 × −5, 1.000 × −5 (due date communicated), 500 × 0 → −20.000 / 4.500;
  plus a 2023 invoice paid in 2023 (−2 days).
Servizi sociali (SO01): 5.000 paid 25/04, due 31/03 but suspended 30 days for a dispute → −5;
  partial payments 2.000 × −10 and 2.000 × 0; 1.000 paid 27/12 for an invoice due 01/01/2025
  (counted in the ritardo 2024: paid in the year before its due date) → −50.000 / 10.000 = −5.
Affari generali (AC01): a capital-account invoice, 20.000 × −10; an invoice received 16/12, not
  yet due (stock, not overdue); a non-commercial and a not-payable invoice (out of everything).
Servizi educativi (IS01): two invoices received in 2023 and paid on 05/01/2024: 2.000 × −5 (due
  10/01/2024, in the ritardo 2024) and 1.000 × +30 (due 06/12/2023: ITP 2024 only); one suspended
  for a dispute (out of the stock); 100 € unpaid 27 days at 31/12 → (−10.000 + 2.700) / 2.100.
No office: 1.000 × +30.

Ente: ritardo (28.000 − 20.000 − 50.000 − 200.000 − 7.300 + 30.000) / 42.100 = −219.300 /
42.100 = −5,209026; ITP 2024 −192.000 / 43.000 = −4,465116. Stock at 31/12/2024: 1.500 + 100
= 1.600 (of which 100 overdue), at 31/12/2023: 2.000 + 1.000 = 3.000 → 53,33 %; received in
2024 net of VAT 41.600 → incidence 0,24 %. FGDC 0 %.

Consorzio, `demo/data/consorzio-socio-assistenziale-2021-fatture.csv`
----------------------------------------------------------------------
2020: 10.000 received 02/11/2020, due 02/12/2020, paid 11/01/2021 (+40: ITP 2021 only); it is
the whole stock at 31/12/2020. 2021: 5.000 × +15, 10.000 × +15, 20.000 × +15, 5.000 × −10 paid;
1.000 unpaid 30 days at 31/12; 8.500 received 10/12, not yet due.
Ritardo (75.000 + 150.000 + 300.000 + 30.000 − 50.000) / 41.000 = 12,317073 → 12 days;
ITP (400.000 + 75.000 + 150.000 + 300.000 − 50.000) / 50.000 = 17,5; stock 9.500 = 95 % of
10.000 (reduction missed) but overdue 1.000 / 49.500 = 2,02 % (incidence kept): FGDC 2 %.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from payments.demo import load_demo_invoices
from payments.models import Invoice, PaymentReport

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("import_cycle", str(DATA / "unione-sorbara-2024.json"))
    call_command("import_cycle", str(DATA / "consorzio-socio-assistenziale-2021.json"))
    load_demo_invoices(data_dir=DATA)


def figures(slug: str, year: int) -> dict:
    return PaymentReport.objects.get(ente__slug=slug, year=year).data


def unit(data: dict, key: str) -> dict:
    from organization.models import Unit

    pk = Unit.objects.get(ente__slug="unione-sorbara", key=key).pk
    return next(u for u in data["units"] if u["unit_id"] == pk)


def test_sorbara_ente_figures(demo):
    data = figures("unione-sorbara", 2024)["ente"]
    assert data["delay"]["numerator"] == "-219300"
    assert data["delay"]["denominator"] == "42100"
    assert data["delay"]["value"] == "-5.209026" and data["delay"]["days"] == -5
    assert data["delay"]["is_estimate"]  # 100 € of education still unpaid
    assert data["annual"]["weighted_days"] == "-192000"
    assert data["annual"]["paid_amount"] == "43000"
    assert data["annual"]["itp"] == "-4.465116"
    assert [q["itp"] for q in data["quarters"]] == [
        "2.142857",  # (10.000 − 15.000 − 10.000 + 30.000) / 7.000
        "-4.631579",  # (1.000 − 25.000 − 20.000 + 0) / 9.500
        "-7.954545",  # (−5.000 − 200.000 + 30.000) / 22.000
        "2.666667",  # (12.000 + 0 + 5.000 + 0 − 5.000) / 4.500
    ]
    assert data["stock"]["stock"] == "1600" and data["stock"]["overdue"] == "100"
    assert data["stock"]["creditors"] == 2
    assert data["stock"]["capital"] == "0"
    assert data["stock"]["excluded"] == {
        "non_commerciale": "3000",
        "non_liquidabile": "1000",
        "sospesa": "3000",
    }
    assert data["received"] == "41600"
    assert data["tests"]["previous_stock"] == "3000"
    assert data["tests"]["ratio"] == "53.333333"
    assert data["tests"]["incidence"] == "0.240385"
    assert data["tests"]["passed"] is True
    assert data["fgdc"]["rate"] == "0" and data["fgdc"]["due"] is False


@pytest.mark.parametrize(
    ("key", "value", "days", "percent"),
    [
        ("polizia-locale", "6.222222", 6, "0"),
        ("bilancio", "-4.444444", -4, "100"),
        ("servizio-sociale-territoriale", "-5", -5, "100"),
        ("servizio-amministrativo", "-10", -10, "100"),
        ("servizi-integrativi", "-3.47619", -3, "100"),
    ],
)
def test_sorbara_unit_figures(demo, key, value, days, percent):
    data = unit(figures("unione-sorbara", 2024), key)
    assert data["delay"]["value"] == value and data["delay"]["days"] == days
    assert data["objective"]["percent"] == percent


def test_sorbara_previous_year_is_kept_too(demo):
    data = figures("unione-sorbara", 2023)["ente"]
    assert data["annual"]["itp"] == "-2"  # the only 2023 payment, two days early
    assert data["stock"]["stock"] == "3000" and data["stock"]["overdue"] == "1000"


def test_consorzio_figures(demo):
    data = figures("consorzio-socio-assistenziale", 2021)["ente"]
    assert data["delay"]["value"] == "12.317073" and data["delay"]["days"] == 12
    assert data["annual"]["itp"] == "17.5"
    assert [q["itp"] for q in data["quarters"]] == ["31.666667", "15", "10", None]
    assert data["stock"]["stock"] == "9500" and data["stock"]["overdue"] == "1000"
    assert data["tests"]["previous_stock"] == "10000"
    assert data["tests"]["ratio"] == "95" and data["tests"]["reduction_ok"] is False
    assert data["tests"]["incidence"] == "2.020202" and data["tests"]["incidence_ok"] is True
    assert data["fgdc"]["rate"] == "2"
    # Seed 004's table: stock full marks (incidence ≤ 5 %), delay 10 × (1 − 12/60) = 8 → 9/10
    assert data["evaluation"]["points"] == "9" and data["evaluation"]["percent"] == "90"


def test_loading_twice_changes_nothing_and_reset_reloads(demo):
    count = Invoice.objects.count()
    assert load_demo_invoices(data_dir=DATA) == []
    assert Invoice.objects.count() == count == 27
    assert load_demo_invoices(data_dir=DATA, reset=True) == [
        "unione-sorbara",
        "consorzio-socio-assistenziale",
    ]
    assert Invoice.objects.count() == 27
