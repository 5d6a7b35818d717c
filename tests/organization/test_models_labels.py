"""Issue 7 item 15: unit names without the source's «--» placeholder code."""

from __future__ import annotations

import pytest

from organization.models import Unit, UnitKind
from organization.selectors import unit_choices_by_depth


@pytest.mark.django_db
def test_placeholder_peg_codes_never_prefix_a_unit_name(make_ente):
    ente = make_ente()
    area = Unit.objects.create(
        ente=ente, key="area", name="AREA VIGILANZA", kind=UnitKind.AREA, peg_code="PM01"
    )
    Unit.objects.create(
        ente=ente,
        key="presidio",
        name="SERVIZIO DI POLIZIA LOCALE",
        kind=UnitKind.SERVICE,
        peg_code="--",
        parent=area,
    )
    presidio = Unit.objects.get(key="presidio")
    assert str(presidio) == "SERVIZIO DI POLIZIA LOCALE"
    assert presidio.peg_code == "--"  # kept as the document wrote it
    assert presidio.peg_label == ""
    assert str(area) == "PM01 AREA VIGILANZA" and area.peg_label == "PM01"
    labels = [label for _, label in unit_choices_by_depth(ente)]
    assert labels == ["PM01 AREA VIGILANZA", "— SERVIZIO DI POLIZIA LOCALE"]
