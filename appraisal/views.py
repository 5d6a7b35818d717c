"""Pages of individual evaluation: schede, their workflow, schemes, Nucleo and Giunta views.

Every view reads through `selectors`, asks `appraisal.access` (on top of the ente role checked
by `ente_required`) and writes through `services`. Objects are fetched with the ente in the
query, so ids of another ente give 404. A scheda is personal data: it is shown only to whom
`can_view_scheda` allows, and every read by someone else than the evaluated person is logged.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ADMIN, NUCLEO
from accounts.decorators import ente_required
from appraisal import access as rules
from appraisal import forms, selectors, services
from appraisal.models import (
    Behaviour,
    EvaluationScheme,
    Scheda,
    SchedaState,
    SchemeBehaviour,
    SchemeComponent,
)
from core import locking
from core.exceptions import ServiceError
from core.privacy import shown_aggregates
from engine.numbers import format_number
from measurement.selectors import ente_trend
from planning.models import Cycle
from planning.selectors import chosen_cycle

# States in which the evaluator still writes the scores.
SCORING_STATES = frozenset({SchedaState.DRAFT, SchedaState.PROPOSED})
FINALISABLE_STATES = frozenset(
    {SchedaState.DELIVERED, SchedaState.ACKNOWLEDGED, SchedaState.CONCILIATION}
)
SCHEDULE_STATES = frozenset({SchedaState.CONTESTED, SchedaState.CONCILIATION})

# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------


def _require(allowed: bool, message: str = "Non puoi consultare questa scheda.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _chosen_cycle(request, *, prefer_schede: bool = True) -> tuple[Cycle | None, list[Cycle]]:
    """The cycle of `?anno=` (404 if the ente has none that year), else the default one.

    The default is the latest cycle that has schede: the plan of the next year is often a draft
    without schede yet, and the pages would otherwise open empty. Without schede in any cycle
    (or with `prefer_schede=False`, for the pages that prepare a new year) it is the latest.
    """

    def latest_with_schede(cycles: list[Cycle]) -> Cycle | None:
        if prefer_schede and cycles:
            with_schede = set(
                Scheda.objects.filter(cycle__ente=request.ente)
                .values_list("cycle_id", flat=True)
                .distinct()
            )
            for cycle in cycles:
                if cycle.pk in with_schede:
                    return cycle
        return cycles[0] if cycles else None

    return chosen_cycle(request.ente, request.GET.get("anno"), default=latest_with_schede)


def _cycle(request, pk: int) -> Cycle:
    return get_object_or_404(Cycle, pk=pk, ente=request.ente)


def _scheda(request, pk: int) -> Scheda:
    """The scheda with what its page shows (`selectors.detail_queryset`), read once: the
    access check and the page use the same row."""
    return get_object_or_404(selectors.detail_queryset(), pk=pk, cycle__ente=request.ente)


def _scheme(request, pk: int) -> EvaluationScheme:
    return get_object_or_404(
        EvaluationScheme.objects.select_related("cycle"), pk=pk, cycle__ente=request.ente
    )


def _aa(request) -> rules.AppraisalAccess:
    """The user's rights on the schede, computed once per request."""
    if not hasattr(request, "appraisal_access"):
        request.appraisal_access = rules.build(request.ente_access)
    return request.appraisal_access


def _is_own(aa, scheda: Scheda) -> bool:
    return rules.is_evaluated(aa, scheda)


def _log(request, scheda: Scheda) -> None:
    """Record the read unless the reader is the evaluated person."""
    if not _is_own(_aa(request), scheda):
        rules.log_view(request.user, scheda)


def _readable(request, scheda: Scheda) -> None:
    """403 unless the user may read the scheda; logs the read of anyone but its person."""
    _require(rules.can_view_scheda(_aa(request), scheda))
    _log(request, scheda)


def _supervised(request, scheda: Scheda) -> None:
    """403 unless the user is of the Nucleo or an admin; the read is logged."""
    _require(
        rules.can_supervise(_aa(request), scheda),
        "Conciliazione, scheda definitiva e riapertura spettano al Nucleo di Valutazione.",
    )
    _log(request, scheda)


def _refuse(request, error: ServiceError) -> None:
    messages.error(request, error.message)


def _back(scheda: Scheda):
    return redirect("appraisal:scheda_detail", pk=scheda.pk)


def _actions(request, scheda: Scheda, conciliation=None) -> dict:
    """Which workflow buttons the page shows, by the user's role and the scheda's state (the
    services check again and explain any refusal)."""
    decided = bool(conciliation is not None and conciliation.outcome)
    aa = _aa(request)
    own = _is_own(aa, scheda)
    evaluator = rules.can_evaluate(aa, scheda)
    nucleo = rules.can_supervise(aa, scheda)
    deadline = services.contest_deadline(scheda)
    in_time = deadline is not None and timezone.localdate() <= deadline
    state = scheda.state
    return {
        "can_score": evaluator and state in SCORING_STATES,
        "can_propose": evaluator and state == SchedaState.DRAFT,
        "can_interview": evaluator and state == SchedaState.PROPOSED,
        "can_deliver": evaluator and state == SchedaState.INTERVIEW,
        "can_acknowledge": own and state == SchedaState.DELIVERED,
        "can_contest": own and state == SchedaState.DELIVERED and in_time,
        "can_schedule": nucleo and state in SCHEDULE_STATES and not decided,
        "can_decide": nucleo and state == SchedaState.CONCILIATION and not decided,
        "can_finalise": nucleo
        and state in FINALISABLE_STATES
        and (state != SchedaState.DELIVERED or not in_time)
        and (state != SchedaState.CONCILIATION or decided),
        "can_reopen": nucleo and state not in (SchedaState.DRAFT, SchedaState.PROPOSED),
        "can_self_evaluate": _may_self_evaluate(aa, scheda),
        "is_own": own,
        "deadline": deadline,
        "deadline_passed": deadline is not None and not in_time,
    }


def _may_self_evaluate(aa, scheda: Scheda) -> bool:
    """The evaluated person writes the self-evaluation, if the scheme provides it, before the
    colloquio (the service checks the same rules and explains a refusal)."""
    return (
        _is_own(aa, scheda)
        and bool(scheda.scheme.self_evaluation)
        and scheda.state in SCORING_STATES
    )


def _scheda_page(
    request,
    scheda: Scheda,
    *,
    template="appraisal/scheda_detail.html",
    reload: bool = True,
    **extra,
):
    detail = selectors.scheda_detail(scheda, reload=reload)
    context = {
        "scheda": detail.scheda,
        "detail": detail,
        "items": detail.items,
        "transitions": detail.transitions,
        "conciliation": detail.conciliation,
        "actions": _actions(request, detail.scheda, detail.conciliation),
    }
    context.update(extra)
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# Landing page
# ---------------------------------------------------------------------------------------------


@require_GET
@ente_required
def index(request):
    aa = _aa(request)
    access = aa.access
    cycle, cycles = _chosen_cycle(request)
    context = {
        "cycle": cycle,
        "cycles": cycles,
        "can_manage": rules.can_manage_schemes(aa),
        "is_nucleo": rules.can_see_overview(aa),
        "sees_aggregates": rules.can_see_aggregates(aa),
        "has_person": bool(access.person_ids),
    }
    if cycle is not None:
        context["to_evaluate"] = selectors.evaluating_count(aa, cycle)
        context["mine"] = selectors.my_scheda(aa, cycle) if access.person_ids else None
    return render(request, "appraisal/index.html", context)


# ---------------------------------------------------------------------------------------------
# Evaluator
# ---------------------------------------------------------------------------------------------


@require_GET
@ente_required
def evaluator_list(request):
    cycle, cycles = _chosen_cycle(request)
    desk = selectors.schede_for_evaluator(_aa(request), cycle) if cycle else None
    return render(
        request,
        "appraisal/evaluator_list.html",
        {"cycle": cycle, "cycles": cycles, "desk": desk},
    )


@require_GET
@ente_required
def scheda_detail(request, pk):
    scheda = _scheda(request, pk)
    _readable(request, scheda)
    return _scheda_page(request, scheda, reload=False)


def _score_form(request, scheda: Scheda, data=None) -> forms.ScoreForm:
    items = selectors.scheda_detail(scheda, reload=False).items
    lines = forms.scheda_lines(scheda, items)
    return forms.ScoreForm(data, scheda=scheda, lines=lines)


def _scheme_with_structure(scheda: Scheda) -> Scheda:
    """The scheda with its scheme's components and behaviours loaded in two queries."""
    components = SchemeComponent.objects.filter(scheme_id=scheda.scheme_id).prefetch_related(
        Prefetch("behaviours", queryset=SchemeBehaviour.objects.select_related("behaviour"))
    )
    scheda.scheme._prefetched_objects_cache = {"components": components}
    return scheda


@require_http_methods(["GET", "POST"])
@ente_required
def scheda_edit(request, pk):
    scheda = _scheme_with_structure(_scheda(request, pk))
    _require(rules.can_evaluate(_aa(request), scheda), "Non sei il valutatore di questa scheda.")
    if request.method == "GET":
        _log(request, scheda)
    form = _score_form(request, scheda, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheda_score(
                user=request.user,
                scheda=scheda,
                items=form.items(),
                expected_version=form.cleaned_data["expected_version"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Valutazione salvata.")
            return _back(scheda)
    return render(
        request,
        "appraisal/scheda_edit.html",
        {
            "scheda": scheda,
            "form": form,
            "components": _component_groups(form),
            "preview": _preview(request, scheda, form) if form.is_bound else _saved_total(scheda),
        },
    )


def _component_groups(form: forms.ScoreForm) -> list[dict]:
    groups: list[dict] = []
    for line, field, note in form.bound_lines():
        if not groups or groups[-1]["component"].pk != line.component.pk:
            groups.append({"component": line.component, "lines": []})
        groups[-1]["lines"].append({"line": line, "field": field, "note": note})
    return groups


def _saved_total(scheda: Scheda) -> dict:
    return {
        "points": scheda.total_points,
        "max_points": scheda.scheme.max_points,
        "band": scheda.band,
        "premium_percent": scheda.premium_percent,
        "is_negative": scheda.is_negative,
        "saved": True,
    }


def _preview(request, scheda: Scheda, form: forms.ScoreForm) -> dict:
    """Total and band of the scores typed so far, without saving them.

    The scores go through `services.scheda_compute`: the same checks and arithmetic as
    `services.scheda_score`, with nothing written.
    """
    if not form.is_valid():
        return {"problems": [str(e) for errors in form.errors.values() for e in errors]}
    try:
        scoring = services.scheda_compute(user=request.user, scheda=scheda, items=form.items())
    except ServiceError as error:
        return {"problems": [error.message]}
    return {
        "points": scoring.total,
        "max_points": scheda.scheme.max_points,
        "band": scoring.band,
        "premium_percent": scoring.premium_percent,
        "is_negative": scoring.is_negative,
        "saved": False,
    }


@require_POST
@ente_required
def scheda_score_preview(request, pk):
    scheda = _scheme_with_structure(_scheda(request, pk))
    _require(rules.can_evaluate(_aa(request), scheda), "Non sei il valutatore di questa scheda.")
    form = _score_form(request, scheda, request.POST)
    return render(
        request,
        "appraisal/_score_preview.html",
        {"scheda": scheda, "preview": _preview(request, scheda, form)},
    )


def _workflow(request, pk, *, check, call, success):
    scheda = _scheda(request, pk)
    _require(check(_aa(request), scheda), "Questa operazione non ti è consentita.")
    try:
        call(scheda)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, success)
    return _back(scheda)


@require_POST
@ente_required
def scheda_propose(request, pk):
    return _workflow(
        request,
        pk,
        check=rules.can_evaluate,
        call=lambda scheda: services.scheda_propose(user=request.user, scheda=scheda),
        success="Scheda proposta: ora si svolge il colloquio.",
    )


@require_POST
@ente_required
def scheda_deliver(request, pk):
    return _workflow(
        request,
        pk,
        check=rules.can_evaluate,
        call=lambda scheda: services.scheda_deliver(user=request.user, scheda=scheda),
        success="Scheda consegnata alla persona valutata.",
    )


def _form_page(request, scheda, form, *, title, intro="", submit="Salva", extra=None):
    context = {
        "scheda": scheda,
        "form": form,
        "title": title,
        "intro": intro,
        "submit": submit,
    }
    context.update(extra or {})
    return render(request, "appraisal/scheda_form.html", context)


@require_http_methods(["GET", "POST"])
@ente_required
def scheda_interview(request, pk):
    scheda = _scheda(request, pk)
    _require(rules.can_evaluate(_aa(request), scheda), "Non sei il valutatore di questa scheda.")
    form = forms.InterviewForm(
        request.POST or None,
        initial={"date": scheda.interview_date or timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.scheda_record_interview(
                user=request.user,
                scheda=scheda,
                date=form.cleaned_data["date"],
                notes=form.cleaned_data["notes"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Colloquio registrato.")
            return _back(scheda)
    return _form_page(
        request,
        scheda,
        form,
        title="Registra il colloquio di valutazione",
        intro="Il colloquio precede la consegna della scheda: indica quando si è svolto e "
        "che cosa è emerso.",
        submit="Registra il colloquio",
    )


# ---------------------------------------------------------------------------------------------
# Evaluated person
# ---------------------------------------------------------------------------------------------


@require_GET
@ente_required
def my_scheda(request):
    aa = _aa(request)
    cycle, cycles = _chosen_cycle(request)
    scheda = selectors.my_scheda(aa, cycle) if cycle and aa.person_ids else None
    if scheda is None:
        return render(
            request,
            "appraisal/my_scheda_missing.html",
            {"cycle": cycle, "cycles": cycles, "has_person": bool(aa.person_ids)},
        )
    return _scheda_page(request, scheda, cycles=cycles, mine=True)


def _my_scheda_url(scheda: Scheda) -> str:
    return f"{reverse('appraisal:my_scheda')}?anno={scheda.cycle.year}"


@require_http_methods(["GET", "POST"])
@ente_required
def scheda_self_evaluate(request, pk):
    """The evaluated person's self-evaluation (when the scheme provides it), before the
    colloquio: written while the scheda is a draft or proposed, then read by the evaluator."""
    scheda = _scheda(request, pk)
    aa = _aa(request)
    _require(_is_own(aa, scheda), "Solo la persona valutata scrive la propria autovalutazione.")
    if not _may_self_evaluate(aa, scheda):
        if not scheda.scheme.self_evaluation:
            messages.error(
                request, f"Il modello «{scheda.scheme.name}» non prevede l'autovalutazione."
            )
        else:
            messages.error(
                request,
                f"La scheda è nello stato «{scheda.get_state_display()}»: l'autovalutazione si "
                "scrive prima del colloquio.",
            )
        return redirect(_my_scheda_url(scheda))
    form = forms.SelfEvaluationForm(
        request.POST or None, initial={"text": scheda.self_evaluation_text}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.scheda_self_evaluate(
                user=request.user, scheda=scheda, text=form.cleaned_data["text"]
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, "Autovalutazione salvata: il valutatore la legge prima del colloquio."
            )
            return redirect(_my_scheda_url(scheda))
    return _form_page(
        request,
        scheda,
        form,
        title="La mia autovalutazione",
        intro="Il modello di scheda prevede l'autovalutazione: descrivi i risultati raggiunti "
        "e il contributo dato nell'anno. Puoi modificarla finché la scheda non passa al "
        "colloquio; il valutatore la legge con la scheda.",
        submit="Salva l'autovalutazione",
        extra={"back": _my_scheda_url(scheda)},
    )


@require_POST
@ente_required
def scheda_acknowledge(request, pk):
    return _workflow(
        request,
        pk,
        check=_is_own,
        call=lambda scheda: services.scheda_acknowledge(user=request.user, scheda=scheda),
        success="Hai firmato la scheda per presa visione.",
    )


@require_http_methods(["GET", "POST"])
@ente_required
def scheda_contest(request, pk):
    scheda = _scheda(request, pk)
    _require(_is_own(_aa(request), scheda), "Solo la persona valutata contesta la scheda.")
    form = forms.ContestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheda_contest(
                user=request.user, scheda=scheda, reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request, "Contestazione inviata: il Nucleo di Valutazione avvierà la conciliazione."
            )
            return _back(scheda)
    deadline = services.contest_deadline(scheda)
    intro = "La contestazione va motivata e avvia la procedura di conciliazione."
    if deadline is not None:
        intro += f" Puoi contestare la scheda entro il {deadline:%d/%m/%Y}."
    return _form_page(
        request,
        scheda,
        form,
        title="Contesta la scheda",
        intro=intro,
        submit="Invia la contestazione",
    )


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


@require_GET
@ente_required
def scheda_pdf(request, pk):
    from appraisal.pdf import scheda_pdf as render_pdf

    scheda = _scheda(request, pk)
    _readable(request, scheda)
    content = render_pdf(selectors.scheda_detail(scheda, reload=False))
    response = HttpResponse(content, content_type="application/pdf")
    name = f"scheda-{scheda.cycle.year}-{scheda.person.last_name}-{scheda.pk}".lower()
    safe = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name)
    response["Content-Disposition"] = f'attachment; filename="{safe}.pdf"'
    return response


# ---------------------------------------------------------------------------------------------
# Nucleo di Valutazione
# ---------------------------------------------------------------------------------------------


@require_GET
@ente_required
def nucleo_overview(request):
    _require(
        rules.can_see_overview(_aa(request)),
        "La verifica delle schede spetta al Nucleo di Valutazione e all'amministratore.",
    )
    cycle, cycles = _chosen_cycle(request)
    context = {"cycle": cycle, "cycles": cycles}
    if cycle is not None:
        context["overview"] = selectors.nucleo_overview(cycle)
        context["validation"] = getattr(cycle, "report_validation", None)
        # The Nucleo reads the individual schede: the full counts per band, none withheld.
        context["band_rows"] = band_chart_rows(
            (band, band.count) for band in selectors.aggregates(cycle).bands
        )
        context["trend"], context["trend_rows"] = ente_trend(cycle)
    return render(request, "appraisal/nucleo_overview.html", context)


def band_chart_rows(bands) -> list[dict]:
    """(band, count) pairs as the rows of the chart «Distribuzione per fascia»: one label per
    band («Personale: 80–100 punti»); a withheld count (None) is left out of the chart, the
    table says why."""
    return [
        {
            "label": f"{band.scheme_name}: {format_number(band.min_points)}–"
            f"{format_number(band.max_points)} punti",
            "count": count,
        }
        for band, count in bands
        if count is not None
    ]


@require_http_methods(["GET", "POST"])
@ente_required
def conciliation_schedule(request, pk):
    scheda = _scheda(request, pk)
    _supervised(request, scheda)
    conciliation = getattr(scheda, "conciliation", None)
    form = forms.ConciliationScheduleForm(
        request.POST or None,
        initial={
            "meeting_date": conciliation.meeting_date if conciliation else None,
            "notes": conciliation.meeting_notes if conciliation else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.conciliation_schedule(
                user=request.user,
                scheda=scheda,
                meeting_date=form.cleaned_data["meeting_date"],
                notes=form.cleaned_data["notes"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Incontro di conciliazione fissato.")
            return _back(scheda)
    return _form_page(
        request,
        scheda,
        form,
        title="Fissa l'incontro di conciliazione",
        submit="Fissa l'incontro",
        extra={"conciliation": conciliation},
    )


@require_http_methods(["GET", "POST"])
@ente_required
def conciliation_decide(request, pk):
    scheda = _scheda(request, pk)
    _supervised(request, scheda)
    form = forms.ConciliationDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.conciliation_decide(
                user=request.user,
                scheda=scheda,
                outcome=data["outcome"],
                outcome_text=data["outcome_text"],
                decided_by=data["decided_by"],
                new_points=data.get("new_points"),
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Esito della conciliazione registrato.")
            return _back(scheda)
    return _form_page(
        request,
        scheda,
        form,
        title="Esito della conciliazione",
        submit="Registra l'esito",
        extra={"conciliation": getattr(scheda, "conciliation", None)},
    )


@require_POST
@ente_required
def scheda_finalise(request, pk):
    return _workflow(
        request,
        pk,
        check=rules.can_supervise,
        call=lambda scheda: services.scheda_finalise(user=request.user, scheda=scheda),
        success="La scheda è definitiva.",
    )


@require_http_methods(["GET", "POST"])
@ente_required
def scheda_reopen(request, pk):
    scheda = _scheda(request, pk)
    _supervised(request, scheda)
    form = forms.ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheda_reopen(
                user=request.user,
                scheda=scheda,
                to_state=form.cleaned_data["to_state"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Scheda riaperta: la riapertura resta nella sua storia.")
            return _back(scheda)
    return _form_page(
        request,
        scheda,
        form,
        title="Riapri la scheda",
        intro="Una scheda si riapre solo con un motivo, che resta nei passaggi di stato.",
        submit="Riapri la scheda",
    )


@require_http_methods(["GET", "POST"])
@ente_required
def report_validate_moved(request, pk):
    """The Nucleo's «valida la Relazione» page moved to documents: old links still lead there,
    for a cycle of the user's own ente only (another ente's id is a 404, as everywhere)."""
    cycle = _cycle(request, pk)
    target = reverse("documents:report_validate", args=[cycle.pk])
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{target}?{query}" if query else target)


# ---------------------------------------------------------------------------------------------
# Giunta: aggregates only
# ---------------------------------------------------------------------------------------------


@require_GET
@ente_required
def aggregates(request):
    _require(rules.can_see_aggregates(_aa(request)), "Non puoi consultare i dati aggregati.")
    cycle, cycles = _chosen_cycle(request)
    context = {"cycle": cycle, "cycles": cycles}
    if cycle is not None:
        context["aggregates"] = selectors.aggregates(cycle)
        # Small groups are withheld from who may not read the individual schede (core.privacy).
        sees_individuals = request.ente_access.has(ADMIN, NUCLEO)
        context["shown"] = shown_aggregates(
            context["aggregates"], sees_individuals=sees_individuals
        )
        context["band_rows"] = band_chart_rows(
            (row.band, row.count) for row in context["shown"].bands
        )
        context["trend"], context["trend_rows"] = ente_trend(cycle)
    return render(request, "appraisal/aggregates.html", context)


# ---------------------------------------------------------------------------------------------
# Administrator: behaviours, schemes, components, bands, generation of the schede
# ---------------------------------------------------------------------------------------------


def _manager(request) -> None:
    _require(
        rules.can_manage_schemes(_aa(request)),
        "Solo il Segretario o il Direttore gestisce i modelli di scheda.",
    )


@require_GET
@ente_required
def scheme_list(request):
    _manager(request)
    # The models are prepared for the newest cycle, before it has any scheda.
    cycle, cycles = _chosen_cycle(request, prefer_schede=False)
    schemes = []
    if cycle is not None:
        queryset = (
            EvaluationScheme.objects.filter(cycle=cycle)
            .prefetch_related(
                Prefetch(
                    "components",
                    queryset=SchemeComponent.objects.prefetch_related(
                        Prefetch(
                            "behaviours",
                            queryset=SchemeBehaviour.objects.select_related("behaviour"),
                        )
                    ),
                ),
                "bands",
            )
            .order_by("order", "pk")
        )
        schemes = [{"scheme": s, "problems": services.scheme_validate(s)} for s in queryset]
    return render(
        request,
        "appraisal/scheme_list.html",
        {
            "cycle": cycle,
            "cycles": cycles,
            "schemes": schemes,
            "behaviours": Behaviour.objects.filter(ente=request.ente),
            "schede_count": Scheda.objects.filter(cycle=cycle).count() if cycle else 0,
        },
    )


def _to_schemes(cycle: Cycle):
    return redirect(f"{reverse('appraisal:scheme_list')}?anno={cycle.year}")


def _admin_form_page(request, form, *, title, back, intro="", formset=None, template=None):
    return render(
        request,
        template or "appraisal/admin_form.html",
        {"form": form, "formset": formset, "title": title, "back": back, "intro": intro},
    )


@require_http_methods(["GET", "POST"])
@ente_required
def behaviour_create(request):
    _manager(request)
    form = forms.BehaviourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.behaviour_create(
                user=request.user, ente=request.ente, data=form.service_data()
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Comportamento aggiunto al dizionario.")
            return redirect("appraisal:scheme_list")
    return _admin_form_page(
        request,
        form,
        title="Nuovo comportamento organizzativo",
        back=reverse("appraisal:scheme_list"),
    )


@require_http_methods(["GET", "POST"])
@ente_required
def behaviour_edit(request, pk):
    _manager(request)
    behaviour = get_object_or_404(Behaviour, pk=pk, ente=request.ente)
    form = locking.attach(forms.BehaviourForm(request.POST or None, instance=behaviour), behaviour)
    if request.method == "POST" and form.is_valid():
        try:
            with locking.guard(form, [behaviour]):
                data = form.service_data()
                data.pop(locking.TOKEN_FIELD, None)
                services.behaviour_update(user=request.user, behaviour=behaviour, data=data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Comportamento aggiornato.")
            return redirect("appraisal:scheme_list")
    return _admin_form_page(
        request,
        form,
        title=f"Modifica comportamento: {behaviour.name}",
        back=reverse("appraisal:scheme_list"),
    )


@require_http_methods(["GET", "POST"])
@ente_required
def scheme_create(request, pk):
    _manager(request)
    cycle = _cycle(request, pk)
    form = forms.SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheme = services.scheme_create(
                user=request.user, cycle=cycle, data=form.service_data()
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Modello di scheda creato: ora indica componenti e fasce.")
            return redirect("appraisal:scheme_components", pk=scheme.pk)
    return _admin_form_page(
        request,
        form,
        title=f"Nuovo modello di scheda {cycle.year}",
        back=f"{reverse('appraisal:scheme_list')}?anno={cycle.year}",
    )


@require_http_methods(["GET", "POST"])
@ente_required
def scheme_edit(request, pk):
    _manager(request)
    scheme = _scheme(request, pk)
    form = locking.attach(forms.SchemeForm(request.POST or None, instance=scheme), scheme)
    if request.method == "POST" and form.is_valid():
        try:
            with locking.guard(form, [scheme]):
                data = form.service_data()
                data.pop(locking.TOKEN_FIELD, None)
                services.scheme_update(user=request.user, scheme=scheme, data=data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Modello di scheda aggiornato.")
            return _to_schemes(scheme.cycle)
    return _admin_form_page(
        request,
        form,
        title=f"Modifica modello: {scheme.name}",
        back=f"{reverse('appraisal:scheme_list')}?anno={scheme.cycle.year}",
    )


def _formset_error(formset, error: ServiceError) -> None:
    """A refusal of the service shown above the rows (it names the row or field itself)."""
    formset._non_form_errors = formset.error_class([error.message])


@require_http_methods(["GET", "POST"])
@ente_required
def scheme_components(request, pk):
    _manager(request)
    scheme = _scheme(request, pk)
    current = EvaluationScheme.objects.prefetch_related("components__behaviours").get(pk=scheme.pk)
    formset = forms.ComponentFormSet(
        request.POST or None,
        initial=forms.component_initial(current),
        prefix="componenti",
        ente=request.ente,
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.scheme_component_set(
                user=request.user, scheme=scheme, components=formset.components()
            )
        except ServiceError as error:
            _formset_error(formset, error)
        else:
            messages.success(request, "Componenti del modello salvati.")
            return _to_schemes(scheme.cycle)
    return render(
        request,
        "appraisal/scheme_components.html",
        {"scheme": scheme, "formset": formset, "problems": services.scheme_validate(scheme)},
    )


@require_http_methods(["GET", "POST"])
@ente_required
def scheme_bands(request, pk):
    _manager(request)
    scheme = _scheme(request, pk)
    current = EvaluationScheme.objects.prefetch_related("bands").get(pk=scheme.pk)
    formset = forms.BandFormSet(
        request.POST or None, initial=forms.band_initial(current), prefix="fasce"
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.scheme_bands_set(user=request.user, scheme=scheme, bands=formset.bands())
        except ServiceError as error:
            _formset_error(formset, error)
        else:
            messages.success(request, "Fasce di punteggio salvate.")
            return _to_schemes(scheme.cycle)
    return render(
        request,
        "appraisal/scheme_bands.html",
        {"scheme": scheme, "formset": formset, "problems": services.scheme_validate(scheme)},
    )


@require_POST
@ente_required
def schede_generate(request, pk):
    _manager(request)
    cycle = _cycle(request, pk)
    try:
        created = services.schede_generate(user=request.user, cycle=cycle)
    except ServiceError as error:
        _refuse(request, error)
    else:
        count = len(created)
        if count == 1:
            messages.success(request, "È stata preparata 1 nuova scheda.")
        elif count:
            messages.success(request, f"Sono state preparate {count} nuove schede.")
        else:
            messages.info(request, "Nessuna nuova scheda: ogni persona ne ha già una.")
    return _to_schemes(cycle)
