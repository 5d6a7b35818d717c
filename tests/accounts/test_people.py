"""«Persone e ruoli»: the ente administrator invites people, grants and revokes roles, deactivates
accounts; every change is audited and stays inside the ente."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts import services
from accounts.models import Membership, MembershipRole, User
from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _invite(client, **data):
    payload = {
        "first_name": "Giada",
        "last_name": "Fittizi",
        "email": "giada.fittizi@example.org",
        "username": "gfittizi",
        "role": MembershipRole.NUCLEO,
        "person": "",
    }
    payload.update(data)
    return client.post(reverse("accounts:person_invite"), payload)


def _logs_in(client, username: str, password: str) -> bool:
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302


# ---------------------------------------------------------------------------------------------
# Pages and access
# ---------------------------------------------------------------------------------------------


def test_only_the_ente_admin_opens_the_pages(enter, world):
    for role in ("responsabile", "dipendente", "nucleo", "giunta"):
        response = enter(world.users[role], world.ente).get(reverse("accounts:people"))
        assert response.status_code == 403, role
    response = enter(world.users["admin"], world.ente).get(reverse("accounts:people"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<caption>" in body and "responsabile" in body
    assert "altro-admin" not in body  # the other ente's account


def test_another_entes_account_gives_404(enter, world):
    client = enter(world.users["admin"], world.ente)
    other = world.users["other_admin"]
    assert client.get(reverse("accounts:account", args=[other.pk])).status_code == 404
    foreign = Membership.objects.get(user=other)
    response = client.post(reverse("accounts:membership_revoke", args=[foreign.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()
    response = client.post(reverse("accounts:account_active", args=[other.pk]), {"active": "0"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


# ---------------------------------------------------------------------------------------------
# Invitation and password
# ---------------------------------------------------------------------------------------------


def test_invited_person_sets_a_password_from_the_link_once(enter, client, world):
    admin = enter(world.users["admin"], world.ente)
    response = _invite(admin, role=MembershipRole.RESPONSABILE, person=world.lent.pk)
    account = User.objects.get(username="gfittizi")
    assert response.status_code == 302
    assert response.url == reverse("accounts:account", args=[account.pk])
    assert not account.has_usable_password()
    assert Membership.objects.get(user=account, ente=world.ente).person == world.lent
    entry = AuditEntry.objects.get(action="account.invite")
    assert entry.ente_id == world.ente.pk and entry.changes["role"] == [None, "responsabile"]
    assert entry.changes.get("password", [None, ""])[1] == ""
    # The e-mail carries the one-time link.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["giada.fittizi@example.org"]
    link = re.search(r"http://testserver(/password/\S+/)", mail.outbox[0].body).group(1)
    client.logout()
    page = client.get(link, follow=True)
    assert "Scegli la password" in page.content.decode()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    weak = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "troppo corta" in weak.content.decode()
    done = client.post(
        form_url, {"new_password1": "Ciclo-Perf-2024!", "new_password2": "Ciclo-Perf-2024!"}
    )
    assert done.status_code == 302
    assert _logs_in(client, "gfittizi", "Ciclo-Perf-2024!")
    client.logout()
    again = client.get(link, follow=True)
    assert "non è più valido" in again.content.decode()


def test_invitation_refuses_bad_input_with_the_field_named(enter, world):
    admin = enter(world.users["admin"], world.ente)
    response = _invite(admin, username="responsabile")
    assert response.status_code == 400
    assert "Il nome utente «responsabile» è già in uso." in response.content.decode()
    response = _invite(admin, role=MembershipRole.DIPENDENTE)
    assert response.status_code == 400
    assert "va collegato a una persona dell&#x27;organico" in response.content.decode()
    response = _invite(admin, person=world.other_person.pk)
    assert response.status_code == 400  # not a choice: persons of this ente only
    assert not User.objects.filter(username="gfittizi").exists()
    assert not AuditEntry.objects.filter(action="account.invite").exists()
    assert mail.outbox == []


def test_password_forgotten_sends_the_reset_link(client, world):
    user = world.users["dipendente"]
    user.email = "luca.verdi@example.org"
    user.save()
    login = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in login
    response = client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and "/password/" in mail.outbox[0].body


# ---------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------


def test_grant_and_revoke_a_role_with_audit_rows(enter, world):
    admin = enter(world.users["admin"], world.ente)
    giunta = world.users["giunta"]
    url = reverse("accounts:account", args=[giunta.pk])
    response = admin.post(url, {"role": MembershipRole.NUCLEO, "person": ""})
    assert response.status_code == 302
    granted = Membership.objects.get(user=giunta, role=MembershipRole.NUCLEO)
    assert AuditEntry.objects.filter(action="membership.grant", ente=world.ente).count() == 1
    again = admin.post(url, {"role": MembershipRole.NUCLEO, "person": ""})
    assert again.status_code == 400 and "ha già il ruolo" in again.content.decode()
    admin.post(reverse("accounts:membership_revoke", args=[granted.pk]))
    assert not Membership.objects.filter(pk=granted.pk).exists()
    assert AuditEntry.objects.filter(action="membership.revoke", ente=world.ente).count() == 1


def test_admin_cannot_revoke_their_own_admin_role(world):
    admin = world.users["admin"]
    own = Membership.objects.get(user=admin, ente=world.ente, role=MembershipRole.ADMIN)
    with pytest.raises(AccessDenied):
        services.membership_revoke(user=admin, membership=own)
    assert Membership.objects.filter(pk=own.pk).exists()


def test_services_refuse_other_roles_and_other_entes(world):
    with pytest.raises(AccessDenied):
        services.membership_grant(
            user=world.users["responsabile"],
            ente=world.ente,
            account=world.users["giunta"],
            role=MembershipRole.ADMIN,
        )
    with pytest.raises(AccessDenied):
        services.membership_grant(
            user=world.users["other_admin"],
            ente=world.ente,
            account=world.users["giunta"],
            role=MembershipRole.ADMIN,
        )
    assert not Membership.objects.filter(
        user=world.users["giunta"], role=MembershipRole.ADMIN
    ).exists()


# ---------------------------------------------------------------------------------------------
# Deactivation
# ---------------------------------------------------------------------------------------------


def test_deactivate_and_reactivate_an_account(enter, client, world):
    admin = enter(world.users["admin"], world.ente)
    target = world.users["dipendente"]
    url = reverse("accounts:account_active", args=[target.pk])
    admin.post(url, {"active": "0"})
    target.refresh_from_db()
    assert not target.is_active
    assert AuditEntry.objects.filter(action="account.deactivate", ente=world.ente).count() == 1
    client.logout()
    assert not _logs_in(client, "dipendente", "prova-Performa-1")
    admin = enter(world.users["admin"], world.ente)
    admin.post(url, {"active": "1"})
    target.refresh_from_db()
    assert target.is_active


def test_an_account_with_roles_elsewhere_is_not_deactivated_by_an_ente_admin(world):
    target = world.users["nucleo"]
    Membership.objects.create(user=target, ente=world.other, role=MembershipRole.NUCLEO)
    with pytest.raises(ServiceError, match="altri enti"):
        services.account_set_active(
            user=world.users["admin"], ente=world.ente, account=target, active=False
        )
    target.refresh_from_db()
    assert target.is_active
    services.account_set_active(
        user=world.users["platform"], ente=world.ente, account=target, active=False
    )
    target.refresh_from_db()
    assert not target.is_active


def test_admin_cannot_deactivate_themselves(world):
    admin = world.users["admin"]
    with pytest.raises(ServiceError, match="tuo stesso account"):
        services.account_set_active(user=admin, ente=world.ente, account=admin, active=False)
