"""No page or endpoint shows one ente's data to the users of another ente.

The demo gives two real-sized enti: the Unione del Sorbara (the "foreign" ente, with plan,
monitoring and evaluation data) and the Unione di Casalbuttano (the user's own ente). For every
URL of the product that takes an object id, the test requests the id of a Sorbara object of
the matching model as an administrator of Casalbuttano, by GET and by POST: the answer must
be 403, 404 or 405 — never the object. Pages without ids must not mention the Sorbara.
A new URL with an id whose model the map below does not know makes the test fail, so the
check grows with the product.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, User
from appraisal.models import Behaviour, EvaluationScheme, Scheda
from documents.models import GeneratedDocument, Publication
from integrations.models import ApiToken
from interchange.models import PlanImport
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MonitoringWindow,
    ObjectiveDelegate,
)
from organization.models import Assignment, Employment, Ente, Parameter, Person, Unit
from payments.models import DebtSnapshot, ImportBatch, Invoice
from planning.models import (
    Cycle,
    Indicator,
    OperationalObjective,
    Phase,
    PlanRevision,
    StrategicArea,
    StrategicObjective,
    WeightGroup,
)
from rewards.models import Distribution, Fund

# The path segment before the id names the model of the id.
MODEL_BY_SEGMENT = {
    "persone-e-ruoli": User,
    "ruoli": Membership,
    "unita": Unit,
    "persone": Person,
    "rapporti": Employment,
    "assegnazioni": Assignment,
    "parametri": Parameter,
    "cicli": Cycle,
    "revisioni": PlanRevision,
    "pesi": WeightGroup,
    "aree": StrategicArea,
    "strategici": StrategicObjective,
    "obiettivi": OperationalObjective,
    "fasi": Phase,
    "indicatori": Indicator,
    "finestre": MonitoringWindow,
    "valori": Measurement,
    "evidenze": Evidence,
    "azioni-correttive": CorrectiveAction,
    "delegati": ObjectiveDelegate,
    "schede": Scheda,
    "modelli": EvaluationScheme,
    "comportamenti": Behaviour,
    "fondi": Fund,
    "distribuzioni": Distribution,
    "importazioni": PlanImport,
    "strutture": Unit,
    "fatture": Invoice,
    "importa": ImportBatch,
    "stock": DebtSnapshot,
    "generazioni": GeneratedDocument,
    "documenti": GeneratedDocument,
    "pubblicazioni": Publication,
    "token": ApiToken,
}

# How to reach the ente from each model, to pick the foreign objects.
ENTE_PATH = {
    # The first Sorbara account by id is its Segretario, who has no role in Casalbuttano.
    User: "memberships__ente",
    Membership: "ente",
    Unit: "ente",
    Person: "ente",
    Employment: "person__ente",
    Assignment: "person__ente",
    Parameter: "unit__ente",
    Cycle: "ente",
    PlanImport: "ente",
    PlanRevision: "cycle__ente",
    WeightGroup: "cycle__ente",
    StrategicArea: "cycle__ente",
    StrategicObjective: "cycle__ente",
    OperationalObjective: "cycle__ente",
    Phase: "objective__cycle__ente",
    Indicator: "cycle__ente",
    MonitoringWindow: "cycle__ente",
    Measurement: "cycle__ente",
    Evidence: "measurement__cycle__ente",
    CorrectiveAction: "objective__cycle__ente",
    ObjectiveDelegate: "objective__cycle__ente",
    Scheda: "cycle__ente",
    EvaluationScheme: "cycle__ente",
    Behaviour: "ente",
    Fund: "ente",
    Distribution: "fund__ente",
    Invoice: "ente",
    ImportBatch: "ente",
    DebtSnapshot: "ente",
    GeneratedDocument: "cycle__ente",
    Publication: "ente",
    ApiToken: "ente",
}

PUBLIC_PREFIXES = ("trasparenza/", "django-admin/")
ALLOWED = {403, 404, 405}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    routes: list[str] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes.extend(_patterns(entry, route))
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes


def _id_routes() -> list[tuple[str, str]]:
    """(route, segment before the id) for every product URL with exactly one int id."""
    found = []
    for route in _patterns(get_resolver()):
        if route.startswith(PUBLIC_PREFIXES):
            continue
        ids = re.findall(r"<int:\w+>", route)
        if not ids:
            continue
        assert len(ids) == 1, f"{route}: più di un identificativo, aggiornare il test"
        segment = route.split(ids[0])[0].rstrip("/").split("/")[-1]
        found.append((route, segment))
    return found


def _plain_routes() -> list[str]:
    return [
        route
        for route in _patterns(get_resolver())
        if "<" not in route and not route.startswith(PUBLIC_PREFIXES)
    ]


@pytest.fixture
def own_admin(db) -> Client:
    call_command("load_demo", stdout=io.StringIO())
    user = User.objects.get(username="segretario.casalbuttano")
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = Ente.objects.get(slug="unione-casalbuttano").pk
    session.save()
    return client


def test_every_id_route_has_a_known_model():
    unknown = [route for route, segment in _id_routes() if segment not in MODEL_BY_SEGMENT]
    assert unknown == []


def test_foreign_objects_are_never_served(own_admin):
    foreign = Ente.objects.get(slug="unione-sorbara")
    leaks = []
    checked = 0
    for route, segment in _id_routes():
        model = MODEL_BY_SEGMENT[segment]
        obj = model.objects.filter(**{ENTE_PATH[model]: foreign}).order_by("pk").first()
        if obj is None:
            continue
        url = "/" + re.sub(r"<int:\w+>", str(obj.pk), route)
        for method in ("get", "post"):
            response = getattr(own_admin, method)(url)
            checked += 1
            if response.status_code not in ALLOWED:
                leaks.append(f"{method.upper()} {url} → {response.status_code}")
    assert leaks == []
    # The demo must exercise most routes, or the test would prove little.
    assert checked >= 2 * 40


def test_pages_without_ids_do_not_mention_the_foreign_ente(own_admin):
    mentions = []
    for route in _plain_routes():
        response = own_admin.get("/" + route)
        body = response.content.decode("utf-8", errors="replace")
        if "Sorbara" in body:
            mentions.append(f"/{route} → {response.status_code}")
    assert mentions == []
