"""Fixtures of the payments tests: an ente with units and users by role, invoice files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from accounts.models import MembershipRole
from organization.models import Ente, Person, Unit, UnitKind

TODAY = dt.date(2025, 3, 15)

HEADER = (
    "Identificativo SDI;Numero fattura;Data emissione;Data ricezione;Partita IVA;Fornitore;"
    "Importo totale documento;Imponibile;IVA;Split payment;Data scadenza;Stato;"
    "Causale sospensione;Periodi di sospensione;Natura spesa;Ufficio;"
    "Data pagamento;Importo pagato;Data pagamento 2;Importo pagato 2"
)


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)


@pytest.fixture(autouse=True)
def _media_and_tasks(settings, tmp_path):
    """Uploaded files in a temporary folder; background tasks run at once."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class Case:
    ente: Ente
    other: Ente
    polizia: Unit
    presidio: Unit
    ragioneria: Unit
    comandante: Person
    admin: object
    responsabile: object
    nucleo: object
    giunta: object
    dipendente: object
    outsider: object


@pytest.fixture
def case(make_ente, make_person, make_user) -> Case:
    ente = make_ente("comune-pagamenti", name="Comune di Prova")
    other = make_ente("altro-comune", name="Altro Comune")
    comandante = make_person(ente, "comandante", first_name="Elena", last_name="Fabbri")
    ragioniera = make_person(ente, "ragioniera", first_name="Paola", last_name="Neri")
    polizia = Unit.objects.create(
        ente=ente,
        key="polizia-locale",
        kind=UnitKind.AREA,
        name="Polizia Locale",
        peg_code="PM01",
        responsible=comandante,
    )
    presidio = Unit.objects.create(
        ente=ente,
        key="presidio-nord",
        kind=UnitKind.SERVICE,
        name="Presidio Nord",
        parent=polizia,
        responsible=comandante,
    )
    ragioneria = Unit.objects.create(
        ente=ente,
        key="ragioneria",
        kind=UnitKind.SERVICE,
        name="Ragioneria",
        peg_code="RA01",
        responsible=ragioniera,
    )
    Unit.objects.create(ente=other, key="polizia-locale", kind=UnitKind.AREA, name="Polizia")
    return Case(
        ente=ente,
        other=other,
        polizia=polizia,
        presidio=presidio,
        ragioneria=ragioneria,
        comandante=comandante,
        admin=make_user("admin", ente, MembershipRole.ADMIN),
        responsabile=make_user("comandante", ente, MembershipRole.RESPONSABILE, person=comandante),
        nucleo=make_user("nucleo", ente, MembershipRole.NUCLEO),
        giunta=make_user("giunta", ente, MembershipRole.GIUNTA),
        dipendente=make_user("dipendente", ente, MembershipRole.DIPENDENTE),
        outsider=make_user("esterno", other, MembershipRole.ADMIN),
    )


# A small file in which every figure can be checked by hand (term 30 days):
# 1 PL: received 01/02, due 02/03, paid 12/03 1.000 (split, VAT 220): +10 days
# 2 PL: received 02/05, due 01/06, paid 31/05 500 and 10/06 500: −1 and +9
# 3 RA: received 15/01, due communicated 14/02, paid 09/02 3.000 (split): −5
# 4 RA: suspended 10 days for a dispute, received 01/03, due 31/03, paid 20/04 800: +10
# 5 RA: received 01/11, unpaid (1.220, VAT 220, no split): 30 days late at 31/12
# 6 no office: non-commercial, unpaid
SMALL = csv_file(
    "1001;F-1;01/02/2024;01/02/2024;IT01234567890;Alfa s.r.l.;1.220,00;1.000,00;220,00;sì;;"
    "pagata;;;corrente;PM01;12/03/2024;1.000,00;;",
    "1002;F-2;02/05/2024;02/05/2024;01234567890;Alfa s.r.l.;1.220,00;1.000,00;220,00;sì;;"
    "pagata;;;corrente;Presidio Nord;31/05/2024;500,00;10/06/2024;500,00",
    "1003;B-7;15/01/2024;15/01/2024;09876543210;Beta S.p.A.;3.660,00;3.000,00;660,00;sì;"
    "14/02/2024;pagata;;;capitale;RA01;09/02/2024;3.000,00;;",
    "1004;B-9;01/03/2024;01/03/2024;09876543210;Beta S.p.A.;976,00;800,00;176,00;sì;;pagata;"
    "contestazione;05/03/2024-14/03/2024;corrente;Ragioneria;20/04/2024;800,00;;",
    "1005;G-1;01/11/2024;01/11/2024;11111111111;Gamma s.n.c.;1.220,00;1.000,00;220,00;no;;"
    "contabilizzata;;;corrente;RA01;;;;",
    "1006;X-1;01/05/2024;01/05/2024;22222222222;Ente previdenziale;5.000,00;5.000,00;0,00;no;;"
    "non commerciale;;;corrente;;;;;",
)
