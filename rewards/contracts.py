"""The national contracts (CCNL Funzioni Locali) and the premium rules each puts in force.

A cycle's defaults depend on the contract in force for its year: a 2017 cycle has no
maggiorazione of art. 69 CCNL 21/05/2018 and no minimum quota of risultato for the EQ, which
that contract introduced. Each default carries its source, so that the page and the command
can say where a value comes from; the ente's integrative contract (`IntegrativeContract`) and
a what-if can override any of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Rule:
    value: Decimal
    source: str


@dataclass(frozen=True)
class NationalContract:
    key: str
    label: str
    first_year: int | None  # None: every earlier year
    last_year: int | None  # None: still in force
    rules: dict[str, Rule] = field(default_factory=dict)
    # The legal floor of the EQ risultato quota (None: the contract sets none).
    eq_result_floor: Decimal | None = None

    def covers(self, year: int) -> bool:
        after = self.first_year is None or year >= self.first_year
        before = self.last_year is None or year <= self.last_year
        return after and before


CCNL_1999 = NationalContract(
    key="ccnl_1999",
    label="CCNL Regioni e Autonomie locali 31/03/1999 e 01/04/1999 (prima del CCNL 21/05/2018)",
    first_year=None,
    last_year=2017,
    rules={
        "differentiation_share_percent": Rule(
            Decimal("0"),
            "nessuna maggiorazione per la differenziazione: l'art. 69 CCNL 21/05/2018 non era "
            "ancora in vigore",
        ),
        "maggiorazione_percent": Rule(
            Decimal("30"), "non applicata (nessuna quota con maggiorazione prima del 2018)"
        ),
        "eq_result_min_percent": Rule(
            Decimal("0"),
            "nessuna quota minima del fondo per il risultato (introdotta dall'art. 15 c.4 "
            "CCNL 21/05/2018)",
        ),
        "max_result_rate": Rule(
            Decimal("25"),
            "art. 10 c.3 CCNL 31/03/1999: risultato dal 10 % al 25 % della retribuzione di "
            "posizione",
        ),
    },
    eq_result_floor=None,
)
CCNL_2018 = NationalContract(
    key="ccnl_2018",
    label="CCNL Funzioni Locali 21/05/2018 (triennio 2016-2018)",
    first_year=2018,
    last_year=2021,
    rules={
        "differentiation_share_percent": Rule(
            Decimal("10"),
            "art. 69 c.3 CCNL 21/05/2018: quota limitata fissata dal contratto integrativo "
            "(10 % se il contratto integrativo non la indica)",
        ),
        "maggiorazione_percent": Rule(
            Decimal("30"), "art. 69 c.2 CCNL 21/05/2018: almeno il 30 % del premio medio"
        ),
        "eq_result_min_percent": Rule(
            Decimal("15"), "art. 15 c.4 CCNL 21/05/2018: almeno il 15 % del fondo"
        ),
        "max_result_rate": Rule(
            Decimal("25"),
            "criterio dell'ente (art. 15 c.4 CCNL 21/05/2018); 25 % se non indicato",
        ),
    },
    eq_result_floor=Decimal("15"),
)
CCNL_2022 = NationalContract(
    key="ccnl_2022",
    label="CCNL Funzioni Locali 16/11/2022 (triennio 2019-2021)",
    first_year=2022,
    last_year=None,
    rules={
        "differentiation_share_percent": Rule(
            Decimal("10"),
            "art. 81 CCNL 16/11/2022: quota limitata fissata dal contratto integrativo "
            "(10 % se il contratto integrativo non la indica)",
        ),
        "maggiorazione_percent": Rule(
            Decimal("30"), "art. 81 CCNL 16/11/2022: almeno il 30 % del premio medio"
        ),
        "eq_result_min_percent": Rule(
            Decimal("15"), "art. 17 c.4 CCNL 16/11/2022: almeno il 15 % del fondo"
        ),
        "max_result_rate": Rule(
            Decimal("25"),
            "criterio dell'ente (art. 17 c.4 CCNL 16/11/2022); 25 % se non indicato",
        ),
    },
    eq_result_floor=Decimal("15"),
)
NATIONAL_CONTRACTS = (CCNL_1999, CCNL_2018, CCNL_2022)


def contract_for(year: int) -> NationalContract:
    """The national contract in force for the premiums of a cycle's year."""
    for contract in NATIONAL_CONTRACTS:
        if contract.covers(year):
            return contract
    return NATIONAL_CONTRACTS[-1]
