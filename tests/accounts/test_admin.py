"""The Django admin never goes around the services: roles are granted with an audit row, and
the other models are read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership, MembershipRole
from core.models import AuditEntry
from organization.models import Unit


@pytest.fixture
def ict(make_user):
    return make_user("ict", is_superuser=True, is_staff=True)


def test_granting_and_revoking_a_role_in_the_admin_is_audited(client, ict, make_ente, make_user):
    ente = make_ente()
    person = make_user("rossi")
    client.force_login(ict)
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {"user": person.pk, "ente": ente.pk, "role": MembershipRole.NUCLEO, "person": ""},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    grant = AuditEntry.objects.get(action="membership.grant")
    assert grant.user == ict and grant.ente == ente
    assert grant.changes["role"] == [None, MembershipRole.NUCLEO]

    response = client.post(
        reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.exists()
    assert AuditEntry.objects.filter(action="membership.revoke", ente=ente).count() == 1


def test_a_person_of_another_ente_is_refused(client, ict, make_ente, make_user, make_person):
    ente, other = make_ente("uno"), make_ente("due")
    stranger = make_person(other)
    client.force_login(ict)
    response = client.post(
        reverse("admin:accounts_membership_add"),
        {
            "user": make_user("bianchi").pk,
            "ente": ente.pk,
            "role": MembershipRole.DIPENDENTE,
            "person": stranger.pk,
        },
    )
    assert response.status_code == 200
    assert "appartiene a un altro ente" in response.content.decode()
    assert not Membership.objects.exists() and not AuditEntry.objects.exists()


def test_a_new_login_is_audited_without_its_password(client, ict):
    client.force_login(ict)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "verdi",
            "password1": "Una-password-lunga-1",
            "password2": "Una-password-lunga-1",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="account.create")
    assert entry.changes["username"] == [None, "verdi"]
    assert entry.changes["password"] == [None, "impostata"]


def test_organisation_data_is_read_only_in_the_admin(client, ict, make_ente):
    ente = make_ente()
    unit = Unit.objects.create(ente=ente, key="bilancio", name="Bilancio")
    client.force_login(ict)
    assert client.get(reverse("admin:organization_unit_change", args=[unit.pk])).status_code == 200
    assert client.get(reverse("admin:organization_unit_add")).status_code == 403
    response = client.post(
        reverse("admin:organization_unit_change", args=[unit.pk]), {"name": "Altro"}
    )
    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.name == "Bilancio"
