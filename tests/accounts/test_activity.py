"""«Registro delle attività»: the audited changes of the ente, filterable, for its admin only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import MembershipRole
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(world):
    services.membership_grant(
        user=world.users["admin"],
        ente=world.ente,
        account=world.users["giunta"],
        role=MembershipRole.NUCLEO,
    )
    services.membership_grant(
        user=world.users["platform"],
        ente=world.ente,
        account=world.users["nucleo"],
        role=MembershipRole.GIUNTA,
    )
    services.membership_grant(
        user=world.users["other_admin"],
        ente=world.other,
        account=world.users["other_admin"],
        role=MembershipRole.NUCLEO,
    )
    return world


def _rows(response) -> str:
    body = response.content.decode()
    return body[body.index("<tbody>") : body.index("</tbody>")]


def test_only_the_admin_reads_the_register(enter, changes):
    world = changes
    for role in ("responsabile", "nucleo", "giunta", "dipendente"):
        response = enter(world.users[role], world.ente).get(reverse("accounts:activity"))
        assert response.status_code == 403, role


def test_register_lists_this_entes_changes_and_filters_by_person(enter, changes):
    world = changes
    client = enter(world.users["admin"], world.ente)
    rows = _rows(client.get(reverse("accounts:activity")))
    assert rows.count("membership.grant") == 2  # not the other ente's
    only = client.get(reverse("accounts:activity"), {"persona": world.users["platform"].pk})
    assert _rows(only).count("membership.grant") == 1
    assert str(world.users["platform"]) in _rows(only)


def test_register_filters_by_date_and_refuses_a_reversed_range(enter, changes):
    world = changes
    AuditEntry.objects.filter(ente=world.ente).update(
        created_at=dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC)
    )
    client = enter(world.users["admin"], world.ente)
    url = reverse("accounts:activity")
    assert "membership.grant" in _rows(client.get(url, {"dal": "2024-03-01", "al": "2024-03-01"}))
    assert "membership.grant" not in _rows(client.get(url, {"dal": "2024-03-02"}))
    response = client.get(url, {"dal": "2024-03-05", "al": "2024-03-01"})
    assert response.status_code == 400
    assert "La data finale viene prima di quella iniziale." in response.content.decode()


def test_register_cannot_be_filtered_on_another_entes_person(enter, changes):
    world = changes
    client = enter(world.users["admin"], world.ente)
    response = client.get(reverse("accounts:activity"), {"persona": world.users["other_admin"].pk})
    assert response.status_code == 400  # not a choice: nobody of this ente


def test_audit_summaries_of_any_shape_are_listed():
    from accounts.selectors import change_rows

    assert change_rows({"title": ["Vecchio", "Nuovo"]}) == [("title", "Vecchio", "Nuovo")]
    # A bulk import records lists and counts, and a key may even be called «items».
    assert change_rows({"items": [], "created": ["a", "b", "c"]}) == [
        ("items", None, []),
        ("created", None, ["a", "b", "c"]),
    ]
    assert change_rows(["a"]) == [("", None, ["a"])]
    assert change_rows(None) == []
