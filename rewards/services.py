"""Every write to the funds and the premium distributions.

Functions take keyword arguments with the acting `user` first (None for system actions such as
the `distribute_premiums` command), validate, run in a transaction and write one audit row.

A distribution is computed by the engine (`engine.premiums`) from the schede of the cycle:

* staff funds (performance organizzativa / individuale) share the fund among the people with a
  non-managerial scheda: share = band % × category coefficient × part-time % × days of service,
  plus the maggiorazione of art. 69 CCNL 2018 / art. 81 CCNL 2022 for the top-ranked quota;
* the EQ and dirigenti funds pay the retribuzione di risultato as a % of each position allowance
  by band, within the fund, checking the minimum quota of art. 15 c.4 CCNL 2018 (15 %);
* a responsabile whose payment-time objective was not achieved loses `payment_time_share_percent`
  (≥ 30 %) of it (DL 13/2023 art. 4-bis).

A preview can always be computed and is kept (the history of the what-ifs); finalising needs the
approved plan (art. 10 c.5 D.Lgs. 150/2009), the Relazione validated by the Nucleo (art. 14 c.6),
final schede, and no other final distribution of the same fund. `finalisation_problems` lists
everything missing at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from appraisal.models import SchedaItem, SchedaState
from core.audit import diff, record, state_of
from core.collector import collector_paused
from core.exceptions import AccessDenied, ServiceError
from core.parsing import FieldChecker, lenient_decimal, parse_amount
from engine import premiums as ep
from engine.config import ConfigError
from engine.numbers import CENT, HUNDRED, format_euro, format_number, json_decimal, jsonable
from measurement.selectors import cycle_scores
from organization.models import (
    AbsenceKind,
    Assignment,
    CcnlArea,
    Ente,
    LegacyCategory,
    Role,
    category_label,
)
from planning.models import FROZEN_STATES, Cycle, OperationalObjective
from rewards import access as rules
from rewards.contracts import contract_for
from rewards.models import (
    Distribution,
    DistributionLine,
    DistributionState,
    Fund,
    FundKind,
    IntegrativeContract,
)

if TYPE_CHECKING:
    from rewards.selectors import AbsenceRow, EmploymentRow, LineRow, SchedaRow, SchedaStamp

STAFF_KINDS = frozenset({FundKind.ORGANISATIONAL, FundKind.INDIVIDUAL})
RESULT_KINDS = frozenset({FundKind.EQ_RESULT, FundKind.MANAGER_RESULT})
MANAGER_ROLES = frozenset({Role.DIRIGENTE, Role.DIRETTORE, Role.SEGRETARIO})
PROTECTED_KINDS = frozenset({AbsenceKind.MATERNITY, AbsenceKind.PATERNITY, AbsenceKind.PARENTAL})
NO_CATEGORY = "non_indicata"

FUND_FIELDS = ("label", "amount", "pool_amount", "act_label", "note")

# The categories a coefficient may be given for: CCNL 2019-21 areas, the previous categories,
# and «non indicata» for people whose contract does not say.
CATEGORY_KEYS = (
    *(value for value in CcnlArea.values if value),
    *(value for value in LegacyCategory.values if value),
    NO_CATEGORY,
)
TIE_BREAK_KEYS = tuple(member.value for member in ep.TieBreak)
CUTOFF_TIES_KEYS = tuple(member.value for member in ep.CutoffTies)
QUOTA_ROUNDING_KEYS = tuple(member.value for member in ep.QuotaRounding)

# Every key of the parameters, with its Italian name (used in the messages).
PARAMETER_LABELS = {
    "differentiation_share_percent": "Quota di personale con maggiorazione (%)",
    "maggiorazione_percent": "Maggiorazione del premio (% del premio medio)",
    "quota_rounding": "Arrotondamento della quota",
    "category_coefficients": "Coefficienti di categoria",
    "tie_break": "Criteri di spareggio",
    "cutoff_ties": "Pari merito al limite della quota",
    "part_time_proportional": "Premio proporzionale al part-time",
    "presence_proportional": "Premio proporzionale ai giorni di servizio",
    "protected_leave_as_service": "Congedi tutelati contati come servizio",
    "min_service_days": "Giorni minimi di servizio",
    "eq_result_min_percent": "Quota minima di risultato EQ/dirigenti (%)",
    "max_result_rate": "Risultato massimo (% della retribuzione di posizione)",
    "distribute_whole_pool": "Distribuire l'intero fondo di risultato",
    "payment_time_share_percent": "Quota legata ai tempi di pagamento (%)",
    "payment_time_achieved_percent": "Soglia di raggiungimento dell'obiettivo sui pagamenti (%)",
    "position_allowances": "Retribuzioni di posizione",
    "personnel_expense": "Spesa per il personale",
    "fund_total": "Fondo risorse decentrate complessivo",
    "variable_part": "Parte variabile del fondo",
    "staff_count": "Totale personale",
    "trained_count": "Dipendenti formati",
}


class ParameterError(ServiceError):
    """Invalid distribution parameters: `errors` maps each key to its Italian message."""

    def __init__(self, errors: dict[str, str]):
        message = " ".join(f"{PARAMETER_LABELS.get(k, k)}: {v}" for k, v in errors.items())
        super().__init__(message, field=next(iter(errors)), code="parameters")
        self.errors = errors


# -- helpers -----------------------------------------------------------------------------------


def _authorize(user, ente: Ente) -> None:
    """System actions (user None) are trusted; people need `rewards.access.can_manage_funds`."""
    if user is None:
        return
    try:
        access = rules.rewards_access(user, ente)
    except PermissionDenied as exc:
        raise AccessDenied(str(exc)) from exc
    if not rules.can_manage_funds(access):
        raise AccessDenied("Solo l'amministrazione dell'ente gestisce fondi e premi.")


def _euro(value: Decimal) -> str:
    return format_euro(Decimal(value))


# -- funds -------------------------------------------------------------------------------------


def _clean_fund(values: dict[str, Any], kind: str) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "label" in values:
        label = (values["label"] or "").strip()
        if not label:
            raise ServiceError("La denominazione del fondo è obbligatoria.", field="label")
        cleaned["label"] = label[:255]
    if "amount" in values:
        cleaned["amount"] = parse_amount(values["amount"], "L'importo del fondo", "amount")
    if "pool_amount" in values:
        cleaned["pool_amount"] = parse_amount(
            values["pool_amount"],
            "Il fondo complessivo di posizione e risultato",
            "pool_amount",
            required=False,
        )
        if cleaned["pool_amount"] is not None and kind in STAFF_KINDS:
            raise ServiceError(
                "Il fondo complessivo di posizione e risultato si indica solo per i fondi di "
                "EQ e dirigenti.",
                field="pool_amount",
            )
    for name in ("act_label", "note"):
        if name in values:
            cleaned[name] = (values[name] or "").strip()
    if "act_label" in cleaned:
        cleaned["act_label"] = cleaned["act_label"][:255]
    return cleaned


def _check_pool(amount: Decimal, pool: Decimal | None) -> None:
    if pool is not None and pool < amount:
        raise ServiceError(
            f"Il fondo complessivo di posizione e risultato ({_euro(pool)}) non può essere "
            f"inferiore alla retribuzione di risultato ({_euro(amount)}) che comprende.",
            field="pool_amount",
        )


@transaction.atomic
def fund_create(
    *,
    user,
    ente: Ente,
    year: int,
    kind: str,
    label: str,
    amount,
    pool_amount=None,
    act_label: str = "",
    note: str = "",
) -> Fund:
    """Create the fund of a kind for an ente and year (one per kind and year)."""
    _authorize(user, ente)
    if kind not in FundKind.values:
        raise ServiceError(f"Tipo di fondo «{kind}» non previsto.", field="kind")
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError(f"Anno del fondo: «{year}» non è un anno.", field="year") from None
    if not 2000 <= year <= 2100:
        raise ServiceError(f"Anno del fondo: {year} non è un anno valido.", field="year")
    values = _clean_fund(
        {
            "label": label,
            "amount": amount,
            "pool_amount": pool_amount,
            "act_label": act_label,
            "note": note,
        },
        kind,
    )
    _check_pool(values["amount"], values["pool_amount"])
    if Fund.objects.filter(ente=ente, year=year, kind=kind).exists():
        raise ServiceError(
            f"Esiste già il fondo «{FundKind(kind).label}» {year} per {ente.name}.",
            field="kind",
        )
    fund = Fund.objects.create(ente=ente, year=year, kind=kind, **values)
    record(user=user, action="fund.create", obj=fund, ente=ente, changes=state_of(fund))
    return fund


@transaction.atomic
def fund_update(*, user, fund: Fund, data: dict[str, Any]) -> Fund:
    """Change label, amount, pool, act or note; not once a distribution of it is final."""
    _authorize(user, fund.ente)
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    unknown = sorted(set(data) - set(FUND_FIELDS))
    if unknown:
        raise ServiceError(
            f"Campi non modificabili del fondo: {', '.join(unknown)}.", field=unknown[0]
        )
    values = _clean_fund(dict(data), fund.kind)
    money_changes = {
        name
        for name in ("amount", "pool_amount")
        if name in values and values[name] != getattr(fund, name)
    }
    if money_changes and fund.distributions.filter(state=DistributionState.FINAL).exists():
        raise ServiceError(
            f"Il fondo «{fund.label}» {fund.year} ha una distribuzione definitiva: gli importi "
            "non si modificano più.",
            field=sorted(money_changes)[0],
        )
    _check_pool(values.get("amount", fund.amount), values.get("pool_amount", fund.pool_amount))
    before = state_of(fund)
    for name, value in values.items():
        setattr(fund, name, value)
    fund.save()
    record(
        user=user,
        action="fund.update",
        obj=fund,
        ente=fund.ente,
        changes=diff(before, state_of(fund)),
    )
    return fund


# -- parameters --------------------------------------------------------------------------------


def _cycle_of(fund: Fund) -> Cycle | None:
    return Cycle.objects.filter(ente=fund.ente, year=fund.year).first()


# The keys an integrative contract (CCDI) may set for the years it covers.
CONTRACT_KEYS = (
    "differentiation_share_percent",
    "maggiorazione_percent",
    "quota_rounding",
    "category_coefficients",
    "tie_break",
    "cutoff_ties",
    "part_time_proportional",
    "presence_proportional",
    "protected_leave_as_service",
    "min_service_days",
    "eq_result_min_percent",
    "max_result_rate",
    "distribute_whole_pool",
    "payment_time_share_percent",
    "payment_time_achieved_percent",
)
PERFORMA_SOURCE = "valore predefinito di Performa"


def integrative_contract_for(ente: Ente, year: int) -> IntegrativeContract | None:
    """The ente's integrative contract covering the year (the latest that started), or None."""
    for contract in IntegrativeContract.objects.filter(ente=ente, first_year__lte=year).order_by(
        "-first_year"
    ):
        if contract.covers(year):
            return contract
    return None


def distribution_parameters_default(fund: Fund) -> dict[str, Any]:
    """The parameters of a fund's distribution: national contract, then integrative contract.

    Keys (all documented in `PARAMETER_LABELS`):

    * differentiation_share_percent — quota of the evaluated people who receive the maggiorazione
      (by the CCNL in force for the year: 0 before the CCNL 21/05/2018, then 10; 0 for the
      organisational-performance fund, where art. 69 does not apply);
    * maggiorazione_percent — the maggiorazione as % of the average premium (≥ 30, default 30);
    * quota_rounding — how the quota of people is rounded: floor, ceil, round;
    * category_coefficients — {area or category → Decimal}, 1 for every category;
    * tie_break — the ranking: score first, then the criteria of the integrative contract
      (absences, coefficient, seniority); never the order in which people are stored;
    * cutoff_ties — people still tied at the cut-off after every criterion are treated alike:
      «include» (default: all receive the maggiorazione), «share» (the maggiorazioni left in
      the quota are shared equally among them) or «exclude» (none receives it);
    * part_time_proportional, presence_proportional, protected_leave_as_service — art. 55 c.11
      CCNL 2018 and art. 9 c.3 D.Lgs. 150/2009;
    * min_service_days — minimum days of service in the year (the schemes' minimum, or 0);
    * eq_result_min_percent (15 from 2018, none before), max_result_rate (25),
      distribute_whole_pool (False) and position_allowances {person key → euros} — EQ and
      dirigenti funds; the allowances default to those of the people's assignments in the year;
    * payment_time_share_percent (30) and payment_time_achieved_percent (100) — DL 13/2023;
    * personnel_expense, fund_total, variable_part, staff_count, trained_count — inputs of the
      personnel indicators (None: not computed, or computed from the distribution).

    `distribution_parameter_sources` says where each value comes from.
    """
    return _defaults_with_sources(fund)[0]


def distribution_parameter_sources(fund: Fund) -> dict[str, str]:
    """Where each default comes from (the CCNL in force for the year, the CCDI, the SMVP…)."""
    return _defaults_with_sources(fund)[1]


def _defaults_with_sources(fund: Fund) -> tuple[dict[str, Any], dict[str, str]]:
    national = contract_for(fund.year)
    cycle = _cycle_of(fund)
    min_days = 0
    if cycle is not None:
        days = [s.minimum_service_days for s in cycle.schemes.all()]
        min_days = min(days) if days else 0
    values = _national_only(fund.year)
    values["min_service_days"] = min_days
    sources = dict.fromkeys(values, PERFORMA_SOURCE)
    for key, rule in national.rules.items():
        sources[key] = f"{national.label}: {rule.source}"
    sources["min_service_days"] = "giorni minimi di servizio dei sistemi di valutazione del ciclo"
    sources["payment_time_share_percent"] = "DL 13/2023 art. 4-bis c.2: almeno il 30 %"
    sources["part_time_proportional"] = (
        "art. 55 c.11 CCNL 21/05/2018: proporzionale, salvo diversa disciplina integrativa"
    )
    sources["protected_leave_as_service"] = "art. 9 c.3 D.Lgs. 150/2009"
    sources["cutoff_ties"] = (
        "Performa: i pari merito dopo tutti i criteri ricevono tutti la maggiorazione"
    )
    contract = integrative_contract_for(fund.ente, fund.year)
    if contract is not None:
        name = contract.label + (f" ({contract.act_label})" if contract.act_label else "")
        for key, value in contract.parameters.items():
            values[key] = value
            sources[key] = name
    if fund.kind == FundKind.ORGANISATIONAL:
        values["differentiation_share_percent"] = Decimal("0")
        sources["differentiation_share_percent"] = (
            "la maggiorazione dell'art. 69 riguarda il solo premio individuale"
        )
    if fund.kind in RESULT_KINDS:
        allowances = position_allowances_of(fund.ente, fund.year)
        if allowances:
            values["position_allowances"] = allowances
            sources["position_allowances"] = (
                "retribuzioni di posizione delle assegnazioni, per il periodo dell'anno in cui "
                "sono attribuite"
            )
    return values, sources


def position_allowances_of(ente: Ente, year: int) -> dict[str, Decimal]:
    """{person key → retribuzione di posizione of the year} from the people's assignments.

    An assignment's annual amount counts for the part of the year its period covers (the
    allowance's own dates, or else the assignment's): 16.000 € from 1 July is 8.021,92 € in a
    365-day year. Amounts of several assignments add up; rounded to the cent (half up).
    """
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    year_days = Decimal(_days(year_start, year_end))
    totals: dict[str, Decimal] = {}
    rows = Assignment.objects.filter(
        person__ente=ente, position_allowance__isnull=False
    ).select_related("person")
    for assignment in rows:
        start = assignment.position_allowance_start or assignment.start_date
        end = assignment.position_allowance_end or assignment.end_date
        span = _clip(start, end, year_start, year_end)
        if span is None:
            continue
        amount = Decimal(assignment.position_allowance) * Decimal(_days(*span)) / year_days
        key = assignment.person.key
        totals[key] = totals.get(key, Decimal(0)) + amount
    return {key: value.quantize(CENT, rounding=ROUND_HALF_UP) for key, value in totals.items()}


def _contract_years(first_year: Any, last_year: Any) -> tuple[int, int | None]:
    try:
        first = int(first_year)
        last = None if last_year in (None, "") else int(last_year)
    except (TypeError, ValueError):
        raise ServiceError("Gli anni del contratto integrativo devono essere numeri.") from None
    if not 2000 <= first <= 2100:
        raise ServiceError(f"Dall'anno: {first} non è un anno valido.", field="first_year")
    if last is not None and last < first:
        raise ServiceError("L'anno finale precede quello iniziale.", field="last_year")
    return first, last


def _contract_rules(parameters: dict[str, Any] | None, first_year: int) -> dict[str, Any]:
    """Only the keys the contract sets, checked together with the national defaults of the
    others, as stored (JSON-ready)."""
    parameters = dict(parameters or {})
    unknown = sorted(set(parameters) - set(CONTRACT_KEYS))
    if unknown:
        raise ParameterError(dict.fromkeys(unknown, "non è una regola del contratto integrativo."))
    merged = {
        key: value for key, value in _national_only(first_year).items() if key not in parameters
    }
    merged.update(parameters)
    cleaned = distribution_parameters_validate(merged, year=first_year)
    return jsonable({key: cleaned[key] for key in parameters})


def _check_no_overlap(ente: Ente, first_year: int, last_year: int | None) -> None:
    """Another contract of the ente (with another first year) must not cover these years."""
    others = IntegrativeContract.objects.filter(ente=ente).exclude(first_year=first_year)
    mine = last_year if last_year is not None else 9999
    for other in others:
        end = other.last_year if other.last_year is not None else 9999
        if other.first_year <= mine and first_year <= end:
            raise ServiceError(
                f"Gli anni si sovrappongono a quelli di «{other.label}».", field="first_year"
            )


@transaction.atomic
def integrative_contract_save(
    *,
    user,
    ente: Ente,
    label: str,
    first_year: int,
    last_year: int | None = None,
    act_label: str = "",
    parameters: dict[str, Any] | None = None,
) -> IntegrativeContract:
    """Record (or replace, same first year) the ente's integrative contract and its rules.

    `parameters` holds only the keys the contract sets (`CONTRACT_KEYS`), checked as on the
    distribution page; the others keep the national contract's defaults.
    """
    _authorize(user, ente)
    label = (label or "").strip()
    if not label:
        raise ServiceError(
            "La denominazione del contratto integrativo è obbligatoria.", field="label"
        )
    first_year, last_year = _contract_years(first_year, last_year)
    stored = _contract_rules(parameters, first_year)
    _check_no_overlap(ente, first_year, last_year)
    contract = IntegrativeContract.objects.filter(ente=ente, first_year=first_year).first()
    before = state_of(contract) if contract else {}
    if contract is None:
        contract = IntegrativeContract(ente=ente, first_year=first_year)
    contract.label = label[:255]
    contract.act_label = (act_label or "").strip()[:255]
    contract.last_year = last_year
    contract.parameters = stored
    contract.save()
    record(
        user=user,
        action="integrative_contract.save",
        obj=contract,
        ente=ente,
        changes=diff(before, state_of(contract))
        | {"national_contract": contract_for(first_year).key},
    )
    return contract


def _national_only(year: int) -> dict[str, Any]:
    """The defaults of a year without the ente's own data (for checking a contract's rules)."""
    national = contract_for(year)
    values = {
        "differentiation_share_percent": national.rules["differentiation_share_percent"].value,
        "maggiorazione_percent": national.rules["maggiorazione_percent"].value,
        "quota_rounding": ep.QuotaRounding.FLOOR.value,
        "category_coefficients": dict.fromkeys(CATEGORY_KEYS, Decimal("1")),
        "tie_break": [criterion.value for criterion in ep.DEFAULT_TIE_BREAK],
        "cutoff_ties": ep.DEFAULT_CUTOFF_TIES.value,
        "part_time_proportional": True,
        "presence_proportional": True,
        "protected_leave_as_service": True,
        "min_service_days": 0,
        "eq_result_min_percent": national.rules["eq_result_min_percent"].value,
        "max_result_rate": national.rules["max_result_rate"].value,
        "distribute_whole_pool": False,
        "payment_time_share_percent": Decimal("30"),
        "payment_time_achieved_percent": Decimal("100"),
        "position_allowances": {},
    }
    values.update(
        dict.fromkeys(
            ("personnel_expense", "fund_total", "variable_part", "staff_count", "trained_count")
        )
    )
    return values


def _check_division(data: dict[str, Any], check: FieldChecker) -> dict[str, Any]:
    """How the pool is divided: differentiation, quotas, coefficients, ties, service."""
    hundred, zero = HUNDRED, Decimal("0")
    cleaned: dict[str, Any] = {}
    cleaned["differentiation_share_percent"] = check.number(
        "differentiation_share_percent", low=zero, high=hundred
    )
    cleaned["maggiorazione_percent"] = check.number(
        "maggiorazione_percent",
        low=Decimal("30"),
        high=hundred,
        message="deve essere tra 30 e 100 (art. 69 CCNL 2018, art. 81 CCNL 2022: almeno il 30 %).",
    )
    rounding = data.get("quota_rounding")
    if rounding not in QUOTA_ROUNDING_KEYS:
        check.errors["quota_rounding"] = (
            f"valore «{rounding}» non ammesso (ammessi: {', '.join(QUOTA_ROUNDING_KEYS)})."
        )
    cleaned["quota_rounding"] = rounding
    cleaned["category_coefficients"] = _coefficients(data.get("category_coefficients"), check)
    cleaned["tie_break"] = _tie_break(data.get("tie_break"), check)
    cutoff = data.get("cutoff_ties")
    if cutoff not in CUTOFF_TIES_KEYS:
        check.errors["cutoff_ties"] = (
            f"valore «{cutoff}» non ammesso (ammessi: {', '.join(CUTOFF_TIES_KEYS)})."
        )
    cleaned["cutoff_ties"] = cutoff
    for key in (
        "part_time_proportional",
        "presence_proportional",
        "protected_leave_as_service",
        "distribute_whole_pool",
    ):
        cleaned[key] = check.flag(key)
    cleaned["min_service_days"] = check.integer("min_service_days", low=0, high=366)
    return cleaned


def _check_result_shares(check: FieldChecker, year: int | None) -> dict[str, Any]:
    """The shares of the result pay, with the floors of the national contract of `year`."""
    hundred, zero = HUNDRED, Decimal("0")
    national = contract_for(year if year is not None else dt.date.today().year)
    floor = national.eq_result_floor or zero
    cleaned: dict[str, Any] = {}
    cleaned["eq_result_min_percent"] = check.number(
        "eq_result_min_percent",
        low=floor,
        high=hundred,
        message=(
            f"deve essere tra {format_number(floor)} e 100 ({national.label})."
            if floor
            else "deve essere tra 0 e 100."
        ),
    )
    cleaned["max_result_rate"] = check.number(
        "max_result_rate",
        low=Decimal("0.01"),
        high=hundred,
        message="deve essere un numero maggiore di 0 e non superiore a 100.",
    )
    cleaned["payment_time_share_percent"] = check.number(
        "payment_time_share_percent",
        low=Decimal("30"),
        high=hundred,
        message="deve essere tra 30 e 100 (DL 13/2023 art. 4-bis: almeno il 30 %).",
    )
    cleaned["payment_time_achieved_percent"] = check.number(
        "payment_time_achieved_percent", low=zero, high=hundred
    )
    return cleaned


def _check_ente_facts(data: dict[str, Any], check: FieldChecker) -> dict[str, Any]:
    """The ente's own figures: allowances, personnel expense, staff counts (optional)."""
    cleaned: dict[str, Any] = {}
    cleaned["position_allowances"] = _allowances(data.get("position_allowances"), check)
    for key in ("personnel_expense", "fund_total", "variable_part"):
        value = check.number(
            key, low=Decimal("0"), optional=True, message="non può essere negativo."
        )
        cleaned[key] = None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)
    for key in ("staff_count", "trained_count"):
        cleaned[key] = check.integer(key, low=0, high=None, optional=True)
    if (
        cleaned["staff_count"] is not None
        and cleaned["trained_count"] is not None
        and cleaned["trained_count"] > cleaned["staff_count"]
    ):
        check.errors["trained_count"] = "i dipendenti formati non possono superare il totale."
    return cleaned


def distribution_parameters_validate(
    data: dict[str, Any], *, year: int | None = None
) -> dict[str, Any]:
    """The parameters checked and converted (Decimal, int, bool); every key must be present.

    `year` is the cycle's year: the floors the national contract in force sets (the EQ
    risultato quota of 15 % from the CCNL 21/05/2018) apply only from then.

    Raises `ParameterError` with one Italian message per wrong key (all of them at once).
    """
    if not isinstance(data, dict):
        raise ParameterError({"parametri": "devono essere un oggetto chiave → valore."})
    errors: dict[str, str] = {}
    for key in PARAMETER_LABELS:
        if key not in data:
            errors[key] = "manca."
    for key in data:
        if key not in PARAMETER_LABELS:
            errors[key] = "parametro non previsto."
    check = FieldChecker(data)
    cleaned = _check_division(data, check)
    cleaned.update(_check_result_shares(check, year))
    cleaned.update(_check_ente_facts(data, check))
    for key, message in check.errors.items():
        errors.setdefault(key, message)
    if errors:
        raise ParameterError(errors)
    return cleaned


def _coefficients(raw: Any, check: FieldChecker) -> dict[str, Decimal]:
    key = "category_coefficients"
    if not isinstance(raw, dict):
        check.errors[key] = "deve essere un elenco categoria → coefficiente."
        return {}
    table = dict.fromkeys(CATEGORY_KEYS, Decimal("1"))
    problems = []
    for category, value in raw.items():
        if category not in CATEGORY_KEYS:
            problems.append(f"categoria «{category}» non prevista")
            continue
        number = lenient_decimal(value, reader=json_decimal)
        if number is None or number <= 0:
            problems.append(
                f"«{category_label(category)}»: il coefficiente deve essere un numero maggiore di 0"
            )
            continue
        table[category] = number
    if problems:
        check.errors[key] = "; ".join(problems) + "."
    return table


def _tie_break(raw: Any, check: FieldChecker) -> list[str]:
    key = "tie_break"
    if not isinstance(raw, list | tuple) or not raw:
        check.errors[key] = "deve essere un elenco di criteri, il primo è il punteggio."
        return []
    problems = []
    unknown = [str(item) for item in raw if item not in TIE_BREAK_KEYS]
    if unknown:
        problems.append(
            f"criteri non ammessi: {', '.join(unknown)} (ammessi: {', '.join(TIE_BREAK_KEYS)}; "
            "l'ordine di registrazione delle persone non è un criterio del contratto integrativo)"
        )
    if raw[0] != ep.TieBreak.SCORE.value:
        problems.append("il primo criterio deve essere il punteggio (graduatoria del SMVP)")
    if len(set(map(str, raw))) < len(raw):
        problems.append("un criterio compare più di una volta")
    if problems:
        check.errors[key] = "; ".join(problems) + "."
    return [str(item) for item in raw]


def _allowances(raw: Any, check: FieldChecker) -> dict[str, Decimal]:
    key = "position_allowances"
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        check.errors[key] = "deve essere un elenco persona → importo."
        return {}
    table, problems = {}, []
    for person_key, value in raw.items():
        number = lenient_decimal(value, reader=json_decimal)
        if number is None or number < 0:
            problems.append(f"«{person_key}»: importo non valido")
            continue
        table[str(person_key)] = number.quantize(CENT, rounding=ROUND_HALF_UP)
    if problems:
        check.errors[key] = "; ".join(problems) + "."
    return table


def _merged_parameters(fund: Fund, parameters: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults overridden by `parameters` (a what-if may give only the keys it changes)."""
    merged = distribution_parameters_default(fund)
    merged.update(parameters or {})
    return distribution_parameters_validate(merged, year=fund.year)


# -- the population ----------------------------------------------------------------------------


def _days(start: dt.date, end: dt.date) -> int:
    return max(0, (end - start).days + 1)


def _clip(start, end, year_start: dt.date, year_end: dt.date) -> tuple[dt.date, dt.date] | None:
    start = max(start or year_start, year_start)
    end = min(end or year_end, year_end)
    return (start, end) if start <= end else None


def _union_days(intervals: Iterable[tuple[dt.date, dt.date]]) -> int:
    total, current = 0, None
    for start, end in sorted(intervals):
        if current is None or start > current[1] + dt.timedelta(days=1):
            if current is not None:
                total += _days(*current)
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    if current is not None:
        total += _days(*current)
    return total


class _Member:
    """What the service knows of one person of the population: their scheda (a tuple, with
    the person's key and name) and the facts of their contracts and absences in the year."""

    __slots__ = (
        "scheda",
        "category",
        "role",
        "part_time",
        "service_days",
        "protected_days",
        "absence_days",
        "seniority",
        "payment_time",
    )

    def __init__(self, scheda: SchedaRow):
        self.scheda = scheda
        self.category = NO_CATEGORY
        self.role = ""
        self.part_time = HUNDRED
        self.service_days: int | None = None
        self.protected_days = 0
        self.absence_days = 0
        self.seniority: dt.date | None = None
        self.payment_time: dict[str, Any] | None = None  # None: not responsabile of payments

    @property
    def person_id(self) -> int:
        return self.scheda.person_id

    @property
    def label(self) -> str:
        return self.scheda.label


def _population(fund: Fund, cycle: Cycle) -> list[_Member]:
    from rewards import selectors  # it imports this module

    managerial = fund.kind in RESULT_KINDS
    members = [_Member(s) for s in selectors.population_schede(cycle, managerial=managerial)]
    people = selectors.population_people(cycle, managerial=managerial)
    year_start, year_end = dt.date(cycle.year, 1, 1), dt.date(cycle.year, 12, 31)
    employments = selectors.employments_of(people)
    absences = selectors.absences_of(people, year_start, year_end)
    for member in members:
        _employment_facts(member, employments[member.scheda.person_id], year_start, year_end)
        _absence_facts(member, absences[member.scheda.person_id], year_start, year_end)
    return [m for m in members if _in_fund(fund.kind, m.role)]


def _in_fund(kind: str, role: str) -> bool:
    """Whether a person of the population, by their role in the year, shares a fund of `kind`:
    the EQ fund leaves out dirigenti, segretari and direttori, theirs takes only them."""
    if kind == FundKind.EQ_RESULT:
        return role not in MANAGER_ROLES
    if kind == FundKind.MANAGER_RESULT:
        return role in MANAGER_ROLES
    return True


def _spans_in_year(
    rows: list[EmploymentRow], year_start: dt.date, year_end: dt.date
) -> list[tuple[tuple[dt.date, dt.date], EmploymentRow]]:
    """The contracts that cover part of the year, with that part, oldest first."""
    spans = []
    for employment in rows:
        span = _clip(employment.start_date, employment.end_date, year_start, year_end)
        if span is not None:
            spans.append((span, employment))
    return spans


def _role_in_year(rows: list[EmploymentRow], year_start: dt.date, year_end: dt.date) -> str:
    """The role of the latest contract in the year («» without one), as `_employment_facts`."""
    spans = _spans_in_year(rows, year_start, year_end)
    return spans[-1][1].role if spans else ""


def _employment_facts(member: _Member, rows: list[EmploymentRow], year_start, year_end) -> None:
    spans = _spans_in_year(rows, year_start, year_end)
    starts = [employment.start_date for employment in rows if employment.start_date]
    member.seniority = min(starts) if starts else None
    if not rows:
        return  # no contract recorded: the whole year at full time (said on the line)
    if not spans:
        member.service_days = 0
        return
    latest = spans[-1][1]
    member.category = latest.ccnl_area or latest.legacy_category or NO_CATEGORY
    member.role = latest.role
    member.service_days = _union_days(span for span, _ in spans)
    weighted = sum(
        (Decimal(_days(*span)) * Decimal(e.part_time_percent) for span, e in spans), Decimal(0)
    )
    length = sum(_days(*span) for span, _ in spans)
    member.part_time = (weighted / length).quantize(Decimal("0.01")) if length else HUNDRED


def _absence_facts(member: _Member, rows: list[AbsenceRow], year_start, year_end) -> None:
    protected, other = [], []
    for absence in rows:
        span = _clip(absence.start_date, absence.end_date, year_start, year_end)
        if span is None:
            continue
        (protected if absence.kind in PROTECTED_KINDS else other).append(span)
    member.protected_days = _union_days(protected)
    member.absence_days = _union_days(other)
    if member.service_days is not None:
        member.protected_days = min(member.protected_days, member.service_days)
        member.service_days -= member.protected_days


def _objective_scores(cycle: Cycle) -> dict[int, Decimal | None]:
    """Achievement % of the payment-time objectives from the normal scoring of the cycle."""
    board = cycle_scores(cycle)
    return {
        entry.objective.pk: entry.score.percent
        for entry in board.objectives
        if entry.objective.is_payment_time
    }


def _payment_time(members: list[_Member], cycle: Cycle, threshold: Decimal) -> list[str]:
    """Mark the responsabili of payment-time objectives; return warnings."""
    objectives = list(
        OperationalObjective.objects.filter(cycle=cycle, is_payment_time=True)
        .select_related("unit")
        .prefetch_related("responsibles")
    )
    if not objectives or not members:
        return []
    by_person: dict[int, list[OperationalObjective]] = defaultdict(list)
    for objective in objectives:
        people = {p.pk for p in objective.responsibles.all()}
        if objective.unit is not None and objective.unit.responsible_id:
            people.add(objective.unit.responsible_id)
        for person_id in people:
            by_person[person_id].append(objective)
    concerned = [m for m in members if m.person_id in by_person]
    if not concerned:
        return []
    measured = _objective_scores(cycle)
    item_scores: dict[tuple[int, int], Decimal] = {}
    for item in SchedaItem.objects.filter(
        scheda__cycle=cycle,
        scheda__person_id__in=[m.person_id for m in concerned],
        objective__is_payment_time=True,
        raw_score__isnull=False,
    ).select_related("scheda"):
        item_scores[(item.scheda.person_id, item.objective_id)] = Decimal(item.raw_score)
    warnings = []
    for member in concerned:
        details, missed = [], False
        for objective in by_person[member.person_id]:
            percent = measured.get(objective.pk)
            source = "misurazione"
            if percent is None:
                percent = item_scores.get((member.person_id, objective.pk))
                source = "scheda"
            name = objective.code or objective.title[:80]
            if percent is None:
                missed = True
                details.append({"objective": name, "percent": None, "source": ""})
                warnings.append(
                    f"{member.label}: l'obiettivo sui tempi di pagamento «{name}» non ha un "
                    "grado di raggiungimento; la quota è trattenuta finché non è misurato."
                )
                continue
            achieved = percent >= threshold
            missed = missed or not achieved
            details.append(
                {"objective": name, "percent": str(percent), "source": source, "ok": achieved}
            )
        member.payment_time = {"missed": missed, "objectives": details}
    return warnings


# -- preview -----------------------------------------------------------------------------------


def _score(scheda: SchedaRow) -> Decimal:
    return Decimal(scheda.total_points) if scheda.total_points is not None else Decimal(0)


def _band_facts(scheda: SchedaRow) -> dict[str, Any]:
    band = scheda.band
    return {
        "score": None if scheda.total_points is None else str(scheda.total_points),
        "max_points": str(scheda.scheme.max_points),
        "band_id": band.pk if band else None,
        "band_from": str(band.min_points) if band else None,
        "band_to": str(band.max_points) if band else None,
        "band_label": band.label if band else "",
        "band_percent": None if scheda.premium_percent is None else str(scheda.premium_percent),
        "scheme": scheda.scheme.name,
        "state": scheda.state,
        "negative": scheda.is_negative,
        "eligible": scheda.is_eligible,
    }


def _exclusion(scheda: SchedaRow, member: _Member | None = None) -> str:
    """Why the person is not evaluated (empty when they are): their own reason."""
    return _not_evaluated(scheda, member)[0]


def _not_evaluated(scheda: SchedaRow, member: _Member | None = None) -> tuple[str, ep.Exclusion]:
    if not scheda.is_eligible:
        minimum = scheda.scheme.minimum_service_days
        if member is not None and member.service_days is not None and minimum:
            days = member.service_days + member.protected_days
            if days < minimum:
                return (
                    f"servizio di {days} giorni, inferiore al minimo di {minimum} del sistema "
                    "di valutazione",
                    ep.Exclusion.SERVICE,
                )
        return scheda.eligibility_note or "non ammesso alla valutazione", ep.Exclusion.NOT_EVALUATED
    if scheda.total_points is None or scheda.premium_percent is None:
        return "scheda senza punteggio", ep.Exclusion.NOT_EVALUATED
    return "", ep.Exclusion.NOT_EVALUATED


def _result_exclusion(member: _Member) -> str:
    """EQ and dirigenti: not evaluated, or evaluated negatively (no risultato)."""
    reason = _exclusion(member.scheda, member)
    if not reason and member.scheda.is_negative:
        points = format_number(Decimal(member.scheda.total_points))
        reason = f"valutazione negativa, punteggio {points}"
    return reason


def _staff_distribution(fund: Fund, members: list[_Member], params: dict[str, Any]):
    engine_params = ep.PremiumParameters(
        maggiorazione_percent=params["maggiorazione_percent"],
        differentiation_quota=params["differentiation_share_percent"],
        quota_rounding=params["quota_rounding"],
        tie_break=tuple(params["tie_break"]),
        cutoff_ties=ep.CutoffTies(params["cutoff_ties"]),
        coefficients=params["category_coefficients"],
        part_time_proportional=params["part_time_proportional"],
        presence_proportional=params["presence_proportional"],
        protected_leave_as_service=params["protected_leave_as_service"],
        min_service_days=params["min_service_days"],
        payment_time_share=params["payment_time_share_percent"],
    )
    year_days = _days(dt.date(fund.year, 1, 1), dt.date(fund.year, 12, 31))
    # A few categories for 25,000 people: each name looked up once (a lazy translation).
    labels = {category: category_label(category) for category in {m.category for m in members}}
    people = []
    for m in members:
        reason, kind = _not_evaluated(m.scheda, m)
        people.append(
            ep.Person(
                id=m.person_id,
                score=_score(m.scheda),
                band_percent=Decimal(m.scheda.premium_percent or 0),
                category=m.category,
                category_label=labels[m.category],
                part_time=m.part_time,
                service_days=m.service_days,
                year_days=year_days,
                protected_days=m.protected_days if m.service_days is not None else 0,
                absence_days=m.absence_days,
                seniority=m.seniority,
                eligible=not reason,
                ineligible_reason=reason,
                ineligible_kind=kind,
                negative=m.scheda.is_negative,
                payment_time_missed=bool(m.payment_time and m.payment_time["missed"]),
                label=m.label,
            )
        )
    return ep.distribute_fund(fund.amount, people, engine_params)


def _result_distribution(fund: Fund, members: list[_Member], params: dict[str, Any]):
    allowances = params["position_allowances"]
    missing = [
        f"{m.label} ({m.scheda.person_key})"
        for m in members
        if m.scheda.person_key not in allowances
    ]
    if missing:
        raise ServiceError(
            "Manca la retribuzione di posizione di: "
            + ", ".join(missing)
            + ". Indicarla nell'assegnazione della persona (importo annuo e periodo).",
            field="position_allowances",
        )
    engine_params = ep.ResultParameters(
        max_result_rate=params["max_result_rate"],
        minimum_result_quota=params["eq_result_min_percent"],
        payment_time_share=params["payment_time_share_percent"],
        distribute_whole_pool=params["distribute_whole_pool"],
    )
    holders = []
    for m in members:
        reason = _result_exclusion(m)
        holders.append(
            ep.PositionHolder(
                id=m.person_id,
                position_allowance=allowances[m.scheda.person_key],
                score=_score(m.scheda),
                band_percent=Decimal(0) if reason else Decimal(m.scheda.premium_percent),
                payment_time_missed=bool(m.payment_time and m.payment_time["missed"]),
                label=m.label,
            )
        )
    position_pool = None
    if fund.pool_amount is not None:
        position_pool = Decimal(fund.pool_amount) - Decimal(fund.amount)
    return ep.distribute_result_pay(fund.amount, holders, engine_params, position_pool)


SHARE_PLACES = Decimal("0.000001")


LineValues = tuple[bool, Decimal, Decimal, Decimal, Decimal, Decimal]


def _line_values(kind_staff: bool, line) -> LineValues:
    """(is_eligible, share, base, bonus, withheld, total) of a line, as `LINE_COLUMNS` orders
    them after the ids."""
    if kind_staff:
        return (
            line.eligible and not line.reason,
            Decimal(line.share).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP),
            line.base,
            line.maggiorazione,
            line.withheld,
            line.total,
        )
    rate = (line.gross / line.position_allowance) if line.position_allowance else Decimal(0)
    return (
        line.band_percent > 0,
        rate.quantize(SHARE_PLACES, rounding=ROUND_HALF_UP),
        line.gross,
        Decimal("0.00"),
        line.withheld,
        line.total,
    )


def _line_facts(line, member: _Member, staff: bool) -> dict[str, Any]:
    """What a line stores besides the amounts: the engine's line, the scheda, the contract."""
    facts = line.to_dict()
    return {
        **facts,
        **_band_facts(member.scheda),
        "category": member.category,
        "role": member.role,
        "part_time": str(member.part_time),
        "service_days": member.service_days,
        "protected_days": member.protected_days,
        "payment_time": member.payment_time,
        "reason": line.reason if staff else _result_exclusion(member),
        "evaluated": (
            facts["evaluated"]
            if staff
            else member.scheda.is_eligible and member.scheda.total_points is not None
        ),
    }


def _check_preview_inputs(fund: Fund, cycle: Cycle) -> None:
    if cycle.ente_id != fund.ente_id:
        raise ServiceError("Il ciclo appartiene a un altro ente.", field="cycle")
    if cycle.year != fund.year:
        raise ServiceError(
            f"Il fondo è dell'anno {fund.year}, il ciclo dell'anno {cycle.year}.", field="cycle"
        )


def _compute(fund: Fund, members: list[_Member], params: dict[str, Any], staff: bool):
    try:
        if staff:
            return _staff_distribution(fund, members, params)
        return _result_distribution(fund, members, params)
    except ConfigError as exc:
        raise ServiceError(f"Parametri non validi: {exc}", field="parameters") from exc
    except ValueError as exc:
        raise ServiceError(f"La distribuzione non si può calcolare: {exc}.") from exc


def _preview_result(
    fund: Fund,
    members: list[_Member],
    computed,
    staff: bool,
    warnings: list[str],
    parameters: dict[str, Any] | None,
) -> dict[str, Any]:
    """What the preview page shows: the fund, the computed totals (lines aside), where each
    parameter comes from, the warnings."""
    computed_data = computed.to_dict(lines=False)  # each line is stored on its own row
    return {
        "kind": "staff" if staff else "result",
        "fund": {
            "kind": fund.kind,
            "label": fund.label,
            "amount": jsonable(Decimal(fund.amount)),
            "pool_amount": None if fund.pool_amount is None else jsonable(fund.pool_amount),
        },
        "computed": computed_data,
        "scheda_ids": sorted(m.scheda.id for m in members),
        "national_contract": contract_for(fund.year).label,
        "sources": {
            key: source
            for key, source in distribution_parameter_sources(fund).items()
            if key not in (parameters or {})
        },
        "warnings": warnings,
        "pool_check": None if staff else computed.pool_check.to_dict(),
    }


# The columns of a stored line, in the order `_store_lines` writes them.
LINE_COLUMNS = (
    "distribution",
    "person",
    "scheda",
    "is_eligible",
    "share",
    "base_amount",
    "bonus_amount",
    "withheld_amount",
    "total_amount",
    "explanation",
)


def _store_lines(
    distribution: Distribution, computed, members: list[_Member], staff: bool
) -> list[LineRow]:
    """Write the lines; return them as the outputs read them back (`selectors.LineRow`, the
    amounts with the places of their columns, largest premium first, then in the order of the
    population: by name, as the database orders them)."""
    from rewards.selectors import LinePerson, LineRow  # it imports this module

    by_person = {m.person_id: m for m in members}
    explanation = DistributionLine._meta.get_field("explanation")
    rows, written = [], []
    for line in computed.lines:
        member = by_person[line.person_id]
        facts = _line_facts(line, member, staff)
        values = _line_values(staff, line)
        rows.append(
            (
                distribution.pk,
                line.person_id,
                member.scheda.id,
                *values,
                explanation.get_db_prep_save(facts, connection),
            )
        )
        scheda = member.scheda
        written.append(
            LineRow(
                line.person_id,
                LinePerson(scheda.person_key, scheda.last_name, scheda.first_name),
                values[0],
                values[1],
                *(Decimal(amount).quantize(CENT) for amount in values[2:]),
                facts,
            )
        )
    _insert_rows(DistributionLine, LINE_COLUMNS, rows)
    written.sort(key=lambda row: -row.total_amount)  # stable: the population's order stays
    return written


def _insert_rows(model, names: tuple[str, ...], rows: list[tuple], chunk: int = 2000) -> None:
    """INSERT the rows (values in the order of the fields `names`): COPY on PostgreSQL,
    executemany elsewhere.

    The values are those the model fields would store — ids, booleans, Decimals already
    rounded as the engine rounds them, the JSON field's own database value — so only the ORM's
    per-object work is left out: with `bulk_create` a model instance and ten field conversions
    per line were a third of a 25,000-line preview. On PostgreSQL COPY takes half the time of
    executemany (which sends each row as a statement of its own). Call inside the service's
    transaction.
    """
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start : start + chunk])


@transaction.atomic
@collector_paused()  # 25,000 lines: a third of the time went to the cycle collector
def distribution_preview(
    *, user, fund: Fund, cycle: Cycle, parameters: dict[str, Any] | None = None
) -> Distribution:
    """Compute and store a preview (always allowed; previews are kept as history).

    `parameters` may hold only the keys that differ from `distribution_parameters_default`.
    """
    _authorize(user, fund.ente)
    _check_preview_inputs(fund, cycle)
    params = _merged_parameters(fund, parameters)
    members = _population(fund, cycle)
    warnings = _payment_time(members, cycle, params["payment_time_achieved_percent"])
    staff = fund.kind in STAFF_KINDS
    computed = _compute(fund, members, params, staff)
    if not members:
        warnings.append(
            "Nessuna scheda di valutazione per questo fondo nel ciclo: nulla da distribuire."
        )
    if not staff and not computed.pool_check.respected:
        warnings.append(computed.pool_check.explanation.text)
    distribution = Distribution.objects.create(
        fund=fund,
        cycle=cycle,
        state=DistributionState.PREVIEW,
        parameters=jsonable(params),
        result=_preview_result(fund, members, computed, staff, warnings, parameters),
        total_paid=computed.totals.distributed,
        residual=computed.totals.residual,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    distribution.written_lines = _store_lines(distribution, computed, members, staff)
    record(
        user=user,
        action="distribution.preview",
        obj=distribution,
        ente=fund.ente,
        changes={
            "fund": fund.pk,
            "cycle": cycle.pk,
            "total_paid": str(distribution.total_paid),
            "residual": str(distribution.residual),
        },
    )
    return distribution


# -- finalisation ------------------------------------------------------------------------------


def _report_validated(cycle: Cycle) -> bool:
    """Whether the Nucleo validated the Relazione of the cycle (`documents.ReportValidation`),
    read through the cycle's reverse relation: documents sits above rewards and is not imported."""
    return Cycle.objects.filter(pk=cycle.pk, report_validation__isnull=False).exists()


def finalisation_problems(distribution: Distribution) -> list[str]:
    """Everything that prevents finalising, in Italian (empty: it can be finalised)."""
    fund, cycle = distribution.fund, distribution.cycle
    problems: list[str] = []
    if distribution.state != DistributionState.PREVIEW:
        problems.append("La distribuzione è già definitiva.")
    if cycle.state not in FROZEN_STATES and cycle.approved_at is None:
        problems.append(
            f"Il piano della performance {cycle.year} non è approvato (stato: "
            f"«{cycle.get_state_display()}»): senza piano non si eroga la retribuzione di "
            "risultato (art. 10 c.5 D.Lgs. 150/2009)."
        )
    if not _report_validated(cycle):
        problems.append(
            f"La Relazione sulla performance {cycle.year} non è validata dal Nucleo di "
            "Valutazione: la validazione è condizione per erogare i premi (art. 14 c.6 D.Lgs. "
            "150/2009)."
        )
    other = (
        fund.distributions.filter(state=DistributionState.FINAL).exclude(pk=distribution.pk).first()
    )
    if other is not None:
        when = ""
        if other.finalised_at:
            when = timezone.localtime(other.finalised_at).strftime("%d/%m/%Y")
        problems.append(
            f"Il fondo «{fund.label}» {fund.year} ha già una distribuzione definitiva "
            f"(n. {other.pk}{f' del {when}' if when else ''}): ne è ammessa una sola."
        )
    stored_amount = distribution.result.get("fund", {}).get("amount")
    if stored_amount is not None and Decimal(stored_amount) != Decimal(fund.amount):
        problems.append(
            f"L'importo del fondo è cambiato dopo l'anteprima ({_euro(Decimal(stored_amount))} → "
            f"{_euro(fund.amount)}): calcolare una nuova anteprima."
        )
    problems.extend(_schede_problems(distribution))
    pool_check = distribution.result.get("pool_check")
    if pool_check and not pool_check.get("respected"):
        problems.append(
            "La retribuzione di risultato non raggiunge la quota minima del fondo di posizione "
            f"e risultato: {pool_check['explanation']['text']}"
        )
    return problems


def _schede_problems(distribution: Distribution) -> list[str]:
    stamps = _current_schede(distribution.fund, distribution.cycle)
    problems = []
    states = dict(SchedaState.choices)
    not_final = [
        f"{s.label} ({str(states.get(s.state, s.state)).lower()})"
        for s in stamps
        if s.state != SchedaState.FINAL
    ]
    if not_final:
        problems.append(
            f"Schede di valutazione non ancora definitive ({len(not_final)}): "
            + ", ".join(not_final)
            + "."
        )
    current = sorted(s.id for s in stamps)
    stale = current != distribution.result.get("scheda_ids") or any(
        s.updated_at > distribution.created_at for s in stamps
    )
    if stale:
        problems.append(
            "Le schede di valutazione sono cambiate dopo l'anteprima: calcolare una nuova "
            "anteprima prima di renderla definitiva."
        )
    return problems


def _current_schede(fund: Fund, cycle: Cycle) -> list[SchedaStamp]:
    """The schede a new preview of the fund would take, with their state and time of change:
    the population of `_population` without its contracts' and absences' facts (only the
    result funds read the roles, to tell EQ from dirigenti)."""
    from rewards import selectors  # it imports this module

    stamps = selectors.population_stamps(cycle, managerial=fund.kind in RESULT_KINDS)
    if fund.kind not in RESULT_KINDS:
        return stamps
    employments = selectors.employments_of(selectors.population_people(cycle, managerial=True))
    year_start, year_end = dt.date(cycle.year, 1, 1), dt.date(cycle.year, 12, 31)
    return [
        s
        for s in stamps
        if _in_fund(fund.kind, _role_in_year(employments[s.person_id], year_start, year_end))
    ]


@transaction.atomic
def distribution_finalise(*, user, distribution: Distribution) -> Distribution:
    """Make a preview the final distribution of its fund, if every condition holds."""
    _authorize(user, distribution.fund.ente)
    Fund.objects.select_for_update().get(pk=distribution.fund_id)  # one finalisation at a time
    distribution = (
        Distribution.objects.select_for_update()
        .select_related("fund", "cycle", "fund__ente")
        .get(pk=distribution.pk)
    )
    problems = finalisation_problems(distribution)
    if problems:
        raise ServiceError(
            "La distribuzione non può diventare definitiva: " + " ".join(problems),
            code="gates",
        )
    before = {"state": distribution.state}
    distribution.state = DistributionState.FINAL
    distribution.finalised_by = user if getattr(user, "is_authenticated", False) else None
    distribution.finalised_at = timezone.now()
    try:
        with transaction.atomic():
            distribution.save(update_fields=["state", "finalised_by", "finalised_at"])
    except IntegrityError as exc:
        raise ServiceError(
            f"Il fondo «{distribution.fund.label}» {distribution.fund.year} ha già una "
            "distribuzione definitiva: ne è ammessa una sola.",
            code="gates",
        ) from exc
    record(
        user=user,
        action="distribution.finalise",
        obj=distribution,
        ente=distribution.fund.ente,
        changes={
            "state": [before["state"], distribution.state],
            "total_paid": str(distribution.total_paid),
            "residual": str(distribution.residual),
        },
    )
    return distribution
