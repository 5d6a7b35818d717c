from __future__ import annotations

from decimal import Decimal

import pytest

from appraisal import services
from appraisal.models import Behaviour, SchemeBehaviour, SchemeComponent, ScoreBand
from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry

from .conftest import STAFF_BANDS, staff_items

pytestmark = pytest.mark.django_db
D = Decimal


def components(unit="30", behaviours="70", chosen=None):
    return [
        {"key": "unita", "kind": "unit_performance", "label": "Unità", "weight": unit},
        {
            "key": "comportamenti",
            "kind": "behaviours",
            "label": "Comportamenti organizzativi",
            "weight": behaviours,
            "behaviours": chosen or [{"behaviour": "collaborazione"}],
        },
    ]


# --- behaviours dictionary ---------------------------------------------------------------------


def test_behaviour_create_and_update_with_levels(org):
    behaviour = services.behaviour_create(
        user=org.users.admin,
        ente=org.ente,
        data={
            "name": "Orientamento all'utenza",
            "levels": [
                {"score": 2, "descriptor": "Adeguato"},
                {"score": 1, "descriptor": "Insufficiente"},
            ],
        },
    )
    assert behaviour.key == "orientamento-allutenza"
    assert [level["score"] for level in behaviour.levels] == [1, 2]
    services.behaviour_update(
        user=org.users.admin, behaviour=behaviour, data={"description": "Verso i cittadini"}
    )
    assert Behaviour.objects.get(pk=behaviour.pk).description == "Verso i cittadini"
    entry = AuditEntry.objects.filter(action="behaviour.update").get()
    assert entry.changes["description"] == ["", "Verso i cittadini"]


def test_behaviour_refuses_duplicate_key_and_levels(org):
    with pytest.raises(ServiceError, match="Esiste già un comportamento con la chiave"):
        services.behaviour_create(
            user=org.users.admin, ente=org.ente, data={"key": "precisione", "name": "X"}
        )
    with pytest.raises(ServiceError, match="il punteggio 2 compare più volte"):
        services.behaviour_create(
            user=org.users.admin,
            ente=org.ente,
            data={
                "name": "Y",
                "levels": [{"score": 2, "descriptor": "a"}, {"score": 2, "descriptor": "b"}],
            },
        )
    with pytest.raises(AccessDenied):
        services.behaviour_create(user=org.users.nucleo, ente=org.ente, data={"name": "Z"})


# --- schemes and components --------------------------------------------------------------------


def test_weights_must_total_100(org):
    scheme = services.scheme_create(
        user=org.users.admin, cycle=org.cycle, data={"name": "Operatori", "max_points": "100"}
    )
    with pytest.raises(ServiceError) as error:
        services.scheme_component_set(
            user=org.users.admin, scheme=scheme, components=components(unit="25")
        )
    assert "I pesi dei componenti totalizzano 95,00 invece di 100" in error.value.message
    assert error.value.field == "components"
    assert not SchemeComponent.objects.filter(scheme=scheme).exists()
    # three thirds of 33,33 are within the tolerance of 0,01
    services.scheme_component_set(
        user=org.users.admin,
        scheme=scheme,
        components=[
            {"kind": "unit_performance", "weight": "33.33"},
            {"kind": "ente_performance", "weight": "33.33"},
            {"kind": "behaviours", "weight": "33.33", "behaviours": ["precisione"]},
        ],
    )
    assert SchemeComponent.objects.filter(scheme=scheme).count() == 3


def test_managerial_scheme_needs_prevailing_unit_performance(org):
    with pytest.raises(ServiceError) as error:
        services.scheme_component_set(
            user=org.users.admin,
            scheme=org.managers,
            components=components(
                unit="40",
                behaviours="60",
                chosen=[{"behaviour": "differenziazione"}],
            ),
        )
    message = error.value.message
    assert "la performance dell'unità di appartenenza deve avere peso prevalente" in message
    assert "art. 9 c.1 lett. a D.Lgs. 150/2009" in message
    assert "pesa 40,00, mentre «Comportamenti organizzativi» pesa 60,00" in message
    # the previous components are untouched
    assert SchemeComponent.objects.filter(scheme=org.managers).count() == 2


def test_managerial_scheme_majority_rule(org):
    services.scheme_update(
        user=org.users.admin, scheme=org.managers, data={"prevalence": "majority"}
    )
    with pytest.raises(ServiceError, match="superiore al 50\u00a0%"):
        services.scheme_component_set(
            user=org.users.admin,
            scheme=org.managers,
            components=[
                {"kind": "unit_performance", "weight": "50"},
                {"kind": "individual_objectives", "weight": "25"},
                {"kind": "behaviours", "weight": "25", "behaviours": ["differenziazione"]},
            ],
        )


def test_managerial_scheme_needs_differentiation_capacity(org):
    with pytest.raises(ServiceError) as error:
        services.scheme_component_set(
            user=org.users.admin,
            scheme=org.managers,
            components=components(unit="60", behaviours="40"),
        )
    assert "capacità di differenziare i giudizi" in error.value.message
    assert "art. 9 c.1 lett. d D.Lgs. 150/2009" in error.value.message


def test_component_rules(org):
    scheme = services.scheme_create(user=org.users.admin, cycle=org.cycle, data={"name": "Altro"})
    with pytest.raises(ServiceError, match="scegli almeno un comportamento"):
        services.scheme_component_set(
            user=org.users.admin,
            scheme=scheme,
            components=[{"kind": "behaviours", "label": "Comportamenti", "weight": "100"}],
        )
    with pytest.raises(ServiceError, match="compare già in"):
        services.scheme_component_set(
            user=org.users.admin,
            scheme=scheme,
            components=[
                {"kind": "behaviours", "label": "A", "weight": "50", "behaviours": ["precisione"]},
                {"kind": "behaviours", "label": "B", "weight": "50", "behaviours": ["precisione"]},
            ],
        )
    with pytest.raises(ServiceError, match="i pesi dei comportamenti totalizzano 90,00"):
        services.scheme_component_set(
            user=org.users.admin,
            scheme=scheme,
            components=[
                {
                    "kind": "behaviours",
                    "label": "A",
                    "weight": "100",
                    "behaviours": [
                        {"behaviour": "precisione", "weight": "40"},
                        {"behaviour": "collaborazione", "weight": "50"},
                    ],
                }
            ],
        )
    with pytest.raises(ServiceError, match="non è nel dizionario"):
        services.scheme_component_set(
            user=org.users.admin,
            scheme=scheme,
            components=[{"kind": "behaviours", "weight": "100", "behaviours": ["ignoto"]}],
        )


def test_scheme_fields_are_checked(org):
    with pytest.raises(ServiceError, match="il minimo deve essere inferiore al massimo"):
        services.scheme_create(
            user=org.users.admin,
            cycle=org.cycle,
            data={"name": "X", "behaviour_scale_min": 5, "behaviour_scale_max": 5},
        )
    with pytest.raises(ServiceError, match="Ruoli: valore «sindaco» non previsto"):
        services.scheme_create(
            user=org.users.admin, cycle=org.cycle, data={"name": "X", "roles": ["sindaco"]}
        )
    with pytest.raises(ServiceError, match="Esiste già un modello con la chiave «personale»"):
        services.scheme_create(
            user=org.users.admin, cycle=org.cycle, data={"name": "X", "key": "personale"}
        )
    with pytest.raises(AccessDenied):
        services.scheme_create(user=org.users.comandante, cycle=org.cycle, data={"name": "X"})


# --- bands --------------------------------------------------------------------------------------


def test_bands_must_not_overlap_and_must_cover_the_scale(org):
    overlapping = [dict(b) for b in STAFF_BANDS]
    overlapping[1]["min_points"] = "35"
    with pytest.raises(ServiceError, match="Fascia 35–53: si sovrappone alla fascia 25–36"):
        services.scheme_bands_set(user=org.users.admin, scheme=org.staff, bands=overlapping)
    short = [dict(b) for b in STAFF_BANDS[1:]]
    with pytest.raises(ServiceError, match="la fascia più alta deve arrivare a 60"):
        services.scheme_bands_set(user=org.users.admin, scheme=org.staff, bands=short)
    gap = [dict(b) for b in STAFF_BANDS]
    gap[4]["max_points"] = "15"
    with pytest.raises(ServiceError, match="lascia scoperti i punteggi tra 15 e 19"):
        services.scheme_bands_set(user=org.users.admin, scheme=org.staff, bands=gap)
    beyond = [dict(b) for b in STAFF_BANDS]
    beyond[0]["max_points"] = "70"
    with pytest.raises(ServiceError, match="i punteggi devono stare tra 0 e 60"):
        services.scheme_bands_set(user=org.users.admin, scheme=org.staff, bands=beyond)
    # nothing half-written: the five bands are still there
    assert ScoreBand.objects.filter(scheme=org.staff).count() == 5


@pytest.mark.parametrize(
    ("points", "premium", "negative"),
    [
        ("60", "100", False),
        ("54", "100", False),
        ("53.99", "80", False),
        ("53", "80", False),
        ("37", "80", False),
        ("36.99", "50", False),
        ("36", "50", False),
        ("25", "50", False),
        ("24", "25", False),
        ("19", "25", False),
        ("18.99", "0", True),
        ("18", "0", True),
        ("0", "0", True),
    ],
)
def test_band_example_of_the_issue(org, points, premium, negative):
    bands = list(ScoreBand.objects.filter(scheme=org.staff))
    band, percent, is_negative = services.classify(org.staff, bands, D(points))
    assert percent == D(premium)
    assert band.premium_percent == D(premium)
    assert band.min_points <= D(points)
    assert is_negative is negative


def test_explicit_negative_threshold(org):
    services.scheme_update(
        user=org.users.admin, scheme=org.staff, data={"negative_threshold": "25"}
    )
    bands = list(ScoreBand.objects.filter(scheme=org.staff))
    assert services.classify(org.staff, bands, D("24"))[2] is True
    assert services.classify(org.staff, bands, D("25"))[2] is False


def test_scheme_validate_lists_every_problem(org):
    scheme = services.scheme_create(user=org.users.admin, cycle=org.cycle, data={"name": "Vuoto"})
    assert services.scheme_validate(scheme) == [
        "Il modello non ha componenti.",
        "Il modello non ha fasce di punteggio.",
    ]
    assert services.scheme_validate(org.staff) == []
    assert services.scheme_validate(org.managers) == []


def test_scheme_is_frozen_once_used(org, schede):
    services.scheda_score(user=org.users.comandante, scheda=schede["agente"], items=staff_items())
    with pytest.raises(ServiceError, match="già usato per valutare 1 schede"):
        services.scheme_component_set(
            user=org.users.admin, scheme=org.staff, components=components()
        )
    with pytest.raises(ServiceError, match="le fasce non si cambiano più"):
        services.scheme_bands_set(user=org.users.admin, scheme=org.staff, bands=STAFF_BANDS)
    with pytest.raises(ServiceError, match="se ne cambiano solo denominazione e ordine"):
        services.scheme_update(user=org.users.admin, scheme=org.staff, data={"max_points": "100"})
    services.scheme_update(user=org.users.admin, scheme=org.staff, data={"name": "Personale"})
    assert SchemeBehaviour.objects.filter(component__scheme=org.staff).count() == 2
