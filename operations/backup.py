"""`manage.py backup` and `manage.py restore`: the whole installation in one archive.

The archive is a gzip-compressed tar, written deterministically (sorted entries, fixed times
and owners), so that backup → restore → backup gives the same bytes:

- `manifest.json`: format, version, the enti with their cycles, and for every other entry
  its size and SHA-256;
- `enti/<slug>/<year>.json`: each cycle in the interchange format (`performa-cycle`);
- `enti/<slug>/ente.json`: an ente without cycles;
- `enti/<slug>/<year>.files.json`: which evidence row each stored file belongs to;
- `files/<path>`: the stored files (evidence of the measurements), at their storage path;
- `accounts.json`: logins (with their password hashes) and their roles in the enti;
- `audit.json`: the audit trail.

API tokens are not in the archive: after a restore the administrators create new ones.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.dateparse import parse_datetime

from accounts.models import Membership, User
from core.models import AuditEntry
from interchange import spec
from interchange.exporter import _ente, dumps, export_cycle
from interchange.fields import model_values
from interchange.importer import InterchangeError, import_cycle
from measurement.models import Evidence
from operations.audit_guard import rewriting_allowed
from organization.models import Ente, Person
from planning.models import Cycle

FORMAT = "performa-backup"
VERSION = 1
MANIFEST = "manifest.json"
USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
    "is_platform_admin",
)


class BackupError(Exception):
    """The archive cannot be restored; the message says why, in Italian."""


def _json(data: Any) -> bytes:
    return dumps(data).encode("utf-8")


# --- writing -----------------------------------------------------------------------------------


def _evidence_files(cycle: Cycle) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """Rows saying which stored file belongs to which evidence, and the files' contents."""
    rows, contents = [], {}
    evidence = (
        Evidence.objects.filter(measurement__cycle=cycle)
        .exclude(file="")
        .select_related("measurement__indicator", "measurement__parameter__unit")
        .order_by("measurement_id", "id")
    )
    # The position of each evidence among those of its measurement (the file's order).
    by_measurement: dict[int, list[int]] = {}
    for pk, measurement_id in (
        Evidence.objects.filter(measurement__cycle=cycle)
        .order_by("measurement_id", "id")
        .values_list("pk", "measurement_id")
    ):
        by_measurement.setdefault(measurement_id, []).append(pk)
    for item in evidence:
        measurement = item.measurement
        if not default_storage.exists(item.file.name):
            raise BackupError(
                f"Il file «{item.file.name}» del documento «{item.original_name}» non è nello "
                "spazio dei file: il backup sarebbe incompleto."
            )
        with default_storage.open(item.file.name, "rb") as handle:
            data = handle.read()
        subject: dict[str, Any]
        if measurement.indicator_id:
            subject = {"indicator": measurement.indicator.key}
        else:
            subject = {
                "parameter": {
                    "unit": measurement.parameter.unit.key,
                    "key": measurement.parameter.key,
                }
            }
        rows.append(
            {
                **subject,
                "period_end": measurement.period_end.isoformat(),
                "position": by_measurement[measurement.pk].index(item.pk),
                "path": item.file.name,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        contents[item.file.name] = data
    return rows, contents


def _accounts() -> dict[str, Any]:
    users = User.objects.exclude(api_token__isnull=False).order_by("username")
    memberships = (
        Membership.objects.exclude(user__api_token__isnull=False)
        .select_related("user", "ente", "person")
        .order_by("user__username", "ente__slug", "role")
    )
    return {
        "users": [{name: getattr(user, name) for name in USER_FIELDS} for user in users],
        "memberships": [
            {
                "user": m.user.username,
                "ente": m.ente.slug,
                "role": m.role,
                "person": m.person.key if m.person_id else None,
            }
            for m in memberships
        ],
    }


def _audit() -> list[dict[str, Any]]:
    rows = AuditEntry.objects.select_related("ente", "user").order_by("created_at", "id")
    return [
        {
            "created_at": entry.created_at.isoformat(),
            "ente": entry.ente.slug if entry.ente_id else None,
            "user": entry.user.username if entry.user_id else None,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "object_label": entry.object_label,
            "changes": entry.changes,
        }
        for entry in rows
    ]


def collect() -> dict[str, bytes]:
    """Every entry of the archive but the manifest, by name."""
    entries: dict[str, bytes] = {}
    for ente in Ente.objects.order_by("slug"):
        cycles = list(Cycle.objects.filter(ente=ente).order_by("year"))
        if not cycles:
            entries[f"enti/{ente.slug}/ente.json"] = _json(_ente(ente))
        for cycle in cycles:
            entries[f"enti/{ente.slug}/{cycle.year}.json"] = _json(export_cycle(cycle))
            rows, contents = _evidence_files(cycle)
            if rows:
                entries[f"enti/{ente.slug}/{cycle.year}.files.json"] = _json(rows)
            for path, data in contents.items():
                entries[f"files/{path}"] = data
    entries["accounts.json"] = _json(_accounts())
    entries["audit.json"] = _json(_audit())
    return entries


def manifest_for(entries: dict[str, bytes]) -> dict[str, Any]:
    enti: dict[str, list[int]] = {}
    for name in entries:
        parts = name.split("/")
        if parts[0] == "enti":
            years = enti.setdefault(parts[1], [])
            stem = parts[2].split(".")[0]
            if parts[2].endswith(".json") and stem.isdigit() and ".files" not in parts[2]:
                years.append(int(stem))
    return {
        "format": FORMAT,
        "version": VERSION,
        "interchange": {"format": spec.FORMAT, "version": spec.VERSION},
        "enti": [{"slug": slug, "cycles": sorted(years)} for slug, years in sorted(enti.items())],
        "files": [
            {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(entries.items())
        ],
    }


def write_archive(entries: dict[str, bytes], target: io.BufferedIOBase) -> dict[str, Any]:
    manifest = manifest_for(entries)
    ordered = [(MANIFEST, _json(manifest)), *sorted(entries.items())]
    with (
        gzip.GzipFile(fileobj=target, mode="wb", mtime=0, filename="") as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name, data in ordered:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    return manifest


def backup_to(path: Path) -> dict[str, Any]:
    with path.open("wb") as target:
        return write_archive(collect(), target)


# --- reading and restoring ---------------------------------------------------------------------


@dataclass
class Archive:
    manifest: dict[str, Any]
    entries: dict[str, bytes]


def read_archive(path: Path) -> Archive:
    """The archive, with every checksum verified; `BackupError` on anything unexpected."""
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            entries: dict[str, bytes] = {}
            for member in archive.getmembers():
                if not member.isfile() or member.name.startswith("/") or ".." in member.name:
                    raise BackupError(f"Voce non ammessa nell'archivio: «{member.name}».")
                handle = archive.extractfile(member)
                entries[member.name] = handle.read() if handle else b""
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(f"L'archivio non si legge ({error}).") from error
    if MANIFEST not in entries:
        raise BackupError("L'archivio non contiene manifest.json: non è un backup di Performa.")
    try:
        manifest = json.loads(entries.pop(MANIFEST))
    except ValueError as error:
        raise BackupError("manifest.json non è JSON valido.") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(
            f"Formato dell'archivio non riconosciuto: {manifest.get('format')} "
            f"versione {manifest.get('version')} (atteso {FORMAT} versione {VERSION})."
        )
    listed = {item["path"]: item for item in manifest.get("files", [])}
    if set(listed) != set(entries):
        missing = sorted(set(listed) - set(entries))[:3]
        extra = sorted(set(entries) - set(listed))[:3]
        raise BackupError(
            f"L'archivio non corrisponde al manifest (mancano {missing}, in più {extra})."
        )
    for name, data in entries.items():
        if (
            hashlib.sha256(data).hexdigest() != listed[name]["sha256"]
            or len(data) != listed[name]["size"]
        ):
            raise BackupError(f"Il file «{name}» è danneggiato: la somma di controllo non torna.")
    return Archive(manifest, entries)


def _require_empty() -> None:
    if Ente.objects.exists() or User.objects.exists() or AuditEntry.objects.exists():
        raise BackupError(
            "L'installazione non è vuota: il ripristino si fa su un database appena creato "
            "(manage.py migrate su un database nuovo), per non mescolare i dati."
        )


def _restore_ente_only(data: dict[str, Any]) -> None:
    values = model_values(spec.ENTE, data, frozenset({"slug", "members", "behaviours"}))
    values["smvp_settings"] = spec.canonical_smvp(data.get("smvp_settings")) or {}
    Ente.objects.create(slug=data["slug"], **values)


def _attach_files(
    slug: str, year: int, rows: list[dict[str, Any]], files: dict[str, bytes]
) -> list[str]:
    cycle = Cycle.objects.get(ente__slug=slug, year=year)
    written = []
    for row in rows:
        query = Evidence.objects.filter(
            measurement__cycle=cycle, measurement__period_end=row["period_end"]
        )
        if "indicator" in row:
            query = query.filter(measurement__indicator__key=row["indicator"])
        else:
            query = query.filter(
                measurement__parameter__unit__key=row["parameter"]["unit"],
                measurement__parameter__key=row["parameter"]["key"],
            )
        items = list(query.order_by("id"))
        if row["position"] >= len(items):
            raise BackupError(f"{slug} {year}: il file «{row['path']}» non ha il suo documento.")
        evidence = items[row["position"]]
        if default_storage.exists(row["path"]):
            default_storage.delete(row["path"])
        saved = default_storage.save(row["path"], io.BytesIO(files[f"files/{row['path']}"]))
        if saved != row["path"]:
            raise BackupError(f"Il file «{row['path']}» non si salva con il suo nome.")
        written.append(saved)
        Evidence.objects.filter(pk=evidence.pk).update(file=saved)
    return written


def _restore_accounts(data: dict[str, Any]) -> None:
    for item in data.get("users", []):
        User.objects.create(**{name: item[name] for name in USER_FIELDS if name in item})
    users = {u.username: u for u in User.objects.all()}
    enti = {e.slug: e for e in Ente.objects.all()}
    for item in data.get("memberships", []):
        person = None
        if item.get("person"):
            person = Person.objects.filter(ente=enti[item["ente"]], key=item["person"]).first()
        Membership.objects.create(
            user=users[item["user"]], ente=enti[item["ente"]], role=item["role"], person=person
        )


def _restore_audit(rows: Iterable[dict[str, Any]]) -> None:
    # The imports above wrote their own rows: the archived trail replaces them.
    with rewriting_allowed():
        AuditEntry.objects.all().delete()
    users = {u.username: u for u in User.objects.all()}
    enti = {e.slug: e for e in Ente.objects.all()}
    entries = [
        AuditEntry(
            ente=enti.get(row["ente"]) if row["ente"] else None,
            user=users.get(row["user"]) if row["user"] else None,
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            object_label=row["object_label"],
            changes=row["changes"],
        )
        for row in rows
    ]
    created = AuditEntry.objects.bulk_create(entries, batch_size=500)
    for entry, row in zip(created, rows, strict=True):
        entry.created_at = parse_datetime(row["created_at"])
    AuditEntry.objects.bulk_update(created, ["created_at"], batch_size=500)


def restore_from(path: Path) -> dict[str, Any]:
    """Rebuild an empty installation from the archive at `path`; returns the manifest."""
    archive = read_archive(path)
    _require_empty()
    entries = archive.entries
    written: list[str] = []
    try:
        with transaction.atomic():
            for ente in archive.manifest["enti"]:
                slug = ente["slug"]
                if not ente["cycles"]:
                    _restore_ente_only(json.loads(entries[f"enti/{slug}/ente.json"]))
                for year in ente["cycles"]:
                    document = json.loads(entries[f"enti/{slug}/{year}.json"])
                    try:
                        import_cycle(document)
                    except InterchangeError as error:
                        raise BackupError(
                            f"Il ciclo {year} di «{slug}» non si importa: "
                            + "; ".join(error.errors[:3])
                        ) from error
                    files = entries.get(f"enti/{slug}/{year}.files.json")
                    if files:
                        written += _attach_files(slug, year, json.loads(files), entries)
            _restore_accounts(json.loads(entries["accounts.json"]))
            audit = json.loads(entries["audit.json"])
            _restore_audit(audit)
    except Exception:
        for name in written:
            default_storage.delete(name)
        raise
    return archive.manifest
