from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from documents.models import ReportValidation
from documents.services import report_validate
from planning.models import CycleState

from .conftest import YEAR

pytestmark = pytest.mark.django_db
ON = dt.date(YEAR + 1, 6, 20)


def test_the_nucleo_validates_the_relazione_once(org):
    validation = report_validate(
        user=org.users.nucleo, cycle=org.cycle, validated_on=ON, act_label="Verbale n. 3"
    )
    assert (validation.validated_on, validation.recorded_by) == (ON, org.users.nucleo)
    assert AuditEntry.objects.filter(action="report.validate").count() == 1
    with pytest.raises(ServiceError, match="è già stata validata il 20/06/2026 \\(Verbale n. 3\\)"):
        report_validate(user=org.users.admin, cycle=org.cycle, validated_on=ON, act_label="Altro")
    assert ReportValidation.objects.count() == 1


def test_only_the_nucleo_or_an_admin(org):
    for user in (org.users.comandante, org.users.giunta, org.users.agente):
        with pytest.raises(AccessDenied):
            report_validate(user=user, cycle=org.cycle, validated_on=ON, act_label="Verbale")
    with pytest.raises(AccessDenied):
        report_validate(user=org.users.outsider, cycle=org.cycle, validated_on=ON, act_label="V")
    assert report_validate(user=org.users.admin, cycle=org.cycle, validated_on=ON, act_label="V")


def test_plan_must_be_approved(org):
    org.cycle.state = CycleState.DRAFT
    org.cycle.save()
    with pytest.raises(ServiceError, match="non risulta approvato.*art. 10 c.5"):
        report_validate(user=org.users.nucleo, cycle=org.cycle, validated_on=ON, act_label="V")
    assert not ReportValidation.objects.exists()


def test_dates_and_act_are_checked(org):
    with pytest.raises(ServiceError, match="non è successiva al 31/12/2025"):
        report_validate(
            user=org.users.nucleo,
            cycle=org.cycle,
            validated_on=dt.date(YEAR, 12, 31),
            act_label="V",
        )
    with pytest.raises(ServiceError, match="non può essere futura"):
        report_validate(
            user=org.users.nucleo,
            cycle=org.cycle,
            validated_on=dt.date.today() + dt.timedelta(days=2),
            act_label="V",
        )
    with pytest.raises(ServiceError, match="Indica il documento di validazione"):
        report_validate(user=org.users.nucleo, cycle=org.cycle, validated_on=ON, act_label=" ")
    assert not ReportValidation.objects.exists()
