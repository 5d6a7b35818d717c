"""Fixtures of the rewards tests: an ente with an approved plan, schede and users by role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accounts.access import ADMIN, DIPENDENTE, GIUNTA, NUCLEO
from tests.rewards.builders import make_cycle, make_member, make_scheme


@pytest.fixture
def staff_case(make_ente, make_user):
    """Five dipendenti on a 60-point scheme: 58, 55, 45, 30 and 10 points (the last negative)."""
    ente = make_ente("comune-premi", name="Comune di Premiano")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    schede = [
        make_member(
            ente, cycle, scheme, "anna-bianchi", 58, first_name="Anna", last_name="Bianchi"
        ),
        make_member(ente, cycle, scheme, "bruno-conti", 55, first_name="Bruno", last_name="Conti"),
        make_member(ente, cycle, scheme, "carla-dini", 45, first_name="Carla", last_name="Dini"),
        make_member(
            ente, cycle, scheme, "dario-esposito", 30, first_name="Dario", last_name="Esposito"
        ),
        make_member(
            ente, cycle, scheme, "elena-fabbri", 10, first_name="Elena", last_name="Fabbri"
        ),
    ]
    return SimpleNamespace(
        ente=ente,
        cycle=cycle,
        scheme=scheme,
        schede=schede,
        admin=make_user("admin", ente, ADMIN),
        nucleo=make_user("nucleo", ente, NUCLEO),
        giunta=make_user("giunta", ente, GIUNTA),
        dipendente=make_user("dipendente", ente, DIPENDENTE),
    )
