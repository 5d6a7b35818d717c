"""backup → restore → backup is byte-identical; damaged archives and busy installations refused."""

from __future__ import annotations

import io
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from accounts.models import Membership, User
from core.models import AuditEntry
from measurement.models import Evidence, Measurement
from operations.audit_guard import rewriting_allowed
from organization.models import Ente
from planning.models import Cycle


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _with_a_stored_file() -> Evidence:
    measurement = Measurement.objects.filter(indicator__isnull=False).order_by("id").first()
    evidence = Evidence(
        measurement=measurement,
        original_name="verbale.pdf",
        content_type="application/pdf",
        size=9,
    )
    evidence.file.save("verbale.pdf", ContentFile(b"%PDF-1.7\n"), save=False)
    evidence.save()
    return evidence


def _empty_installation() -> None:
    call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_backup_restore_backup_is_byte_identical(tmp_path, media):
    call_command("load_demo", stdout=io.StringIO())
    stored = _with_a_stored_file()
    counts = (Cycle.objects.count(), Measurement.objects.count(), User.objects.count())
    audit_rows = AuditEntry.objects.count()
    first = tmp_path / "primo.tar.gz"
    call_command("backup", str(first), stdout=io.StringIO())

    _empty_installation()
    (media / stored.file.name).unlink()
    assert not Ente.objects.exists()
    call_command("restore", str(first), stdout=io.StringIO())

    assert (Cycle.objects.count(), Measurement.objects.count(), User.objects.count()) == counts
    assert AuditEntry.objects.count() == audit_rows
    assert (media / stored.file.name).read_bytes() == b"%PDF-1.7\n"
    restored = Evidence.objects.exclude(file="").get()
    assert restored.file.name == stored.file.name
    assert Membership.objects.filter(user__username="segretario.casalbuttano").exists()
    second = tmp_path / "secondo.tar.gz"
    call_command("backup", str(second), stdout=io.StringIO())
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.django_db
def test_restore_refuses_a_non_empty_installation(tmp_path, make_ente, media):
    make_ente("gia-presente")
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="non è vuota"):
        call_command("restore", str(archive), stdout=io.StringIO())


@pytest.mark.django_db
def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path, make_ente, media):
    make_ente("ente-solo")
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    with tarfile.open(archive, "r:gz") as source:
        members = [(m, source.extractfile(m).read()) for m in source.getmembers()]
    tampered = tmp_path / "manomesso.tar.gz"
    with tarfile.open(tampered, "w:gz") as target:
        for member, data in members:
            if member.name == "accounts.json":
                data = data.replace(b"[]", b'[{"username": "intruso"}]', 1)
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    Ente.objects.all().delete()
    with pytest.raises(CommandError, match="danneggiato"):
        call_command("restore", str(tampered), stdout=io.StringIO())
    assert not User.objects.filter(username="intruso").exists()


@pytest.mark.django_db
def test_an_ente_without_cycles_survives(tmp_path, make_ente, media):
    make_ente("senza-cicli", name="Comune senza cicli")
    archive = tmp_path / "b.tar.gz"
    call_command("backup", str(archive), stdout=io.StringIO())
    Ente.objects.all().delete()
    with rewriting_allowed():
        AuditEntry.objects.all().delete()
    call_command("restore", str(archive), stdout=io.StringIO())
    assert Ente.objects.get(slug="senza-cicli").name == "Comune senza cicli"


def test_backup_never_overwrites_without_force(tmp_path, db, media):
    archive = tmp_path / "b.tar.gz"
    archive.write_bytes(b"vecchio")
    with pytest.raises(CommandError, match="esiste già"):
        call_command("backup", str(archive), stdout=io.StringIO())
    assert archive.read_bytes() == b"vecchio"
