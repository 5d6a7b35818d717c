"""`manage.py create_ente` and the `ente_create` service."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, MembershipRole, User
from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from organization.models import Ente
from organization.services import ente_create

pytestmark = pytest.mark.django_db

ARGS = [
    "--slug", "unione-nuova",
    "--name", "Unione dei Comuni Nuova",
    "--kind", "unione",
    "--ipa", "ucn_01",
    "--istat", "",
    "--headcount", "42",
    "--admin-username", "segretario",
    "--admin-email", "segretario@example.org",
]  # fmt: skip


def test_command_creates_ente_and_admin():
    out = io.StringIO()
    call_command("create_ente", *ARGS, "--admin-password", "Una-Password-Lunga-9", stdout=out)
    ente = Ente.objects.get(slug="unione-nuova")
    assert (ente.name, ente.kind, ente.ipa_code, ente.headcount) == (
        "Unione dei Comuni Nuova", "unione", "ucn_01", 42,
    )  # fmt: skip
    admin = User.objects.get(username="segretario")
    assert admin.check_password("Una-Password-Lunga-9") and admin.email == "segretario@example.org"
    assert Membership.objects.get(user=admin).role == MembershipRole.ADMIN
    assert Membership.objects.get(user=admin).ente == ente
    actions = set(AuditEntry.objects.filter(ente=ente).values_list("action", flat=True))
    assert actions == {"ente.create", "account.create", "membership.create"}
    assert "Creato l'ente «Unione dei Comuni Nuova»" in out.getvalue()


def test_command_refuses_existing_slug(make_ente):
    make_ente("unione-nuova")
    with pytest.raises(CommandError, match="Esiste già un ente con identificativo «unione-nuova»"):
        call_command("create_ente", *ARGS, "--admin-password", "Una-Password-Lunga-9")
    assert not User.objects.filter(username="segretario").exists()


def test_command_refuses_existing_username(make_user):
    make_user("Segretario")
    with pytest.raises(CommandError, match="Esiste già un utente «segretario»"):
        call_command("create_ente", *ARGS, "--admin-password", "Una-Password-Lunga-9")
    # Nothing half-created: the ente is rolled back with the refused administrator.
    assert not Ente.objects.filter(slug="unione-nuova").exists()


def test_command_refuses_weak_password():
    with pytest.raises(CommandError, match="La password non è accettabile"):
        call_command("create_ente", *ARGS, "--admin-password", "12345")
    assert not Ente.objects.exists()


def test_command_without_password_and_without_terminal(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="Password dell'amministratore mancante"):
        call_command("create_ente", *ARGS)
    assert not Ente.objects.exists()


def test_command_prompts_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["Una-Password-Lunga-9", "Una-Password-Lunga-9"])
    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_ente", *ARGS, stdout=io.StringIO())
    assert User.objects.get(username="segretario").check_password("Una-Password-Lunga-9")


def test_command_prompt_mismatch(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    answers = iter(["Una-Password-Lunga-9", "Diversa-Password-8"])
    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="Le due password non coincidono"):
        call_command("create_ente", *ARGS)


def test_command_rejects_unknown_kind():
    with pytest.raises(CommandError):
        call_command(
            "create_ente", "--slug", "x", "--name", "X", "--kind", "provincia",
            "--admin-username", "u", "--admin-email", "u@example.org",
            "--admin-password", "Una-Password-Lunga-9",
        )  # fmt: skip


def test_service_messages_and_permissions(make_user):
    data = {"slug": "Non Valido", "name": "X", "kind": "comune"}
    with pytest.raises(ServiceError) as error:
        ente_create(user=None, data=data, admin_username="a", admin_email="", admin_password="x")
    assert error.value.field == "slug"
    with pytest.raises(ServiceError) as error:
        ente_create(
            user=None,
            data={"slug": "ok", "name": "  ", "kind": "comune"},
            admin_username="a",
            admin_email="",
            admin_password="Una-Password-Lunga-9",
        )
    assert error.value.message == "La denominazione dell'ente è obbligatoria."
    with pytest.raises(AccessDenied):
        ente_create(
            user=make_user("semplice"),
            data={"slug": "ok", "name": "Ok", "kind": "comune"},
            admin_username="a",
            admin_email="",
            admin_password="Una-Password-Lunga-9",
        )
    platform = make_user("ict", is_platform_admin=True)
    ente, admin = ente_create(
        user=platform,
        data={"slug": "ok", "name": "Ok", "kind": "comune"},
        admin_username="nuovo-admin",
        admin_email="",
        admin_password="Una-Password-Lunga-9",
    )
    assert AuditEntry.objects.get(action="ente.create").user == platform
