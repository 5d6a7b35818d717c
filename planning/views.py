"""Pages of the plan: the tree, cycles, objectives and their parts.

Every view reads through `selectors`, asks `planning.access` and writes through `services`.
Objects are fetched with the ente in the query, so ids of another ente give 404.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from functools import wraps

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import ente_required
from core import locking, pagecache
from core.exceptions import ServiceError
from core.params import int_param
from engine.numbers import parse_number
from organization.models import Unit
from planning import access as rules
from planning import forms, selectors, services
from planning.models import (
    Cycle,
    CycleState,
    Indicator,
    ObjectiveKind,
    OperationalObjective,
    Phase,
    PiaoTag,
    PlanRevision,
    StrategicArea,
    StrategicObjective,
    WeightGroup,
)

# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------


def plan_view(view):
    """Login, a chosen ente and a role in it; the view receives the user's `PlanAccess`."""

    @ente_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        pa = rules.plan_access(request.user, request.ente)
        return view(request, pa, *args, **kwargs)

    return wrapper


def _cycle(request, pk: int) -> Cycle:
    return get_object_or_404(Cycle, pk=pk, ente=request.ente)


def _objective(request, pk: int) -> OperationalObjective:
    objective = selectors.objective_for_ente(request.ente, pk)
    if objective is None:
        raise Http404("Obiettivo non trovato.")
    return objective


def _has_open(cycle: Cycle) -> bool:
    return cycle.is_frozen and selectors.open_revision(cycle) is not None


def _may_edit(pa, objective: OperationalObjective) -> bool:
    return rules.can_edit_objective(pa, objective, has_open_revision=_has_open(objective.cycle))


def _next_phase_label(cycle: Cycle) -> str:
    phase = services.cycle_next_phase(cycle)
    return phase.label if phase is not None else ""


def _refuse(request, error: ServiceError) -> None:
    messages.error(request, error.message)


# ---------------------------------------------------------------------------------------------
# Tree
# ---------------------------------------------------------------------------------------------


def _filters(request) -> selectors.TreeFilters:
    get = request.GET
    kind = get.get("tipo", "")
    tag = get.get("ambito", "")
    return selectors.TreeFilters(
        area=int_param(get.get("area")),
        service=int_param(get.get("servizio")),
        kind=kind if kind in ObjectiveKind.values else "",
        tag=tag if tag in PiaoTag.values else "",
        person=int_param(get.get("responsabile")),
        text=get.get("q", "").strip()[:200],
    )


@require_GET
@plan_view
def tree(request, pa):
    year = int_param(request.GET.get("anno"))
    cycle = selectors.current_cycle(request.ente, year)
    if cycle is None and year is not None:
        raise Http404(f"Nessun piano per l'anno {year}.")
    context = {"pa": pa, "cycle": cycle, "cycles": selectors.cycles_of(request.ente)}
    if cycle is not None:
        filters = _filters(request)
        can_structure = rules.can_edit_structure(pa, cycle, has_open_revision=_has_open(cycle))
        branch_query = _branch_query(request, cycle)
        flagged_totals, results = _cached_results(cycle, filters, can_structure, branch_query)
        context.update(
            flagged_totals=flagged_totals,
            tree_results=mark_safe(results),  # written by our own template, escaped there
            branch_query=branch_query,
            filters=filters,
            choices=pagecache.cached(
                cycle.ente_id,
                "plan-tree-choices",
                [filters.area, filters.service, filters.person, selectors.PICKER_LIMIT],
                lambda: selectors.filter_choices(request.ente, filters),
            ),
            kinds=ObjectiveKind.choices,
            tags=PiaoTag.choices,
            tag_labels=dict(PiaoTag.choices),
            can_manage=rules.can_manage_cycle(pa),
            can_add=rules.can_add_objective(pa, cycle, has_open_revision=_has_open(cycle)),
            can_structure=can_structure,
            revision=selectors.open_revision(cycle),
            next_phase_label=_next_phase_label(cycle),
        )
        if request.htmx and request.htmx.target == "plan-results":
            return HttpResponse(results)
    return render(request, "planning/tree.html", context)


def _cached_results(
    cycle: Cycle, filters: selectors.TreeFilters, can_structure: bool, branch_query: str
) -> tuple[list, str]:
    """The tree's results as written HTML, with the weight totals to flag, once per data
    version of the ente, filters and what the fragment reads of the viewer (`can_structure`):
    the access is checked before on every request, and the fragment has no form or token. The
    written text, not the tree: the cache keeps a copy (pickle), and reading back a whole
    Sorbara-size tree of model instances cost as much as writing it again (issue 12 §5)."""
    parts = [
        cycle.pk,
        asdict(filters),
        selectors.TREE_INLINE_LIMIT,
        selectors.TREE_BRANCH_LIMIT,
        can_structure,
        branch_query,
    ]

    def build() -> tuple[list, str]:
        plan = selectors.plan_tree(cycle, filters)
        fragment = {
            "plan": plan,
            "filters": filters,
            "can_structure": can_structure,
            "branch_query": branch_query,
            "tags": PiaoTag.choices,
            "tag_labels": dict(PiaoTag.choices),
        }
        html = render_to_string("planning/_tree_results.html", fragment)
        return list(plan.flagged_totals), html

    return pagecache.cached(cycle.ente_id, "plan-tree-results", parts, build)


def _branch_query(request, cycle: Cycle) -> str:
    """The tree's year and filters, encoded for the address of a branch (its pages apart)."""
    query = request.GET.copy()
    query["anno"] = str(cycle.year)
    query.pop("pagina", None)
    return query.urlencode()


def _page_links(page) -> list[int | None]:
    """Page numbers around the current one, first and last included; None marks a gap."""
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return [None if number == page.paginator.ELLIPSIS else number for number in numbers]


def _groups_of(objectives) -> set[int]:
    return {o.weight_group_id for o in objectives if o.weight_group_id is not None}


def _branch(request, pa, cycle: Cycle, *, title: str, anchor: str, base: str, **branch):
    """One branch of the tree a page at a time: the tree asks for it with HTMX when the branch
    is opened; without JavaScript the same address is a page of its own."""
    page = selectors.branch_page(cycle, _filters(request), request.GET.get("pagina"), **branch)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "pa": pa,
        "cycle": cycle,
        "title": title,
        "anchor": anchor,
        "page": page,
        "page_links": _page_links(page),
        "base": base,
        "query": _branch_query(request, cycle),
        "target": f"#{anchor}" if partial else "",
        "plan": {"totals": selectors.weight_totals(cycle, _groups_of(page.object_list))},
        "tag_labels": dict(PiaoTag.choices),
    }
    template = "planning/_tree_branch.html" if partial else "planning/tree_branch.html"
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request")
@plan_view
def tree_strategic_branch(request, pa, pk):
    strategic = get_object_or_404(
        StrategicObjective.objects.select_related("cycle"), pk=pk, cycle__ente=request.ente
    )
    label = f"{strategic.code} {strategic.title}" if strategic.code else strategic.title
    return _branch(
        request,
        pa,
        strategic.cycle,
        title=f"Obiettivi operativi dell'obiettivo strategico {label}",
        anchor=f"ramo-strategico-{strategic.pk}",
        base=reverse("planning:tree_strategic_branch", args=[strategic.pk]),
        strategic=strategic,
    )


@require_GET
@vary_on_headers("HX-Request")
@plan_view
def tree_unit_branch(request, pa, pk=None):
    cycle = selectors.current_cycle(request.ente, int_param(request.GET.get("anno")))
    if cycle is None:
        raise Http404("Nessun piano per l'anno indicato.")
    unit = get_object_or_404(Unit, pk=pk, ente=request.ente) if pk is not None else None
    if unit is None:
        base = reverse("planning:tree_no_unit_branch")
        title, anchor = "Obiettivi operativi senza unità responsabile", "ramo-senza-unita"
    else:
        base = reverse("planning:tree_unit_branch", args=[unit.pk])
        title, anchor = f"Obiettivi operativi di {unit.name}", f"ramo-unita-{unit.pk}"
    return _branch(request, pa, cycle, title=title, anchor=anchor, base=base, unit=unit)


@require_GET
@vary_on_headers("HX-Request")
@plan_view
def tree_area_branch(request, pa, pk):
    """The unit branches of an area of a large plan (selectors.TREE_BRANCH_LIMIT): the tree asks
    for them with HTMX when the area is opened; without JavaScript a page of its own."""
    cycle = selectors.current_cycle(request.ente, int_param(request.GET.get("anno")))
    if cycle is None:
        raise Http404("Nessun piano per l'anno indicato.")
    area = get_object_or_404(Unit, pk=pk, ente=request.ente)
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "pa": pa,
        "cycle": cycle,
        "area": area,
        "title": f"Obiettivi operativi per unità di {area.name}",
        "anchor": f"ramo-area-{area.pk}",
        "nodes": selectors.area_branches(cycle, _filters(request), area),
        "branch_query": _branch_query(request, cycle),
    }
    template = "planning/_tree_area.html" if partial else "planning/tree_area.html"
    return render(request, template, context)


def _options_response(found: list[tuple[int, str]], more: bool) -> JsonResponse:
    return JsonResponse(
        {"options": [{"value": pk, "label": label} for pk, label in found], "more": more}
    )


@require_GET
@plan_view
def unit_options(request, pa):
    """The units matching `?q=`, for the unit menus of the tree's filters (performa.js)."""
    return _options_response(*selectors.unit_matches(request.ente, request.GET.get("q", "")))


@require_GET
@plan_view
def person_options(request, pa):
    """The responsabili matching `?q=`, for the tree's «Responsabile» menu (performa.js)."""
    return _options_response(*selectors.person_matches(request.ente, request.GET.get("q", "")))


# ---------------------------------------------------------------------------------------------
# Cycles
# ---------------------------------------------------------------------------------------------


@require_GET
@plan_view
def cycle_list(request, pa):
    return render(
        request,
        "planning/cycle_list.html",
        {"cycles": selectors.cycles_of(request.ente), "can_manage": rules.can_manage_cycle(pa)},
    )


@require_http_methods(["GET", "POST"])
@plan_view
def cycle_create(request, pa):
    rules.require(rules.can_manage_cycle(pa))
    form = forms.CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(
                user=request.user, ente=request.ente, data=form.cleaned_data
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Ciclo {cycle.year} creato in bozza.")
            return redirect(f"{reverse('planning:tree')}?anno={cycle.year}")
    return render(
        request, "planning/form.html", {"form": form, "title": "Nuovo ciclo della performance"}
    )


@require_http_methods(["GET", "POST"])
@plan_view
def cycle_edit(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa) and cycle.state == CycleState.DRAFT)
    form = locking.attach(forms.CycleForm(request.POST or None, instance=cycle), cycle)
    if request.method == "POST" and form.is_valid():
        try:
            with locking.guard(form, [cycle]):
                services.cycle_update(user=request.user, cycle=cycle, data=form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Dati del ciclo aggiornati.")
            return redirect(f"{reverse('planning:tree')}?anno={cycle.year}")
    return render(
        request,
        "planning/form.html",
        {"form": form, "title": f"Dati del ciclo {cycle.year}", "cycle": cycle},
    )


def _back_to_cycle(cycle: Cycle):
    return redirect(f"{reverse('planning:tree')}?anno={cycle.year}")


@require_POST
@plan_view
def cycle_advance(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa))
    try:
        services.cycle_advance(user=request.user, cycle=cycle)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(
            request, f"Il ciclo {cycle.year} è ora in fase «{cycle.get_state_display()}»."
        )
    return _back_to_cycle(cycle)


@require_POST
@plan_view
def cycle_propose(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa))
    try:
        services.cycle_propose(user=request.user, cycle=cycle)
    except ServiceError as error:
        for problem in getattr(error, "problems", None) or [error.message]:
            messages.error(request, problem)
        messages.error(request, "Il piano non è stato proposto: correggi i punti indicati.")
    else:
        messages.success(request, f"Il piano {cycle.year} è stato proposto per l'approvazione.")
    return _back_to_cycle(cycle)


@require_http_methods(["GET", "POST"])
@plan_view
def cycle_approve(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa))
    form = forms.ApproveForm(
        request.POST or None, initial={"approval_body": request.ente.governing_body}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cycle_approve(
                user=request.user,
                cycle=cycle,
                act_number=data["act_number"],
                act_date=data["act_date"],
                approval_body=data["approval_body"],
            )
        except ServiceError as error:
            _refuse(request, error)
        else:
            messages.success(request, f"Il piano {cycle.year} è approvato.")
            return _back_to_cycle(cycle)
    return render(
        request,
        "planning/form.html",
        {
            "form": form,
            "title": f"Approvazione del piano {cycle.year}",
            "cycle": cycle,
            "submit": "Approva il piano",
        },
    )


@require_http_methods(["GET", "POST"])
@plan_view
def cycle_return(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa))
    form = forms.ReturnToDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_return_to_draft(
                user=request.user, cycle=cycle, reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            _refuse(request, error)
        else:
            messages.success(request, f"Il piano {cycle.year} è tornato in bozza.")
            return _back_to_cycle(cycle)
    return render(
        request,
        "planning/form.html",
        {
            "form": form,
            "title": f"Riporta in bozza il piano {cycle.year}",
            "cycle": cycle,
            "submit": "Riporta in bozza",
        },
    )


@require_http_methods(["GET", "POST"])
@plan_view
def cycle_copy(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa))
    form = forms.CopyForm(request.POST or None, initial={"year": cycle.year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.cycle_copy_as_draft(
                user=request.user, cycle=cycle, year=form.cleaned_data["year"]
            )
        except ServiceError as error:
            form.add_error("year", error.message)
        else:
            messages.success(
                request, f"Il piano {new.year} è stato preparato in bozza dal piano {cycle.year}."
            )
            for change in new.renamed:
                messages.info(
                    request, f"{change.what}: «{change.before}» diventa «{change.after}»."
                )
            return _back_to_cycle(new)
    return render(
        request,
        "planning/form.html",
        {
            "form": form,
            "title": "Prepara il piano dell'anno successivo",
            "cycle": cycle,
            "intro": (
                f"Tutto il piano {cycle.year} (aree e obiettivi strategici, gruppi di "
                "pesatura, obiettivi, fasi, indicatori e target) viene copiato in un nuovo "
                "piano in bozza. Le date e gli anni nei titoli si spostano di anno, tranne "
                "quelli degli obiettivi pluriennali che appartengono ancora al nuovo anno, "
                "riportati con i loro anni; gli altri testi come scritti restano da rivedere."
            ),
            "submit": "Prepara il piano",
        },
    )


@require_http_methods(["GET", "POST"])
@plan_view
def revision_open(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_cycle(pa))
    form = forms.RevisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.revision_open(user=request.user, cycle=cycle, **form.cleaned_data)
        except ServiceError as error:
            _refuse(request, error)
        else:
            messages.success(request, f"{revision} aperta: ora il piano si può modificare.")
            return _back_to_cycle(cycle)
    return render(
        request,
        "planning/form.html",
        {
            "form": form,
            "title": f"Apri una revisione del piano {cycle.year}",
            "cycle": cycle,
            "intro": "Le variazioni del piano approvato vanno motivate e restano nella storia di "
            "ogni obiettivo (art. 10 c. 3 D.Lgs. 150/2009).",
            "submit": "Apri la revisione",
        },
    )


@require_POST
@plan_view
def revision_close(request, pa, pk):
    revision = get_object_or_404(PlanRevision, pk=pk, cycle__ente=request.ente)
    rules.require(rules.can_manage_cycle(pa))
    try:
        services.revision_close(user=request.user, revision=revision)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, f"{revision} chiusa: il piano torna immodificabile.")
    return _back_to_cycle(revision.cycle)


# ---------------------------------------------------------------------------------------------
# Objectives
# ---------------------------------------------------------------------------------------------


@require_GET
@plan_view
def objective_detail(request, pa, pk):
    objective = _objective(request, pk)
    cycle = objective.cycle
    total = None
    if objective.weight_group is not None:
        total = selectors.weight_total_with(
            objective.weight_group, objective=objective, weight=objective.weight
        )
    return render(
        request,
        "planning/objective_detail.html",
        {
            "objective": objective,
            "cycle": cycle,
            "total": total,
            "years": list(range(cycle.first_year, cycle.last_year + 1)),
            "can_edit": _may_edit(pa, objective),
            "tag_labels": dict(PiaoTag.choices),
        },
    )


def _objective_form(request, pa, cycle, objective=None):
    unit_ids = None if pa.is_admin else pa.led_unit_ids
    form = forms.ObjectiveForm(
        request.POST or None, instance=objective, cycle=cycle, unit_ids=unit_ids
    )
    if objective is not None:
        form.enable_running_total(reverse("planning:objective_weight_total", args=[objective.pk]))
    else:
        form.enable_running_total(reverse("planning:cycle_weight_total", args=[cycle.pk]))
    return form


def _objective_form_page(request, form, cycle, objective):
    """The form page; after a refused save the running total is the one of what was typed
    (weight and group), so it agrees with the errors shown above it."""
    warning = ""
    if form.is_bound:
        total, warning = _typed_total(cycle, objective, form.data)
    elif objective is not None and objective.weight_group is not None:
        total = selectors.weight_total_with(
            objective.weight_group, objective=objective, weight=objective.weight
        )
    else:
        total = None
    return render(
        request,
        "planning/objective_form.html",
        {
            "form": form,
            "cycle": cycle,
            "objective": objective,
            "total": total,
            "warning": warning,
        },
    )


@require_http_methods(["GET", "POST"])
@plan_view
def objective_create(request, pa, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_add_objective(pa, cycle, has_open_revision=_has_open(cycle)))
    form = _objective_form(request, pa, cycle)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(
                user=request.user, cycle=cycle, data=form.cleaned_data
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Obiettivo inserito.")
            return redirect("planning:objective_detail", pk=objective.pk)
    return _objective_form_page(request, form, cycle, None)


@require_http_methods(["GET", "POST"])
@plan_view
def objective_edit(request, pa, pk):
    objective = _objective(request, pk)
    rules.require(_may_edit(pa, objective), "Non puoi modificare questo obiettivo.")
    form = locking.attach(_objective_form(request, pa, objective.cycle, objective), objective)
    if request.method == "POST" and form.is_valid():
        try:
            with locking.guard(form, [objective]):
                services.objective_update(
                    user=request.user, objective=objective, data=form.cleaned_data
                )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Obiettivo aggiornato.")
            return redirect("planning:objective_detail", pk=objective.pk)
    return _objective_form_page(request, form, objective.cycle, objective)


@require_POST
@plan_view
def objective_delete(request, pa, pk):
    objective = _objective(request, pk)
    rules.require(_may_edit(pa, objective), "Non puoi eliminare questo obiettivo.")
    try:
        services.objective_delete(user=request.user, objective=objective)
    except ServiceError as error:
        _refuse(request, error)
        return redirect("planning:objective_detail", pk=objective.pk)
    messages.success(request, "Obiettivo eliminato.")
    return _back_to_cycle(objective.cycle)


def _typed_weight(raw: str) -> tuple[Decimal | None, str]:
    raw = (raw or "").strip()
    if not raw:
        return None, ""
    try:
        value = parse_number(raw)
    except ValueError:
        return None, "Il peso indicato non è un numero: il totale non lo considera."
    problem = forms.weight_problem(value)
    if problem:
        return None, f"{problem} Il totale non lo considera."
    return value, ""


def _typed_total(
    cycle: Cycle, objective: OperationalObjective | None, data
) -> tuple[selectors.WeightTotal | None, str]:
    """The total of the weight group in `data` (the objective's own when `data` names none)
    with the weight typed in `data`, and the warning when that weight cannot count."""
    weight, warning = _typed_weight(data.get("weight", ""))
    group_id = int_param(data.get("weight_group"))
    if group_id is None and "weight_group" not in data and objective is not None:
        group_id = objective.weight_group_id
    group = WeightGroup.objects.filter(pk=group_id, cycle=cycle).first() if group_id else None
    total = (
        selectors.weight_total_with(group, objective=objective, weight=weight) if group else None
    )
    return total, warning


def _weight_total_response(request, cycle: Cycle, objective: OperationalObjective | None):
    """The running total of the chosen weight group, computed with the typed weight."""
    total, warning = _typed_total(cycle, objective, request.GET)
    return render(request, "planning/_weight_total.html", {"total": total, "warning": warning})


@require_GET
@plan_view
def objective_weight_total(request, pa, pk):
    objective = _objective(request, pk)
    return _weight_total_response(request, objective.cycle, objective)


@require_GET
@plan_view
def cycle_weight_total(request, pa, pk):
    return _weight_total_response(request, _cycle(request, pk), None)


# ---------------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------------


def _part_form_page(request, form, objective, title, *, extra=None):
    context = {"form": form, "objective": objective, "cycle": objective.cycle, "title": title}
    context.update(extra or {})
    return render(request, "planning/part_form.html", context)


@require_http_methods(["GET", "POST"])
@plan_view
def phase_create(request, pa, pk):
    objective = _objective(request, pk)
    rules.require(_may_edit(pa, objective), "Non puoi modificare questo obiettivo.")
    form = forms.PhaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_create(user=request.user, objective=objective, data=form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Fase aggiunta.")
            return redirect("planning:objective_detail", pk=objective.pk)
    return _part_form_page(request, form, objective, "Nuova fase")


def _phase(request, pk) -> Phase:
    return get_object_or_404(
        Phase.objects.select_related("objective__cycle"),
        pk=pk,
        objective__cycle__ente=request.ente,
    )


@require_http_methods(["GET", "POST"])
@plan_view
def phase_edit(request, pa, pk):
    phase = _phase(request, pk)
    objective = _objective(request, phase.objective_id)
    rules.require(_may_edit(pa, objective), "Non puoi modificare questo obiettivo.")
    form = locking.attach(forms.PhaseForm(request.POST or None, instance=phase), phase)
    if request.method == "POST" and form.is_valid():
        try:
            with locking.guard(form, [phase]):
                services.phase_update(user=request.user, phase=phase, data=form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Fase aggiornata.")
            return redirect("planning:objective_detail", pk=objective.pk)
    return _part_form_page(request, form, objective, "Modifica fase")


@require_POST
@plan_view
def phase_delete(request, pa, pk):
    phase = _phase(request, pk)
    objective = _objective(request, phase.objective_id)
    rules.require(_may_edit(pa, objective), "Non puoi modificare questo obiettivo.")
    try:
        services.phase_delete(user=request.user, phase=phase)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, "Fase eliminata.")
    return redirect("planning:objective_detail", pk=objective.pk)


# ---------------------------------------------------------------------------------------------
# Indicators with their targets
# ---------------------------------------------------------------------------------------------


def _save_indicator(request, form, target_forms, *, cycle, objective, indicator):
    """Indicator first, then the target of each year; the first refusal stops everything."""
    data = dict(form.cleaned_data)
    if indicator is None:
        data["objective"] = objective
        indicator = services.indicator_create(user=request.user, cycle=cycle, data=data)
    else:
        services.indicator_update(user=request.user, indicator=indicator, data=data)
    for target_form in target_forms:
        values = target_form.cleaned_data
        try:
            if values.get("kind"):
                services.target_set(
                    user=request.user, indicator=indicator, year=target_form.year, data=values
                )
            else:
                services.target_clear(user=request.user, indicator=indicator, year=target_form.year)
        except ServiceError as error:
            target_form.add_service_error(error)
            raise
    return indicator


def _indicator_page(request, pa, objective, indicator=None):
    cycle = objective.cycle
    rules.require(_may_edit(pa, objective), "Non puoi modificare questo obiettivo.")
    data = request.POST if request.method == "POST" else None
    form = forms.IndicatorForm(data, instance=indicator, objective=objective)
    if indicator is not None:
        locking.attach(form, indicator, *indicator.targets.all())
    target_forms = forms.target_forms(indicator, cycle, data)
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in target_forms):
        rows = (lambda: [indicator, *indicator.targets.all()]) if indicator is not None else []
        try:
            with transaction.atomic(), locking.guard(form, rows):
                _save_indicator(
                    request,
                    form,
                    target_forms,
                    cycle=cycle,
                    objective=objective,
                    indicator=indicator,
                )
        except ServiceError as error:
            if not any(f.errors for f in target_forms):
                form.add_service_error(error)
        else:
            messages.success(request, "Indicatore salvato con i suoi target.")
            return redirect("planning:objective_detail", pk=objective.pk)
    return _part_form_page(
        request,
        form,
        objective,
        "Modifica indicatore" if indicator else "Nuovo indicatore",
        extra={"target_forms": target_forms},
    )


@require_http_methods(["GET", "POST"])
@plan_view
def indicator_create(request, pa, pk):
    return _indicator_page(request, pa, _objective(request, pk))


def _indicator(request, pk) -> Indicator:
    return get_object_or_404(
        Indicator.objects.prefetch_related("targets"),
        pk=pk,
        cycle__ente=request.ente,
        objective__isnull=False,
    )


@require_http_methods(["GET", "POST"])
@plan_view
def indicator_edit(request, pa, pk):
    indicator = _indicator(request, pk)
    return _indicator_page(request, pa, _objective(request, indicator.objective_id), indicator)


@require_POST
@plan_view
def indicator_delete(request, pa, pk):
    indicator = _indicator(request, pk)
    objective = _objective(request, indicator.objective_id)
    rules.require(_may_edit(pa, objective), "Non puoi modificare questo obiettivo.")
    try:
        services.indicator_delete(user=request.user, indicator=indicator)
    except ServiceError as error:
        _refuse(request, error)
    else:
        messages.success(request, "Indicatore eliminato.")
    return redirect("planning:objective_detail", pk=objective.pk)


# ---------------------------------------------------------------------------------------------
# Strategic layer and weight groups
# ---------------------------------------------------------------------------------------------


def _structure_page(
    request, pa, plan_cycle, form_class, *, instance=None, create, update, title, **form_kwargs
):
    """Create or edit a piece of the strategic layer or a weight group (admins only)."""
    cycle = plan_cycle
    rules.require(
        rules.can_edit_structure(pa, cycle, has_open_revision=_has_open(cycle)),
        "Solo il Segretario o il Direttore modifica questa parte del piano, e solo in bozza o "
        "con una revisione aperta.",
    )
    form = form_class(request.POST or None, instance=instance, **form_kwargs)
    if instance is not None:
        locking.attach(form, instance)
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                create(user=request.user, cycle=cycle, data=form.cleaned_data)
            else:
                with locking.guard(form, [instance]):
                    update(instance, form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Modifica salvata.")
            return _back_to_cycle(cycle)
    return render(request, "planning/form.html", {"form": form, "title": title, "cycle": cycle})


@require_http_methods(["GET", "POST"])
@plan_view
def strategic_area_create(request, pa, pk):
    cycle = _cycle(request, pk)
    return _structure_page(
        request,
        pa,
        cycle,
        forms.StrategicAreaForm,
        create=services.strategic_area_create,
        update=None,
        title="Nuova area strategica",
    )


@require_http_methods(["GET", "POST"])
@plan_view
def strategic_area_edit(request, pa, pk):
    area = get_object_or_404(StrategicArea, pk=pk, cycle__ente=request.ente)
    return _structure_page(
        request,
        pa,
        area.cycle,
        forms.StrategicAreaForm,
        instance=area,
        create=None,
        update=lambda obj, data: services.strategic_area_update(
            user=request.user, area=obj, data=data
        ),
        title="Modifica area strategica",
    )


@require_http_methods(["GET", "POST"])
@plan_view
def strategic_objective_create(request, pa, pk):
    cycle = _cycle(request, pk)
    return _structure_page(
        request,
        pa,
        cycle,
        forms.StrategicObjectiveForm,
        cycle=cycle,
        create=services.strategic_objective_create,
        update=None,
        title="Nuovo obiettivo strategico",
    )


@require_http_methods(["GET", "POST"])
@plan_view
def strategic_objective_edit(request, pa, pk):
    strategic = get_object_or_404(StrategicObjective, pk=pk, cycle__ente=request.ente)
    return _structure_page(
        request,
        pa,
        strategic.cycle,
        forms.StrategicObjectiveForm,
        instance=strategic,
        cycle=strategic.cycle,
        create=None,
        update=lambda obj, data: services.strategic_objective_update(
            user=request.user, strategic=obj, data=data
        ),
        title="Modifica obiettivo strategico",
    )


@require_GET
@plan_view
def weight_groups(request, pa, pk):
    cycle = _cycle(request, pk)
    totals = selectors.weight_totals(cycle)
    return render(
        request,
        "planning/weight_groups.html",
        {
            "cycle": cycle,
            "totals": list(totals.values()),
            "loose": selectors.weighted_objectives_without_group(cycle),
            "can_structure": rules.can_edit_structure(
                pa, cycle, has_open_revision=_has_open(cycle)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@plan_view
def weight_group_create(request, pa, pk):
    cycle = _cycle(request, pk)
    return _structure_page(
        request,
        pa,
        cycle,
        forms.WeightGroupForm,
        cycle=cycle,
        create=services.weight_group_create,
        update=None,
        title="Nuovo gruppo di pesatura",
    )


@require_http_methods(["GET", "POST"])
@plan_view
def weight_group_edit(request, pa, pk):
    group = get_object_or_404(WeightGroup, pk=pk, cycle__ente=request.ente)
    return _structure_page(
        request,
        pa,
        group.cycle,
        forms.WeightGroupForm,
        instance=group,
        cycle=group.cycle,
        create=None,
        update=lambda obj, data: services.weight_group_update(
            user=request.user, group=obj, data=data
        ),
        title="Modifica gruppo di pesatura",
    )
