"""The demo installation: three real plans (with fictional names) and a login per role.

`load_demo` imports the demo enti from `demo/data/` through the interchange importer, prepares
next year's draft plan where the demo needs one, and creates the demo users. Everything is
idempotent: a second run finds what the first one made and creates nothing.

The historical part of the demo (plans, values, final schede, premiums) is loaded exactly as
the files hold it. The live part is relative to the day it is loaded, so that every role can
try its actions: a scheda waiting for the employee's signature is delivered on the load day
(its contest period is open), and where a file has no scheda the demo employee's one is
generated, scored, discussed and delivered that day through the appraisal services.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, MembershipRole, User
from appraisal import services as appraisal
from appraisal.models import Scheda
from core.audit import record
from core.exceptions import ServiceError
from documents.models import ReportValidation
from interchange.importer import InterchangeError, import_cycle
from measurement.models import Measurement, MonitoringWindow, WindowState
from organization.models import Ente, Person
from planning.models import Cycle, CycleState
from planning.services import cycle_advance, cycle_copy_as_draft
from rewards.models import Distribution

DEMO_PASSWORD = "performa-demo"
DEMO_DATA_DIR = Path(settings.BASE_DIR) / "demo" / "data"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    person_key: str | None = None


@dataclass(frozen=True)
class LiveScheda:
    """The scheda the demo employee finds delivered: the behaviours' scores and the interview."""

    person_key: str
    scores: tuple[tuple[str, str], ...]  # (behaviour key, score on the scheme's scale)
    interview_notes: str


@dataclass(frozen=True)
class DemoEnte:
    """One demo file and the logins that go with its ente."""

    filename: str
    slug: str
    users: tuple[DemoUser, ...]
    draft_year: int | None = None  # prepare this year's draft plan from the file's cycle
    # The person whose scheda is delivered on the load day when the file has none for them.
    live_scheda: LiveScheda | None = None


@dataclass(frozen=True)
class DemoSetup:
    enti: tuple[DemoEnte, ...]
    platform_admins: tuple[str, ...] = ()
    data_dir: Path = field(default=DEMO_DATA_DIR)


ADMIN = MembershipRole.ADMIN
RESPONSABILE = MembershipRole.RESPONSABILE
DIPENDENTE = MembershipRole.DIPENDENTE
NUCLEO = MembershipRole.NUCLEO
GIUNTA = MembershipRole.GIUNTA

DEMO = DemoSetup(
    enti=(
        DemoEnte(
            filename="unione-sorbara-2024.json",
            slug="unione-sorbara",
            draft_year=2025,
            users=(
                DemoUser("segretario.sorbara", ADMIN, "segretario"),
                DemoUser("comandante.sorbara", RESPONSABILE, "comandante-pl"),
                DemoUser("sociale.sorbara", RESPONSABILE, "resp-area-sociale"),
                DemoUser("agente.sorbara", DIPENDENTE, "agente-pl-1"),
                DemoUser("nucleo.sorbara", NUCLEO),
                DemoUser("giunta.sorbara", GIUNTA),
            ),
        ),
        DemoEnte(
            filename="consorzio-socio-assistenziale-2021.json",
            slug="consorzio-socio-assistenziale",
            live_scheda=LiveScheda(
                "assistente-sociale-1",
                (("orientamento-utenza", "4"), ("lavoro-di-gruppo", "4"), ("affidabilita", "3")),
                "Colloquio di valutazione: discussi i progetti seguiti e la formazione per "
                "l'anno successivo.",
            ),
            users=(
                DemoUser("direttore.consorzio", ADMIN, "direttore"),
                DemoUser("po.consorzio", RESPONSABILE, "po-area-amministrativa"),
                DemoUser("dipendente.consorzio", DIPENDENTE, "assistente-sociale-1"),
                DemoUser("nucleo.consorzio", NUCLEO),
            ),
        ),
        DemoEnte(
            filename="unione-casalbuttano-2021.json",
            slug="unione-casalbuttano",
            live_scheda=LiveScheda(
                "agente-pl-1",
                (("orientamento-utenza", "3"), ("lavoro-di-gruppo", "4"), ("affidabilita", "4")),
                "Colloquio di valutazione: discussi i controlli sul territorio e gli orari "
                "del servizio.",
            ),
            users=(
                DemoUser("segretario.casalbuttano", ADMIN, "segretario"),
                DemoUser("comandante.casalbuttano", RESPONSABILE, "comandante-pl"),
                DemoUser("agente.casalbuttano", DIPENDENTE, "agente-pl-1"),
                # The same Nucleo serves two enti: its login shows the choice of ente.
                DemoUser("nucleo.sorbara", NUCLEO),
            ),
        ),
    ),
    platform_admins=("ict.unione",),
)


@dataclass
class DemoReport:
    """What a run did, for the command's output and for tests."""

    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    memberships_created: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, ente


# --- services --------------------------------------------------------------------------------


def demo_user_ensure(
    *,
    user,
    username: str,
    password_hash: str,
    is_platform_admin: bool = False,
    reset: bool = False,
) -> tuple[User, bool]:
    """The demo login `username`, created if missing. `reset` gives it the demo password back.

    The caller hashes the demo password once (`make_password`) for all the logins: hashing is
    deliberately slow and the password is the same for everyone. Returns the user and whether
    it was created.
    """
    with transaction.atomic():
        account = User.objects.filter(username=username).first()
        if account is None:
            account = User(
                username=username, password=password_hash, is_platform_admin=is_platform_admin
            )
            account.full_clean()
            account.save()
            changes: dict[str, list[Any]] = {"username": [None, username]}
            if is_platform_admin:
                changes["is_platform_admin"] = [False, True]
            record(user=user, action="user.create", obj=account, changes=changes)
            return account, True
        changes = {}
        if account.is_platform_admin != is_platform_admin:
            changes["is_platform_admin"] = [account.is_platform_admin, is_platform_admin]
            account.is_platform_admin = is_platform_admin
        if reset:
            changes["password"] = ["(precedente)", "password demo"]
            account.password = password_hash
        if changes:
            account.save()
            record(user=user, action="user.update", obj=account, changes=changes)
        return account, False


def demo_membership_ensure(
    *, user, account: User, ente: Ente, role: str, person_key: str | None
) -> tuple[Membership, bool]:
    """`account` holds `role` in `ente`, linked to the person with `person_key` (if given).

    Returns the membership and whether it was created. A missing person is an error that names
    the key, the ente and the login.
    """
    person = None
    if person_key:
        person = Person.objects.filter(ente=ente, key=person_key).first()
        if person is None:
            raise ServiceError(
                f"Nell'ente «{ente.slug}» non esiste la persona con chiave «{person_key}», "
                f"a cui va collegato l'utente «{account.username}».",
                field="person",
            )
    with transaction.atomic():
        membership = Membership.objects.filter(user=account, ente=ente, role=role).first()
        if membership is None:
            membership = Membership.objects.create(
                user=account, ente=ente, role=role, person=person
            )
            record(
                user=user,
                action="membership.create",
                obj=membership,
                changes={
                    "user_id": [None, account.pk],
                    "role": [None, role],
                    "person_id": [None, person.pk if person else None],
                },
            )
            return membership, True
        if membership.person_id != (person.pk if person else None):
            before = membership.person_id
            membership.person = person
            membership.save(update_fields=["person"])
            record(
                user=user,
                action="membership.update",
                obj=membership,
                changes={"person_id": [before, membership.person_id]},
            )
        return membership, False


# --- the whole demo --------------------------------------------------------------------------


def _read(path: Path) -> dict:
    if not path.is_file():
        raise ServiceError(f"Manca il file dei dati dimostrativi: {path}.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ServiceError(f"Il file {path.name} non è un JSON valido: {exc}.") from exc


def _cycle_of(data: dict, filename: str) -> tuple[str, int]:
    try:
        return str(data["ente"]["slug"]), int(data["cycle"]["year"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ServiceError(
            f"Il file {filename} non indica l'ente ($.ente.slug) o l'anno ($.cycle.year)."
        ) from exc


@transaction.atomic
def load_demo(
    *,
    setup: DemoSetup = DEMO,
    reset: bool = False,
    password: str = DEMO_PASSWORD,
    log: Callable[[str], None] = lambda _message: None,
    now: dt.datetime | None = None,
) -> DemoReport:
    """Load the demo enti, their next-year drafts and the demo logins. Idempotent.

    `now` is the moment of loading (the current time by default): the live part of the demo
    is dated from it.

    With `reset` every demo cycle is replaced by the file's content, the prepared drafts are
    prepared again and the demo logins get the demo password back. On any error nothing is
    written.
    """
    report = DemoReport()
    password_hash = make_password(password)
    now = now or timezone.now()
    loaded: list[tuple[DemoEnte, int]] = []
    for demo in setup.enti:
        data = _read(setup.data_dir / demo.filename)
        slug, year = _cycle_of(data, demo.filename)
        if slug != demo.slug:
            raise ServiceError(
                f"Il file {demo.filename} descrive l'ente «{slug}», non «{demo.slug}»."
            )
        exists = Cycle.objects.filter(ente__slug=slug, year=year).exists()
        if exists and not reset:
            report.skipped.append(f"{slug} {year}")
            log(f"  {slug} {year}: già presente")
        else:
            if exists and demo.draft_year is not None:
                _discard_draft(slug=slug, year=demo.draft_year, log=log)
            try:
                import_cycle(_delivered_today(data, now), user=None, replace=exists)
            except InterchangeError as exc:
                raise ServiceError(f"Importazione di {demo.filename}: {exc}") from exc
            report.imported.append(f"{slug} {year}")
            log(f"  {slug} {year}: importato" + (" (sostituito)" if exists else ""))
        loaded.append((demo, year))
        if demo.draft_year is not None:
            _prepare_draft(slug=slug, year=year, draft_year=demo.draft_year, report=report)
            log(f"  {slug} {demo.draft_year}: piano in bozza pronto")

    # The demo invoices, once the enti exist (payments computes the payment-time objectives).
    from payments.demo import load_demo_invoices

    load_demo_invoices(data_dir=setup.data_dir, reset=reset, log=log)

    # The live part, then each cycle in the phase its data shows.
    for demo, year in loaded:
        if demo.live_scheda is not None:
            _live_scheda(slug=demo.slug, year=year, live=demo.live_scheda, now=now, log=log)
        _advance_to_its_phase(slug=demo.slug, year=year, log=log)

    seen: set[str] = set()  # a login may serve several enti (the Nucleo): reset it once
    for demo in setup.enti:
        ente = Ente.objects.get(slug=demo.slug)
        for spec in demo.users:
            account, created = demo_user_ensure(
                user=None,
                username=spec.username,
                password_hash=password_hash,
                reset=reset and spec.username not in seen,
            )
            seen.add(spec.username)
            if created:
                report.users_created.append(spec.username)
            _, new = demo_membership_ensure(
                user=None, account=account, ente=ente, role=spec.role, person_key=spec.person_key
            )
            report.memberships_created += int(new)
            report.logins.append(
                (spec.username, MembershipRole(spec.role).label, ente.short_name or ente.name)
            )
    for username in setup.platform_admins:
        _, created = demo_user_ensure(
            user=None,
            username=username,
            password_hash=password_hash,
            is_platform_admin=True,
            reset=reset,
        )
        if created:
            report.users_created.append(username)
        report.logins.append((username, "Amministratore di piattaforma (ICT)", "tutti gli enti"))
    return report


def _delivered_today(data: dict, now: dt.datetime) -> dict:
    """The file's cycle with the schede waiting for the signature delivered at `now`.

    A delivered scheda is the one the employee may still sign or contest: its contest period
    runs from delivery, so a date in the file would have expired long ago. Nothing else moves.
    """
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for scheda in data.get("cycle", {}).get("schede") or []:
        if scheda.get("state") != "delivered":
            continue
        scheda["delivered_at"] = stamp
        transitions = scheda.get("transitions") or []
        if transitions and transitions[-1].get("to_state") == "delivered":
            transitions[-1]["at"] = stamp
    return data


def _live_scheda(
    *, slug: str, year: int, live: LiveScheda, now: dt.datetime, log: Callable[[str], None]
) -> None:
    """The demo employee's scheda, delivered at `now` through the appraisal services (once).

    The schede of the year are generated (drafts for everyone else), the employee's one is
    scored, proposed, discussed and delivered; the cycle moves to its evaluation phase.
    """
    cycle = Cycle.objects.get(ente__slug=slug, year=year)
    if Scheda.objects.filter(cycle=cycle, person__key=live.person_key).exists():
        return
    appraisal.schede_generate(user=None, cycle=cycle)
    scheda = Scheda.objects.get(cycle=cycle, person__key=live.person_key)
    component = scheda.scheme.components.get(kind="behaviours")
    items = [
        {"component": component.key, "behaviour": key, "raw_score": score}
        for key, score in live.scores
    ]
    scheda = appraisal.scheda_score(user=None, scheda=scheda, items=items)
    scheda = appraisal.scheda_propose(user=None, scheda=scheda)
    scheda = appraisal.scheda_record_interview(
        user=None, scheda=scheda, date=timezone.localdate(now), notes=live.interview_notes
    )
    appraisal.scheda_deliver(user=None, scheda=scheda)
    log(f"  {slug} {year}: scheda di {live.person_key} consegnata oggi")


PHASES = (
    CycleState.APPROVED,
    CycleState.MONITORING,
    CycleState.MEASUREMENT,
    CycleState.EVALUATION,
    CycleState.REPORTING,
    CycleState.VALIDATED,
)


def phase_shown_by_data(cycle: Cycle) -> CycleState:
    """The phase an approved cycle's data shows it has reached: a validated Relazione →
    «validato»; schede or premium distributions → «valutazione»; values of the year end →
    «misurazione»; other values or a closed window → «monitoraggio»; else «approvato»."""
    if ReportValidation.objects.filter(cycle=cycle).exists():
        return CycleState.VALIDATED
    if (
        Scheda.objects.filter(cycle=cycle).exists()
        or Distribution.objects.filter(cycle=cycle).exists()
    ):
        return CycleState.EVALUATION
    values = Measurement.objects.filter(cycle=cycle)
    if values.filter(period_end__gte=dt.date(cycle.year, 12, 31)).exists():
        return CycleState.MEASUREMENT
    closed = MonitoringWindow.objects.filter(cycle=cycle, state=WindowState.CLOSED)
    if values.exists() or closed.exists():
        return CycleState.MONITORING
    return CycleState.APPROVED


def _advance_to_its_phase(*, slug: str, year: int, log: Callable[[str], None]) -> None:
    """Move a demo cycle, one phase at a time through the planning service, to the phase its
    data shows (the files record the plan as approved; the rest of the year is their data)."""
    cycle = Cycle.objects.get(ente__slug=slug, year=year)
    if cycle.state not in PHASES:
        return
    goal = phase_shown_by_data(cycle)
    while PHASES.index(CycleState(cycle.state)) < PHASES.index(goal):
        cycle = cycle_advance(user=None, cycle=cycle)
    log(f"  {slug} {year}: fase «{cycle.get_state_display()}»")


def _prepare_draft(*, slug: str, year: int, draft_year: int, report: DemoReport) -> None:
    if Cycle.objects.filter(ente__slug=slug, year=draft_year).exists():
        return
    source = Cycle.objects.get(ente__slug=slug, year=year)
    cycle_copy_as_draft(user=None, cycle=source, year=draft_year)
    report.drafts.append(f"{slug} {draft_year}")


def _discard_draft(*, slug: str, year: int, log: Callable[[str], None]) -> None:
    """Remove the draft prepared by an earlier run, so that --reset prepares it afresh."""
    cycle = Cycle.objects.filter(ente__slug=slug, year=year).first()
    if cycle is None:
        return
    if cycle.state != CycleState.DRAFT:
        raise ServiceError(
            f"Il ciclo {year} dell'ente «{slug}» non è più in bozza: non lo elimino. "
            "Eliminalo a mano se vuoi davvero ricaricare i dati dimostrativi."
        )
    record(
        user=None,
        action="cycle.delete",
        obj=cycle,
        changes={"year": [year, None], "reason": [None, "load_demo --reset"]},
    )
    cycle.delete()
    log(f"  {slug} {year}: bozza precedente eliminata")
