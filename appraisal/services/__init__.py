"""Every write to individual evaluation: behaviours, schemes, bands, schede and their workflow.

Each function takes keyword arguments with the acting `user` first (None for system actions such
as the demo loader), validates, runs in a transaction and writes one audit row. The arithmetic
(points, bands, protected leave) is the engine's (`engine.appraisal`); this module turns rows
into the engine's plain data and back.

The life of a scheda::

    draft → proposed → interview (colloquio) → delivered → acknowledged (presa visione) → final
                                                         ↘ contested → conciliation → final
    delivered → final also when the contest deadline has passed without a contest.

Every change of state writes a `SchedaTransition`; going back is only a recorded reopening
(`scheda_reopen`, by the Nucleo or an admin, with its reason).

Choices made here (the SMVP may refine them; they are documented so the ente can check them):

* Eligibility: the days of service in the year are the calendar days covered by the person's
  employments, clipped to the cycle's year. Absences do not reduce them; protected leave
  (maternità, paternità, congedo parentale, art. 9 c.3 D.Lgs. 150/2009) never reduces anything.
  A person with fewer days than the scheme's `minimum_service_days` is not eligible; part-time
  and staff shared in convenzione are noted in `eligibility_note`.
* Presence-sensitive components are computed on presence over the days of service, with
  protected leave neutralised by the engine (`neutralise_protected_leave`).
* Evaluator chain: people leading a unit and people with a managerial role (segretario,
  direttore, dirigente, EQ, comandante) are evaluated by the Nucleo — by the Segretario when
  their scheme says so and they are not the Segretario. Staff are evaluated by the responsabile
  of their unit, walking up the organisation chart (skipping the person themselves); at the top,
  by the Segretario if the ente has one, otherwise by the Nucleo.
* Weights totalling 100 within ±0,01 (three thirds of 33,33) are accepted; the difference is
  added to the heaviest component when scoring, so that the maximum stays the scheme's maximum.
* A score falls in the band with the greatest lower bound not above it (53,99 is in 37–53).
"""

from __future__ import annotations

from appraisal.services._common import (
    BEHAVIOUR_FIELDS,
    CENT,
    ENGINE_KIND,
    HUNDRED,
    MANAGER_ROLES,
    PERFORMANCE_KINDS,
    PROTECTED_LEAVE,
    REOPEN_TARGETS,
    SCHEME_FIELDS,
    SCHEME_LABEL_FIELDS,
    SEGRETARIO_ROLES,
    STATE_ORDER,
    WEIGHT_TOLERANCE,
    ZERO,
    _access,
    _by,
    _require_admin,
    _set_key,
    _sync,
    state_label,
)
from appraisal.services.generation import (
    PerformanceScores,
    PersonYear,
    _chain_up,
    _days,
    _depth,
    _eligibility,
    _overlapping,
    _parents,
    _scheme_for,
    _unit_of,
    _year_bounds,
    evaluator_for,
    performance_scores,
    population,
    presence_of,
    schede_generate,
)
from appraisal.services.schemes import (
    CATEGORY_VALUES,
    _band_problems,
    _bands_engine,
    _clean_behaviour,
    _clean_components,
    _clean_levels,
    _clean_list,
    _clean_scheme,
    _component_problems,
    _ComponentPlan,
    _components_state,
    _resolve_behaviour,
    _sb,
    _scheme_rows,
    _scored_schede,
    _state_value,
    behaviour_create,
    behaviour_update,
    classify,
    engine_bands,
    engine_scheme,
    scheme_bands_set,
    scheme_component_set,
    scheme_create,
    scheme_update,
    scheme_validate,
)
from appraisal.services.scoring import (
    SchedaScoring,
    _actor_name,
    _check_version,
    _convert,
    _evaluator_label,
    _illegal,
    _ItemPlan,
    _items_state,
    _lock,
    _plan_items,
    _prefill,
    _presence_for,
    _require_evaluated,
    _require_evaluator,
    _require_supervisor,
    _resolve_component,
    _score_value,
    scheda_compute,
    scheda_score,
    scheda_self_evaluate,
    score_items,
)
from appraisal.services.workflow import (
    REOPEN_GUARDS,
    _move,
    conciliation_decide,
    conciliation_schedule,
    contest_deadline,
    scheda_acknowledge,
    scheda_contest,
    scheda_deliver,
    scheda_finalise,
    scheda_propose,
    scheda_record_interview,
    scheda_reopen,
)

__all__ = [
    "HUNDRED",
    "ZERO",
    "WEIGHT_TOLERANCE",
    "CENT",
    "MANAGER_ROLES",
    "SEGRETARIO_ROLES",
    "PROTECTED_LEAVE",
    "PERFORMANCE_KINDS",
    "ENGINE_KIND",
    "STATE_ORDER",
    "REOPEN_TARGETS",
    "BEHAVIOUR_FIELDS",
    "SCHEME_FIELDS",
    "SCHEME_LABEL_FIELDS",
    "_by",
    "_access",
    "_require_admin",
    "_set_key",
    "_sync",
    "state_label",
    "_clean_levels",
    "_clean_behaviour",
    "behaviour_create",
    "behaviour_update",
    "_clean_list",
    "CATEGORY_VALUES",
    "_clean_scheme",
    "_scored_schede",
    "scheme_create",
    "scheme_update",
    "_state_value",
    "_ComponentPlan",
    "_resolve_behaviour",
    "_clean_components",
    "_component_problems",
    "scheme_component_set",
    "_components_state",
    "_bands_engine",
    "_band_problems",
    "scheme_bands_set",
    "_scheme_rows",
    "scheme_validate",
    "_sb",
    "engine_scheme",
    "engine_bands",
    "classify",
    "PersonYear",
    "_year_bounds",
    "_overlapping",
    "_days",
    "population",
    "presence_of",
    "_eligibility",
    "_scheme_for",
    "_depth",
    "_parents",
    "_unit_of",
    "_chain_up",
    "evaluator_for",
    "schede_generate",
    "PerformanceScores",
    "performance_scores",
    "_lock",
    "_check_version",
    "_actor_name",
    "_require_evaluator",
    "_evaluator_label",
    "_require_evaluated",
    "_require_supervisor",
    "_illegal",
    "_resolve_component",
    "_score_value",
    "_ItemPlan",
    "_plan_items",
    "_prefill",
    "_convert",
    "_presence_for",
    "score_items",
    "SchedaScoring",
    "scheda_compute",
    "scheda_score",
    "_items_state",
    "scheda_self_evaluate",
    "_move",
    "contest_deadline",
    "scheda_propose",
    "scheda_record_interview",
    "scheda_deliver",
    "scheda_acknowledge",
    "scheda_contest",
    "conciliation_schedule",
    "conciliation_decide",
    "scheda_finalise",
    "REOPEN_GUARDS",
    "scheda_reopen",
]
