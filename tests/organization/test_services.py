"""Organisation services: validation messages, generated keys, tree rules, audit rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from organization import services
from organization.models import Assignment, AssignmentKind, Unit, UnitKind
from planning.models import OperationalObjective

pytestmark = pytest.mark.django_db


def _unit_data(**fields):
    data = {"name": "Servizio Tributi", "kind": UnitKind.SERVICE, "peg_code": "", "key": ""}
    data.update(fields)
    return data


# --- units ---------------------------------------------------------------------------------


def test_unit_create_generates_unique_key_and_audits(world):
    admin = world.users["admin"]
    first = services.unit_create(user=admin, ente=world.ente, data=_unit_data())
    second = services.unit_create(user=admin, ente=world.ente, data=_unit_data())
    assert (first.key, second.key) == ("servizio-tributi", "servizio-tributi-2")
    entry = AuditEntry.objects.filter(action="unit.create", object_id=str(first.pk)).get()
    assert entry.user == admin and entry.ente == world.ente
    assert entry.changes["name"] == [None, "Servizio Tributi"]
    assert entry.changes["key"] == [None, "servizio-tributi"]


def test_generated_key_ignores_other_enti(world):
    unit = services.unit_create(
        user=world.users["other_admin"], ente=world.other, data=_unit_data(name="Polizia Locale")
    )
    assert unit.key == "polizia-locale"


def test_unit_key_and_peg_code_must_be_unique_in_ente(world):
    admin = world.users["admin"]
    with pytest.raises(ServiceError) as error:
        services.unit_create(user=admin, ente=world.ente, data=_unit_data(key="polizia-locale"))
    assert error.value.field == "key"
    assert "«polizia-locale» è già usata" in error.value.message
    with pytest.raises(ServiceError) as error:
        services.unit_create(user=admin, ente=world.ente, data=_unit_data(peg_code="pm01"))
    assert error.value.field == "peg_code"
    assert error.value.message == "Il codice PEG «pm01» è già usato dall'unità «Polizia Locale»."
    # Placeholders as written in the documents may repeat; other enti's codes do not clash.
    services.unit_create(user=admin, ente=world.ente, data=_unit_data(peg_code="---"))
    services.unit_create(user=admin, ente=world.ente, data=_unit_data(peg_code="RA01"))
    assert not AuditEntry.objects.filter(changes__peg_code=[None, "pm01"]).exists()


def test_unit_key_must_be_a_slug(world):
    with pytest.raises(ServiceError) as error:
        services.unit_create(
            user=world.users["admin"], ente=world.ente, data=_unit_data(key="Con Spazi")
        )
    assert error.value.field == "key" and "non è valida" in error.value.message


def test_unit_name_required(world):
    with pytest.raises(ServiceError) as error:
        services.unit_create(user=world.users["admin"], ente=world.ente, data=_unit_data(name=" "))
    assert error.value.field == "name"
    assert error.value.message == "La denominazione dell'unità è obbligatoria."


def test_parent_must_belong_to_same_ente(world):
    with pytest.raises(ServiceError) as error:
        services.unit_create(
            user=world.users["admin"], ente=world.ente, data=_unit_data(parent=world.other_unit)
        )
    assert error.value.field == "parent" and "appartiene a un altro ente" in error.value.message


def test_responsible_must_belong_to_same_ente(world):
    with pytest.raises(ServiceError) as error:
        services.unit_update(
            user=world.users["admin"], unit=world.service, data={"responsible": world.other_person}
        )
    assert error.value.field == "responsible"


def test_no_cycles_in_the_tree(world):
    admin = world.users["admin"]
    for new_parent in (world.area, world.office):  # itself is excluded by the form; check both
        with pytest.raises(ServiceError) as error:
            services.unit_update(user=admin, unit=world.area, data={"parent": new_parent})
        assert error.value.field == "parent" and "circolare" in error.value.message
    world.area.refresh_from_db()
    assert world.area.parent is None
    # Moving a leaf elsewhere is fine.
    services.unit_update(user=admin, unit=world.office, data={"parent": world.area})
    assert Unit.objects.get(pk=world.office.pk).parent == world.area


def test_unit_update_audits_only_the_diff(world):
    services.unit_update(
        user=world.users["admin"], unit=world.service, data={"name": "Polizia Locale Unica"}
    )
    entry = AuditEntry.objects.get(action="unit.update")
    assert entry.changes == {"name": ["Polizia Locale", "Polizia Locale Unica"]}


def test_unit_update_keeps_key_when_blank(world):
    unit = services.unit_update(user=world.users["admin"], unit=world.service, data={"key": ""})
    assert unit.key == "polizia-locale"


def test_unit_delete_refused_with_children(world):
    with pytest.raises(ServiceError) as error:
        services.unit_delete(user=world.users["admin"], unit=world.service)
    assert "ha 1 sottounità" in error.value.message
    assert Unit.objects.filter(pk=world.service.pk).exists()


def test_unit_delete_refused_with_objectives(world):
    leaf = Unit.objects.create(ente=world.ente, key="leaf", kind=UnitKind.OFFICE, name="Foglia")
    OperationalObjective.objects.create(cycle=world.cycle, key="x", title="X", unit=leaf)
    with pytest.raises(ServiceError) as error:
        services.unit_delete(user=world.users["admin"], unit=leaf)
    assert "1 obiettivi operativi" in error.value.message and "Foglia" in error.value.message


def test_unit_delete_audits(world):
    pk = world.office.pk
    services.unit_delete(user=world.users["admin"], unit=world.office)
    assert not Unit.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="unit.delete")
    assert entry.object_id == str(pk) and entry.changes["name"] == ["Ufficio verbali", None]


@pytest.mark.parametrize("role", ["responsabile", "dipendente", "nucleo", "giunta"])
def test_services_refuse_non_admins(world, role):
    with pytest.raises(AccessDenied):
        services.unit_create(user=world.users[role], ente=world.ente, data=_unit_data())
    with pytest.raises(AccessDenied):
        services.person_update(user=world.users[role], person=world.clerk, data={})
    with pytest.raises(AccessDenied):
        services.unit_create(user=world.users["admin"], ente=world.other, data=_unit_data())


def test_platform_admin_may_write(world):
    unit = services.unit_create(user=world.users["platform"], ente=world.ente, data=_unit_data())
    assert unit.ente == world.ente


# --- people --------------------------------------------------------------------------------


def test_person_create_key_and_validation(world):
    admin = world.users["admin"]
    person = services.person_create(
        user=admin,
        ente=world.ente,
        data={"first_name": "Luca", "last_name": "Verdi", "fiscal_code": "vrdlcu90a01d150k"},
    )
    assert person.key == "luca-verdi-2"
    assert person.fiscal_code == "VRDLCU90A01D150K"
    assert AuditEntry.objects.filter(action="person.create", object_id=str(person.pk)).exists()
    with pytest.raises(ServiceError) as error:
        services.person_create(user=admin, ente=world.ente, data={"first_name": "X"})
    assert error.value.field == "last_name"
    assert error.value.message == "Il cognome della persona è obbligatorio."
    with pytest.raises(ServiceError) as error:
        services.person_update(user=admin, person=person, data={"fiscal_code": "ABC"})
    assert error.value.field == "fiscal_code" and "16 lettere e cifre" in error.value.message
    with pytest.raises(ServiceError) as error:
        services.person_update(user=admin, person=person, data={"key": "luca-verdi"})
    assert error.value.field == "key" and "Luca Verdi" in error.value.message


# --- employments ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-5", "100.01", "150"])
def test_part_time_percent_bounds(world, value):
    with pytest.raises(ServiceError) as error:
        services.employment_update(
            user=world.users["admin"],
            employment=world.clerk_employment,
            data={"part_time_percent": Decimal(value)},
        )
    assert error.value.field == "part_time_percent"
    assert "Rapporto di lavoro di Luca Verdi" in error.value.message
    assert (
        "«percentuale di tempo» deve essere maggiore di 0 e al massimo 100" in error.value.message
    )


def test_employment_dates_and_audit(world):
    admin = world.users["admin"]
    with pytest.raises(ServiceError) as error:
        services.employment_create(
            user=admin,
            person=world.clerk,
            data={"start_date": dt.date(2024, 5, 1), "end_date": dt.date(2024, 4, 30)},
        )
    assert error.value.field == "end_date"
    assert "(«al» 30/04/2024) non può precedere la data di inizio («dal» 01/05/2024)" in str(
        error.value
    )
    employment = services.employment_create(
        user=admin,
        person=world.clerk,
        data={"part_time_percent": Decimal("50"), "start_date": dt.date(2024, 5, 1)},
    )
    entry = AuditEntry.objects.get(action="employment.create")
    assert entry.ente == world.ente and entry.changes["part_time_percent"] == [None, "50.00"]
    services.employment_update(user=admin, employment=employment, data={"role": "eq"})
    assert AuditEntry.objects.get(action="employment.update").changes == {
        "role": ["dipendente", "eq"]
    }


def test_employment_area_or_category_not_both(world):
    with pytest.raises(ServiceError) as error:
        services.employment_update(
            user=world.users["admin"],
            employment=world.clerk_employment,
            data={"ccnl_area": "istruttori"},
        )
    assert error.value.field == "legacy_category"


def test_weekly_hours_bounds(world):
    with pytest.raises(ServiceError) as error:
        services.employment_update(
            user=world.users["admin"],
            employment=world.clerk_employment,
            data={"hours_per_week": Decimal("60")},
        )
    assert error.value.field == "hours_per_week"


# --- assignments ---------------------------------------------------------------------------


def test_assignment_unit_must_be_same_ente(world):
    with pytest.raises(ServiceError) as error:
        services.assignment_create(
            user=world.users["admin"], person=world.clerk, data={"unit": world.other_unit}
        )
    assert error.value.field == "unit"
    assert "non appartiene all'ente della persona" in error.value.message


def test_assignment_convention_needs_source_ente(world):
    data = {"unit": world.office, "kind": AssignmentKind.CONVENTION, "source_ente_name": ""}
    with pytest.raises(ServiceError) as error:
        services.assignment_create(user=world.users["admin"], person=world.clerk, data=data)
    assert error.value.field == "source_ente_name"
    assert "utilizzo in convenzione" in error.value.message


def test_assignment_share_and_dates(world):
    admin = world.users["admin"]
    with pytest.raises(ServiceError) as error:
        services.assignment_create(
            user=admin,
            person=world.clerk,
            data={"unit": world.office, "share_percent": Decimal("0")},
        )
    assert error.value.field == "share_percent" and "quota di impiego %" in error.value.message
    with pytest.raises(ServiceError) as error:
        services.assignment_update(
            user=admin, assignment=world.clerk_assignment, data={"end_date": dt.date(2019, 1, 1)}
        )
    assert error.value.field == "end_date"


def test_assignment_create_update_end_audit(world):
    admin = world.users["admin"]
    assignment = services.assignment_create(
        user=admin,
        person=world.clerk,
        data={"unit": world.office, "position": "Addetto", "share_percent": Decimal("30")},
    )
    services.assignment_update(user=admin, assignment=assignment, data={"position": "Referente"})
    services.assignment_end(user=admin, assignment=assignment, end_date=dt.date(2030, 6, 30))
    actions = list(
        AuditEntry.objects.filter(object_id=str(assignment.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["assignment.create", "assignment.update", "assignment.end"]
    end = AuditEntry.objects.get(action="assignment.end")
    assert end.changes == {"end_date": [None, "2030-06-30"]} and end.ente == world.ente


def test_assignment_end_before_start_refused(world):
    with pytest.raises(ServiceError) as error:
        services.assignment_end(
            user=world.users["admin"],
            assignment=world.clerk_assignment,
            end_date=dt.date(2019, 12, 31),
        )
    assert error.value.field == "end_date"
    assert Assignment.objects.get(pk=world.clerk_assignment.pk).end_date is None
