"""Synthetic enti for the benchmark: a performa-cycle document of a given size, from a seed.

`build_document(profile, seed=...)` returns a plain dict in the interchange format (the one
`import_cycle` reads), so that a synthetic ente goes through the same validation and the same
importer as a real plan. The same profile and seed always give the same document.

Shapes follow the real plans in `demo/data/`: areas with their services, one weight group per
service whose objectives' weights total 100, two to five indicators per objective with mixed
target kinds (at least, at most, a range, a deadline, a descriptive target), a value per
indicator in each of the four monitoring windows, staff assigned to the services with a scheda
each, and a fund. Every name is made up from the lists below: no real person is named.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from interchange.spec import FORMAT, VERSION_TEXT


@dataclass(frozen=True)
class Profile:
    """How big a synthetic ente is."""

    name: str
    label: str
    areas: int
    services: int  # in all, spread over the areas
    objectives: int  # operational objectives, spread over the services
    indicators: int  # spread over the objectives (at least one each)
    people: int  # staff in all, heads of units included


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile("small", "comune di 20 dipendenti", 3, 6, 18, 45, 20),
        Profile("medium", "dimensione dell'Unione del Sorbara", 6, 19, 60, 150, 150),
        Profile("metropolitan", "città metropolitana", 25, 300, 3000, 12000, 25000),
    )
}

WINDOWS = (
    ("31-marzo", "Monitoraggio al 31 marzo", 3, 31),
    ("30-giugno", "Monitoraggio al 30 giugno", 6, 30),
    ("30-settembre", "Monitoraggio al 30 settembre", 9, 30),
    ("finale", "Rilevazione finale al 31 dicembre", 12, 31),
)

AREA_NAMES = (
    "Affari generali e istituzionali",
    "Servizi finanziari e tributi",
    "Lavori pubblici e manutenzioni",
    "Servizi sociali e politiche abitative",
    "Polizia locale e protezione civile",
    "Servizi educativi e scolastici",
    "Cultura, sport e turismo",
    "Ambiente e sostenibilità",
    "Urbanistica ed edilizia privata",
    "Sviluppo economico e SUAP",
    "Risorse umane e organizzazione",
    "Sistemi informativi e transizione digitale",
    "Mobilità e trasporti",
    "Patrimonio e demanio",
    "Avvocatura e contenzioso",
    "Appalti e contratti",
    "Servizi demografici",
    "Comunicazione e relazioni con il pubblico",
    "Programmazione e controllo di gestione",
    "Politiche giovanili e pari opportunità",
    "Edilizia scolastica",
    "Viabilità e strade",
    "Verde pubblico e arredo urbano",
    "Fondi europei e PNRR",
    "Statistica e studi",
)
SERVICE_TOPICS = (
    "Protocollo e archivio",
    "Segreteria generale",
    "Bilancio e rendiconto",
    "Entrate tributarie",
    "Economato",
    "Progettazione opere pubbliche",
    "Manutenzione edifici",
    "Servizio sociale professionale",
    "Assistenza domiciliare",
    "Pronto intervento sociale",
    "Controllo del territorio",
    "Infortunistica stradale",
    "Nidi d'infanzia",
    "Refezione scolastica",
    "Biblioteche",
    "Impianti sportivi",
    "Gestione dei rifiuti",
    "Qualità dell'aria",
    "Pianificazione territoriale",
    "Sportello unico edilizia",
    "Commercio e attività produttive",
    "Reclutamento e formazione",
    "Trattamento economico",
    "Reti e infrastrutture digitali",
    "Servizi online ai cittadini",
    "Trasporto pubblico locale",
    "Inventario dei beni",
    "Gare e appalti",
    "Anagrafe e stato civile",
    "Ufficio relazioni con il pubblico",
)
ACTIONS = (
    "Digitalizzare",
    "Ridurre i tempi di",
    "Migliorare la qualità di",
    "Semplificare",
    "Potenziare",
    "Riorganizzare",
    "Monitorare",
    "Estendere",
)
SUBJECTS = (
    "il rilascio delle autorizzazioni",
    "la gestione delle pratiche",
    "l'accesso ai servizi online",
    "la riscossione delle entrate",
    "i controlli sul territorio",
    "la comunicazione con gli utenti",
    "la manutenzione programmata",
    "la formazione del personale",
    "la trasparenza degli atti",
    "i pagamenti ai fornitori",
    "l'archiviazione dei documenti",
    "l'assistenza alle famiglie",
)
MEASURES = (
    ("Pratiche evase", "n.", "gte"),
    ("Utenti serviti", "n.", "gte"),
    ("Tempo medio di conclusione", "giorni", "lte"),
    ("Segnalazioni evase entro 30 giorni", "%", "between"),
    ("Controlli effettuati", "n.", "gte"),
    ("Tempo medio di pagamento", "giorni", "lte"),
    ("Approvazione dell'atto", "", "by_date"),
    ("Relazione sulle attività svolte", "", "text"),
)
FIRST_NAMES = (
    "Alessia",
    "Bruno",
    "Carla",
    "Davide",
    "Elena",
    "Fabio",
    "Giulia",
    "Ivo",
    "Lara",
    "Marco",
    "Nadia",
    "Oscar",
    "Paola",
    "Renato",
    "Sara",
    "Tullio",
    "Ugo",
    "Vera",
    "Walter",
    "Zelia",
)
LAST_NAMES = (
    "Albanesi",
    "Bertolazzi",
    "Camporesi",
    "Dellavalle",
    "Ercolani",
    "Fantuzzi",
    "Gambarini",
    "Lanzoni",
    "Morsiani",
    "Nerozzi",
    "Orsolini",
    "Pancaldi",
    "Quartieri",
    "Roversi",
    "Scarabelli",
    "Tassinari",
    "Ughetti",
    "Vanzolini",
    "Zaccherini",
    "Brighenti",
)
BEHAVIOURS = (
    ("orientamento-utente", "Orientamento all'utente"),
    ("collaborazione", "Collaborazione e lavoro di gruppo"),
    ("problem-solving", "Soluzione dei problemi"),
    ("gestione-risorse", "Gestione delle risorse"),
)


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` whole numbers as even as possible (the first ones get the rest)."""
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def _weights(rng: random.Random, count: int) -> list[str]:
    """Whole-number weights totalling 100, not all equal."""
    raw = [rng.randint(2, 6) for _ in range(count)]
    scale = sum(raw)
    weights = [max(1, 100 * r // scale) for r in raw]
    weights[weights.index(max(weights))] += 100 - sum(weights)
    return [str(w) for w in weights]


def _plain(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.01")).normalize(), "f")
    return text


class _Builder:
    def __init__(self, profile: Profile, seed: int, year: int) -> None:
        self.profile = profile
        self.rng = random.Random(f"{profile.name}:{seed}")
        self.year = year
        self.people: list[dict[str, Any]] = []
        self.units: list[dict[str, Any]] = []
        self.schede: list[dict[str, Any]] = []

    # -- people -------------------------------------------------------------------------------

    def person(self, role: str, ccnl_area: str, profile: str, unit_key: str) -> str:
        number = len(self.people) + 1
        key = f"p-{number:05d}"
        rng = self.rng
        self.people.append(
            {
                "key": key,
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": f"{rng.choice(LAST_NAMES)} {number}",
                "employments": [{"ccnl_area": ccnl_area, "profile": profile, "role": role}],
                "assignments": [{"unit": unit_key}],
            }
        )
        return key

    # -- organisation -------------------------------------------------------------------------

    def organisation(self) -> list[tuple[str, str, str]]:
        """Areas and services; returns (service key, service name, head key) per service."""
        profile = self.profile
        services: list[tuple[str, str, str]] = []
        for a, count in enumerate(_split(profile.services, profile.areas), start=1):
            area_key = f"area-{a:02d}"
            area_name = AREA_NAMES[(a - 1) % len(AREA_NAMES)]
            head = self.person("dirigente", "dirigenti", "Dirigente", area_key)
            self.units.append(
                {
                    "key": area_key,
                    "kind": "area",
                    "name": f"Area {area_name}",
                    "peg_code": f"A{a:02d}",
                    "responsible": head,
                }
            )
            for s in range(1, count + 1):
                key = f"servizio-{a:02d}-{s:02d}"
                topic = SERVICE_TOPICS[(a * 7 + s) % len(SERVICE_TOPICS)]
                name = f"Servizio {topic} ({area_name})"
                lead = self.person("eq", "funzionari_eq", "Funzionario EQ", key)
                self.units.append(
                    {
                        "key": key,
                        "parent": area_key,
                        "kind": "servizio",
                        "name": name,
                        "peg_code": f"S{a:02d}{s:02d}",
                        "responsible": lead,
                    }
                )
                services.append((key, topic, lead))
        staff = max(0, profile.people - len(self.people))
        areas = ("operatori", "operatori_esperti", "istruttori", "funzionari_eq")
        for i in range(staff):
            service, _, lead = services[i % len(services)]
            key = self.person("dipendente", self.rng.choice(areas), "Istruttore", service)
            self.scheda(key, "personale", service, lead, "responsabile")
        for unit in self.units:
            # every head of a unit is a different person, evaluated by the Nucleo
            self.scheda(unit["responsible"], "responsabili", unit["key"], None, "nucleo")
        return services

    def scheda(self, person: str, scheme: str, unit: str, evaluator: str | None, kind: str) -> None:
        generated = f"{self.year + 1}-02-02T08:00:00Z"
        item: dict[str, Any] = {
            "person": person,
            "scheme": scheme,
            "unit": unit,
            "evaluator_kind": kind,
            "transitions": [{"to_state": "draft", "note": "Scheda generata.", "at": generated}],
        }
        if evaluator:
            item["evaluator"] = evaluator
        self.schede.append(item)

    # -- plan ---------------------------------------------------------------------------------

    def plan(self, services: list[tuple[str, str, str]]) -> dict[str, Any]:
        profile, rng, year = self.profile, self.rng, self.year
        groups: list[dict[str, Any]] = []
        objectives: list[dict[str, Any]] = []
        indicators: list[dict[str, Any]] = []
        measurements: list[dict[str, Any]] = []
        per_service = _split(profile.objectives, len(services))
        per_objective = _split(profile.indicators, profile.objectives)
        number = 0
        for (service, topic, lead), count in zip(services, per_service, strict=True):
            if count == 0:
                continue
            group = f"{service}-obiettivi"
            groups.append(
                {
                    "key": group,
                    "kind": "servizio",
                    "label": f"{topic} – obiettivi operativi {year}",
                    "unit": service,
                    "responsible": lead,
                    "expected_total": "100",
                }
            )
            for weight in _weights(rng, count):
                number += 1
                key = f"ob-{number:05d}"
                objectives.append(
                    {
                        "key": key,
                        "code": f"OB{number}",
                        "title": f"{rng.choice(ACTIONS)} {rng.choice(SUBJECTS)}",
                        "description": f"Obiettivo operativo del servizio {topic}.",
                        "units": [service],
                        "responsibles": [lead],
                        "weight_group": group,
                        "weight": weight,
                        "years": [year],
                        "deadline": f"{year}-12-31",
                    }
                )
                for _ in range(per_objective[number - 1]):
                    indicator, values = self.indicator(len(indicators) + 1, key, service)
                    indicators.append(indicator)
                    measurements.extend(values)
        return {
            "weight_groups": groups,
            "objectives": objectives,
            "indicators": indicators,
            "measurements": measurements,
        }

    def indicator(
        self, number: int, objective: str, unit: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng, year = self.rng, self.year
        name, unit_of_measure, kind = rng.choice(MEASURES)
        key = f"ind-{number:06d}"
        target: dict[str, Any] = {"year": year, "kind": kind}
        indicator: dict[str, Any] = {
            "key": key,
            "scope": "objective",
            "objective": objective,
            "unit": unit,
            "name": name,
            "unit_of_measure": unit_of_measure,
            "targets": [target],
        }
        values: list[Decimal | None] = []
        completed: str | None = None
        if kind == "gte":
            goal = rng.randint(20, 800)
            target["value"] = str(goal)
            final = Decimal(goal) * Decimal(rng.randint(60, 125)) / 100
            values = [final * share / 4 for share in (1, 2, 3, 4)]  # cumulative
        elif kind == "lte":
            goal = rng.randint(10, 60)
            target["value"] = str(goal)
            indicator["polarity"] = "lower"
            values = [Decimal(goal) * Decimal(rng.randint(80, 140)) / 100 for _ in range(4)]
        elif kind == "between":
            low = rng.randint(70, 85)
            target["value"], target["value_to"] = str(low), str(low + 10)
            indicator["polarity"] = "range"
            values = [Decimal(rng.randint(60, 99)) for _ in range(4)]
        elif kind == "by_date":
            due = dt.date(year, rng.randint(3, 11), 28)
            target["target_date"] = due.isoformat()
            target["text"] = f"entro il {due:%d/%m/%Y}"
            indicator["polarity"] = "milestone"
            done = due + dt.timedelta(days=rng.randint(-40, 30))
            completed = done.isoformat() if done.year == year else None
        else:
            target["text"] = "Relazione annuale sulle attività del servizio"
            values = [None, None, None, Decimal(rng.choice((60, 80, 100)))]
        rows = []
        for w, (_, _, month, day) in enumerate(WINDOWS):
            end = dt.date(year, month, day)
            row: dict[str, Any] = {
                "indicator": key,
                "period_kind": "trimestre",
                "period_start": dt.date(year, month - 2, 1).isoformat(),
                "period_end": end.isoformat(),
                "is_cumulative": kind == "gte",
                "state": "approved",
                "approved_at": f"{(end + dt.timedelta(days=7)).isoformat()}T09:00:00Z",
            }
            if kind == "by_date":
                if completed and completed <= end.isoformat():
                    row["completed_on"] = completed
                else:
                    row["note"] = "Attività in corso."
            elif values[w] is not None:
                row["value"] = _plain(values[w])  # type: ignore[arg-type]
            else:
                row["note"] = "Relazione in preparazione."
            rows.append(row)
        return indicator, rows


def _scheme(key: str, name: str, roles: list[str], evaluator_kind: str) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "roles": roles,
        "is_managerial": key == "responsabili",
        "evaluator_kind": evaluator_kind,
        "components": [
            {
                "key": "performance-unita",
                "kind": "unit_performance",
                "label": "Performance della struttura",
                "weight": "40",
            },
            {
                "key": "performance-ente",
                "kind": "ente_performance",
                "label": "Performance dell'ente",
                "weight": "10",
            },
            {
                "key": "comportamenti",
                "kind": "behaviours",
                "label": "Comportamenti organizzativi",
                "weight": "50",
                "behaviours": [{"behaviour": key} for key, _ in BEHAVIOURS],
            },
        ],
        "bands": [
            {"min_points": low, "max_points": high, "premium_percent": premium, "label": label}
            for low, high, premium, label in (
                ("90", "100", "100", "Eccellente"),
                ("70", "89.99", "80", "Buono"),
                ("50", "69.99", "50", "Sufficiente"),
                ("0", "49.99", "0", "Non adeguato"),
            )
        ],
    }


def build_document(profile: Profile | str, *, seed: int = 1, year: int = 2025) -> dict[str, Any]:
    """The performa-cycle document of a synthetic ente of `profile`'s size."""
    if isinstance(profile, str):
        profile = PROFILES[profile]
    builder = _Builder(profile, seed, year)
    services = builder.organisation()
    plan = builder.plan(services)
    windows = []
    for key, label, month, day in WINDOWS:
        window: dict[str, Any] = {
            "key": key,
            "label": f"{label} {year}",
            "period_end": dt.date(year, month, day).isoformat(),
        }
        if key == "finale":
            window["is_final"] = True
        else:
            window["state"] = "closed"
            closing = dt.date(year, month, day) + dt.timedelta(days=12)
            window["closed_at"] = f"{closing.isoformat()}T08:00:00Z"
        windows.append(window)
    slug = f"sintetico-{profile.name}-{seed}"
    return {
        "format": FORMAT,
        "version": VERSION_TEXT,
        "ente": {
            "slug": slug,
            "name": f"Ente sintetico {profile.name} ({profile.label}, seme {seed})",
            "kind": "comune",
            "headcount": len(builder.people),
            "behaviours": [
                {
                    "key": key,
                    "name": name,
                    "levels": [
                        {"score": str(score), "descriptor": f"Livello {score}"}
                        for score in range(1, 6)
                    ],
                }
                for key, name in BEHAVIOURS
            ],
        },
        "units": builder.units,
        "people": builder.people,
        "evaluation_bodies": [
            {
                "kind": "nucleo",
                "name": "Nucleo di valutazione",
                "members": [
                    {"full_name": "Componente esterno 1", "is_external": True, "is_chair": True},
                    {"full_name": "Componente esterno 2", "is_external": True},
                ],
            }
        ],
        "cycle": {
            "year": year,
            "first_year": year,
            "last_year": year + 2,
            "title": f"Piano della performance {year}–{year + 2} (sintetico)",
            "state": "monitoring",
            **plan,
            "monitoring_windows": windows,
            "schemes": [
                _scheme("responsabili", "Dirigenti ed EQ", ["dirigente", "eq"], "nucleo"),
                _scheme("personale", "Personale dei servizi", ["dipendente"], "responsabile"),
            ],
            "schede": builder.schede,
            "funds": [
                {
                    "kind": "performance_individuale",
                    "label": f"Performance individuale {year}",
                    "amount": str(600 * len(builder.people)),
                }
            ],
        },
    }
