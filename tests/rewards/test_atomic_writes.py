"""A preview and an integrative contract are written whole or not at all: a failure after the
first row leaves nothing behind (each service runs in one transaction)."""

from __future__ import annotations

import pytest

from rewards import services
from rewards.models import Distribution, IntegrativeContract
from tests.rewards.builders import YEAR


class Boom(Exception):
    pass


def _explode(*args, **kwargs):
    raise Boom


@pytest.mark.django_db(transaction=True)
def test_a_preview_that_fails_while_writing_its_lines_leaves_no_distribution(
    staff_case, fund, monkeypatch
):
    monkeypatch.setattr(services, "record", _explode)  # the audit row comes after the lines
    with pytest.raises(Boom):
        services.distribution_preview(user=staff_case.admin, fund=fund, cycle=staff_case.cycle)
    assert not Distribution.objects.filter(fund=fund).exists()


@pytest.mark.django_db(transaction=True)
def test_an_integrative_contract_that_fails_at_its_audit_row_is_not_saved(staff_case, monkeypatch):
    monkeypatch.setattr(services, "record", _explode)
    with pytest.raises(Boom):
        services.integrative_contract_save(
            user=staff_case.admin,
            ente=staff_case.ente,
            label="CCDI 2025",
            first_year=YEAR,
            parameters={"cutoff_ties": "share"},
        )
    assert not IntegrativeContract.objects.filter(ente=staff_case.ente).exists()
