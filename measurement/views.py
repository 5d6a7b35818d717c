"""Pages of monitoring and measurement: windows, values, deadlines, dashboards, SMVP.

Every view asks `measurement.access` (through `MeasurementAccess`, computed once per request),
reads through `selectors` and writes through `services`. Objects are fetched with the ente in
the query, so another ente's ids give 404. A refusal of a service (`ServiceError`) becomes an
error next to the field it names; `AccessDenied` becomes 403.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import NUCLEO
from accounts.decorators import ente_required
from core import pagecache
from core.exceptions import AccessDenied, ServiceError
from core.params import int_param
from engine import achievement as ea
from engine.config import ConfigError, SmvpSettings
from engine.numbers import format_date, format_number, format_percent
from engine.status import ObjectiveStatus
from measurement import access as rules
from measurement import forms, scoring, selectors, services
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementState,
    MonitoringWindow,
    ObjectiveDelegate,
    PeriodKind,
)
from organization.models import Parameter, Person, Unit
from planning import formulas
from planning.models import (
    FROZEN_STATES,
    Cycle,
    Indicator,
    OperationalObjective,
    Phase,
    Polarity,
    Target,
)
from planning.selectors import chosen_cycle

# ---------------------------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------------------------


def measurement_view(view):
    """Login, a chosen ente and a role in it; the view receives the user's `MeasurementAccess`."""

    @ente_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        ma = rules.measurement_access(request.user, request.ente)
        try:
            return view(request, ma, *args, **kwargs)
        except AccessDenied as error:
            raise PermissionDenied(error.message) from error

    return wrapper


def _today() -> dt.date:
    return timezone.localdate()


def _chosen_cycle(request) -> tuple[Cycle | None, list[Cycle]]:
    """The cycle of `?anno=` (404 when the ente has none) or the latest approved one: only
    cycles whose plan is approved (or later) are monitored."""
    return chosen_cycle(
        request.ente,
        request.GET.get("anno"),
        states=FROZEN_STATES,
        missing="Nessun piano approvato per l'anno {year}.",
    )


def _cycle(request, pk: int) -> Cycle:
    return get_object_or_404(Cycle, pk=pk, ente=request.ente)


def _home(cycle: Cycle) -> str:
    return f"{reverse('measurement:home')}?anno={cycle.year}"


def _indicator(request, pk: int) -> Indicator:
    return get_object_or_404(
        Indicator.objects.select_related(
            "cycle__ente", "objective__unit", "objective__cycle", "unit", "group", "phase"
        ),
        pk=pk,
        cycle__ente=request.ente,
    )


def _objective(request, pk: int) -> OperationalObjective:
    return get_object_or_404(
        OperationalObjective.objects.select_related("cycle__ente", "unit"),
        pk=pk,
        cycle__ente=request.ente,
    )


def _measurement(request, pk: int) -> Measurement:
    return get_object_or_404(
        Measurement.objects.select_related(
            "cycle__ente", "indicator__objective__unit", "indicator__group", "parameter__unit"
        ),
        pk=pk,
        cycle__ente=request.ente,
    )


def _subject_url(measurement: Measurement) -> str:
    if measurement.indicator_id is not None:
        return reverse("measurement:indicator", args=[measurement.indicator_id])
    return (
        f"{reverse('measurement:parameters', args=[measurement.parameter.unit_id])}"
        f"?anno={measurement.cycle.year}"
    )


def _may_read_person(ma: rules.MeasurementAccess, person: Person) -> bool:
    """A person's dashboard: the person, administrators and the Nucleo/OIV."""
    return ma.is_admin or ma.access.has(NUCLEO) or person.pk in ma.person_ids


# ---------------------------------------------------------------------------------------------
# Monitoring home, windows, reminders
# ---------------------------------------------------------------------------------------------


@require_GET
@measurement_view
def home(request, ma):
    cycle, cycles = _chosen_cycle(request)
    context = {"cycle": cycle, "cycles": cycles, "ma": ma}
    if cycle is not None:
        can_manage = rules.can_manage_windows(ma)
        context.update(
            windows=list(
                MonitoringWindow.objects.filter(cycle=cycle)
                .select_related("closed_by")
                .order_by("period_end")
            ),
            can_manage=can_manage,
            can_remind=rules.can_send_reminders(ma),
            window_form=forms.WindowForm() if can_manage else None,
            units=list(
                Unit.objects.filter(ente=request.ente, parent__isnull=True).order_by("order", "id")
            ),
            own_person_id=ma.access.person_id,
        )
        if rules.can_see_coverage(ma):
            context["coverage"] = selectors.coverage(cycle)
    return render(request, "measurement/home.html", context)


@require_http_methods(["GET", "POST"])
@measurement_view
def window_create(request, ma, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_manage_windows(ma), "Solo l'amministratore apre le finestre.")
    form = forms.WindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            window = services.window_create(user=request.user, cycle=cycle, **form.cleaned_data)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Finestra «{window.label}» aperta.")
            return redirect(_home(cycle))
    return render(
        request,
        "measurement/form.html",
        {
            "form": form,
            "cycle": cycle,
            "title": f"Nuova finestra di monitoraggio {cycle.year}",
            "intro": "Una finestra raccoglie i valori dei periodi che terminano entro la sua "
            "data di riferimento (es. 30 giugno, 30 settembre, rilevazione finale).",
            "submit": "Apri la finestra",
            "back": _home(cycle),
        },
    )


@require_http_methods(["GET", "POST"])
@measurement_view
def window_close(request, ma, pk):
    window = get_object_or_404(
        MonitoringWindow.objects.select_related("cycle"), pk=pk, cycle__ente=request.ente
    )
    cycle = window.cycle
    rules.require(rules.can_manage_windows(ma), "Solo l'amministratore chiude le finestre.")
    if request.method == "POST":
        try:
            services.window_close(user=request.user, window=window)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Finestra «{window.label}» chiusa: valori e punteggi sono stati congelati.",
            )
            return redirect(_home(cycle))
    return render(
        request,
        "measurement/window_close.html",
        {"window": window, "cycle": cycle, "coverage": selectors.coverage(cycle, window=window)},
    )


@require_POST
@measurement_view
def reminders_send(request, ma, pk):
    cycle = _cycle(request, pk)
    rules.require(rules.can_send_reminders(ma), "Solo l'amministratore invia i solleciti.")
    try:
        sent = services.reminders_send(user=request.user, cycle=cycle)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        missing = getattr(sent, "without_email", [])
        if sent:
            messages.success(request, f"Solleciti inviati: {len(sent)}.")
        elif missing:
            messages.info(request, "Nessun sollecito inviato per e-mail.")
        else:
            messages.info(request, "Nessun sollecito inviato: non ci sono valori in attesa.")
        if missing:
            names = ", ".join(str(person) for person in missing)
            messages.warning(
                request, f"Senza indirizzo e-mail, da sollecitare di persona: {names}."
            )
    return redirect(_home(cycle))


# ---------------------------------------------------------------------------------------------
# «Le mie scadenze»
# ---------------------------------------------------------------------------------------------


def _person_ids(ma) -> list[int]:
    return sorted(ma.person_ids)


@require_GET
@measurement_view
def my_deadlines(request, ma):
    cycle, cycles = _chosen_cycle(request)
    people = list(Person.objects.filter(pk__in=_person_ids(ma), ente=request.ente))
    items = []
    if cycle is not None:
        today = _today()
        for person in people:
            items.extend(selectors.pending_updates(cycle, person, today))
        items.sort(key=lambda item: (not item.overdue, item.period_end))
    rows, seen = [], set()
    references = (
        selectors.deadline_references(cycle, (i.indicator.pk for i in items if i.indicator))
        if cycle is not None
        else None
    )
    for item in items:
        if _deadline_prefix(item) not in seen:
            seen.add(_deadline_prefix(item))
            row = _deadline_row(item)
            if references is not None and item.indicator is not None:
                row["target"] = references.targets.get(item.indicator.pk)
                row["previous"] = references.previous(item.indicator.pk, item.period_end)
            rows.append(row)
    return render(
        request,
        "measurement/my_deadlines.html",
        {"cycle": cycle, "cycles": cycles, "people": people, "rows": rows},
    )


def _deadline_prefix(item) -> str:
    kind, pk = ("i", item.indicator.pk) if item.indicator is not None else ("p", item.parameter.pk)
    return f"{kind}{pk}-{item.period_end:%Y%m%d}"


def _deadline_row(item, form=None, saved=None, conflict=None, achievement=None) -> dict:
    if form is None:
        form = forms.QuickValueForm(
            prefix=_deadline_prefix(item),
            initial={"expected_version": 0},
            descriptive=getattr(item, "descriptive", False),
        )
    if item.indicator is None or not _is_milestone(item.indicator, None):
        form.fields.pop("completed_on", None)
    if item.indicator is None:
        form.fields.pop("deviation_note", None)
    return {
        "item": item,
        "form": form,
        "saved": saved,
        "conflict": conflict,
        "achievement": achievement,
        "prefix": _deadline_prefix(item),
    }


class _Deadline:
    """The deadline an inline form refers to, rebuilt from the subject and the date."""

    def __init__(self, *, indicator=None, parameter=None, period_end: dt.date):
        self.indicator = indicator
        self.parameter = parameter
        self.objective = indicator.objective if indicator is not None else None
        self.period_end = period_end
        self.overdue = period_end < _today()
        self.descriptive = indicator is not None and selectors.is_descriptive(indicator)

    @property
    def subject_label(self) -> str:
        if self.indicator is not None:
            return f"Indicatore «{self.indicator.name[:120]}»"
        return f"Parametro «{self.parameter}»"


def _deadline_subject(request, ma) -> tuple[Indicator | None, Parameter | None, Cycle]:
    """The indicator (or the service parameter) a deadline's value is for, and its cycle; the
    user must be allowed to enter it."""
    if request.POST.get("indicator"):
        indicator = _indicator(request, int_param(request.POST.get("indicator")) or 0)
        rules.require(
            rules.can_enter(ma, indicator), "Non puoi inserire valori per questo indicatore."
        )
        return indicator, None, indicator.cycle
    parameter = get_object_or_404(
        Parameter.objects.select_related("unit__ente"),
        pk=int_param(request.POST.get("parameter")) or 0,
        unit__ente=request.ente,
    )
    cycle = _cycle(request, int_param(request.POST.get("cycle")) or 0)
    rules.require(
        rules.can_enter_parameter(ma, parameter),
        "Non puoi inserire valori per questo parametro.",
    )
    return None, parameter, cycle


@require_POST
@measurement_view
def deadline_save(request, ma):
    """Inline entry of an expected value (HTMX), at the date the deadline names."""
    period_end = _iso_date(request.POST.get("period_end"))
    if period_end is None:
        raise Http404("Scadenza non indicata.")
    indicator, parameter, cycle = _deadline_subject(request, ma)
    item = _Deadline(indicator=indicator, parameter=parameter, period_end=period_end)
    form = forms.QuickValueForm(
        request.POST, prefix=_deadline_prefix(item), descriptive=item.descriptive
    )
    saved = conflict = achievement = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.measurement_save(
                user=request.user,
                cycle=cycle,
                indicator=indicator,
                parameter=parameter,
                period_kind=PeriodKind.POINT,
                period_end=period_end,
                value=data["value"].strip() or None,
                completed_on=data.get("completed_on") if indicator is not None else None,
                deviation_note=data.get("deviation_note", "") if indicator is not None else "",
                expected_version=data["expected_version"],
            )
        except ServiceError as error:
            form.add_service_error(error)
            if error.code == "conflict":
                subject = {"indicator": indicator} if indicator else {"parameter": parameter}
                conflict = (
                    Measurement.objects.select_related("entered_by")
                    .filter(period_end=period_end, **subject)
                    .first()
                )
                form = _rebound(form, conflict)
    if saved is not None and indicator is not None:
        achievement = _achievement_of(indicator, saved.value, saved.completed_on, period_end)
    row = _deadline_row(item, form, saved, conflict, achievement)
    if request.htmx:
        return render(request, "measurement/_deadline_row.html", {"row": row, "cycle": cycle})
    if saved is not None:
        messages.success(request, "Valore salvato.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('measurement:my_deadlines')}?anno={cycle.year}")


def _iso_date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(raw or "").strip())
    except ValueError:
        return None


def _current_value(indicator: Indicator, period_end) -> Measurement | None:
    return (
        Measurement.objects.select_related("entered_by")
        .filter(indicator=indicator, period_end=period_end)
        .first()
    )


def _rebound(form, current: Measurement | None):
    """The same form with the version now stored: saving again is a deliberate overwrite."""
    data = form.data.copy() if isinstance(form.data, QueryDict) else QueryDict(mutable=True)
    data[form.add_prefix("expected_version")] = str(current.version if current else 0)
    rebound = type(form)(data, **_form_kwargs(form))
    rebound.is_valid()
    for field, errors in form.errors.items():
        for error in errors:
            if error not in rebound.errors.get(field, []):
                rebound.add_error(field if field != "__all__" else None, error)
    return rebound


def _form_kwargs(form) -> dict:
    kwargs = {"prefix": form.prefix}
    if isinstance(form, forms.MeasurementForm):
        kwargs["milestone"] = form.milestone
    if isinstance(form, forms.QuickValueForm):
        kwargs["descriptive"] = form.descriptive
    return kwargs


# ---------------------------------------------------------------------------------------------
# Indicator: values, preview, approval, corrections, evidence
# ---------------------------------------------------------------------------------------------


def _target(indicator: Indicator) -> Target | None:
    return selectors.target_of_year(indicator)


def _settings(cycle: Cycle) -> SmvpSettings:
    return scoring.ente_settings(cycle.ente.smvp_settings)


def _achievement_of(indicator, value, completed_on, as_of, *, target=None, settings=None):
    """What the engine makes of a value of `indicator` (pure; no query when given the target)."""
    if target is None:
        target = _target(indicator)
    settings = settings or _settings(indicator.cycle)
    return ea.score_indicator(
        scoring.engine_target(indicator, target),
        ea.Measurement(value=value, completed_on=completed_on, as_of=as_of),
        settings.indicator,
        baseline=indicator.baseline_value,
        cap=settings.cap,
    )


def _closed_windows(cycle: Cycle) -> list[MonitoringWindow]:
    return selectors.closed_windows(cycle)


def _closing(windows: list[MonitoringWindow], period_end: dt.date) -> MonitoringWindow | None:
    return next((window for window in windows if window.period_end >= period_end), None)


def _is_milestone(indicator: Indicator, target: Target | None) -> bool:
    return indicator.polarity == Polarity.MILESTONE or (
        target is not None and target.kind == "by_date"
    )


def _measurement_form(indicator, target, data=None, *, editing: Measurement | None = None):
    initial = {"expected_version": 0, "is_cumulative": True}
    if editing is not None:
        initial = {
            "period_kind": editing.period_kind,
            "period_end": editing.period_end,
            "value": format_number(editing.value) if editing.value is not None else "",
            "completed_on": editing.completed_on,
            "is_cumulative": editing.is_cumulative,
            "note": editing.note,
            "deviation_note": editing.deviation_note,
            "expected_version": editing.version,
        }
    form = forms.MeasurementForm(data, initial=initial, milestone=_is_milestone(indicator, target))
    preview = reverse("measurement:indicator_preview", args=[indicator.pk])
    live = {
        "hx-get": preview,
        "hx-target": "#achievement-preview",
        "hx-include": "#measurement-form",
        "aria-controls": "achievement-preview",
    }
    form.fields["value"].widget.attrs.update(
        live, **{"hx-trigger": "input changed delay:400ms, keyup changed delay:400ms"}
    )
    form.fields["period_end"].widget.attrs.update(live, **{"hx-trigger": "change"})
    if "completed_on" in form.fields:
        form.fields["completed_on"].widget.attrs.update(live, **{"hx-trigger": "change"})
    return form


def _indicator_context(request, ma, indicator, *, form=None, conflict=None):
    cycle = indicator.cycle
    target = _target(indicator)
    settings = _settings(cycle)
    closed = _closed_windows(cycle)
    rows = []
    for value in selectors.indicator_values(indicator):
        window = _closing(closed, value.period_end)
        rows.append(
            {
                "m": value,
                "window": window,
                "achievement": _achievement_of(
                    indicator,
                    value.value,
                    value.completed_on,
                    value.period_end,
                    target=target,
                    settings=settings,
                ),
                "can_approve": value.state == MeasurementState.DRAFT
                and rules.can_approve(ma, value),
                "can_correct": window is not None and rules.can_correct(ma, value),
            }
        )
    can_enter = rules.can_enter(ma, indicator) and not formulas.is_computed(indicator)
    if form is None and can_enter:
        editing = None
        wanted = _iso_date(request.GET.get("periodo"))
        if wanted is not None:
            editing = next(
                (row["m"] for row in rows if row["m"].period_end == wanted and not row["window"]),
                None,
            )
        form = _measurement_form(indicator, target, editing=editing)
    if form is not None and form.is_bound and "deviation_note" in form.errors:
        # Refused for a value off target: the note is required until the value changes.
        form.fields["deviation_note"].widget.attrs.update(
            {"required": True, "aria-required": "true"}
        )
    entry = selectors.cycle_scores(cycle).indicator(indicator.pk)
    return {
        "indicator": indicator,
        "objective": indicator.objective,
        "cycle": cycle,
        "target": target,
        "targets": list(indicator.targets.order_by("year")),
        "rows": rows,
        "closed_windows": closed,
        "form": form,
        "conflict": conflict,
        "can_enter": can_enter,
        "may_attach": rules.can_enter(ma, indicator),
        "evidence_form": forms.EvidenceForm(),
        "entry": entry,
        "formula": entry.formula if entry is not None else None,
        "settings": settings,
        "milestone": _is_milestone(indicator, target),
    }


@require_http_methods(["GET", "POST"])
@measurement_view
def indicator(request, ma, pk):
    indicator = _indicator(request, pk)
    if request.method == "GET":
        return render(
            request, "measurement/indicator.html", _indicator_context(request, ma, indicator)
        )
    rules.require(rules.can_enter(ma, indicator), "Non puoi inserire valori per questo indicatore.")
    target = _target(indicator)
    form = _measurement_form(indicator, target, request.POST)
    conflict = None
    if form.is_valid():
        try:
            saved = services.measurement_save(
                user=request.user,
                cycle=indicator.cycle,
                indicator=indicator,
                **form.service_arguments(),
            )
        except ServiceError as error:
            form.add_service_error(error)
            if error.code == "conflict":
                conflict = _current_value(indicator, form.cleaned_data["period_end"])
                form = _rebound(form, conflict)
                _live(form, indicator)
        else:
            messages.success(
                request, f"Valore al {format_date(saved.period_end)} salvato (da approvare)."
            )
            return redirect("measurement:indicator", pk=indicator.pk)
    context = _indicator_context(request, ma, indicator, form=form, conflict=conflict)
    return render(request, "measurement/indicator.html", context, status=200)


def _live(form, indicator) -> None:
    """Restore the HTMX preview wiring on a rebuilt form."""
    fresh = _measurement_form(indicator, None)
    for name, field in form.fields.items():
        if name in fresh.fields:
            for key, value in fresh.fields[name].widget.attrs.items():
                if key.startswith("hx-") or key == "aria-controls":
                    field.widget.attrs.setdefault(key, value)


@require_GET
@measurement_view
def indicator_preview(request, ma, pk):
    """The achievement of the value being typed, computed by the engine (nothing is saved)."""
    indicator = _indicator(request, pk)
    target = _target(indicator)
    raw = request.GET.get("value", "")
    error = ""
    try:
        value = scoring.parse_number(raw)
    except scoring.NotANumber as exc:
        value, error = None, f"{exc}: scrivi un numero, con la virgola per i decimali."
    completed_on = _iso_date(request.GET.get("completed_on"))
    as_of = _iso_date(request.GET.get("period_end")) or _today()
    if (
        value is not None
        and scoring.is_percent(indicator.unit_of_measure)
        and not (0 <= value <= 100)
    ):
        error = f"{format_number(value)} non è una percentuale valida: deve essere tra 0 e 100."
    result = None
    if not error and (value is not None or completed_on is not None):
        result = _achievement_of(indicator, value, completed_on, as_of, target=target)
    off_target = bool(result and result.is_scored and result.percent < 100)
    return render(
        request,
        "measurement/_preview.html",
        {
            "result": result,
            "error": error,
            "off_target": off_target,
            "indicator": indicator,
            "oob": True,
        },
    )


@require_POST
@measurement_view
def measurement_approve(request, ma, pk):
    measurement = _measurement(request, pk)
    rules.require(rules.can_approve(ma, measurement), "Non puoi approvare questo valore.")
    try:
        services.measurement_approve(user=request.user, measurement=measurement)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Valore al {format_date(measurement.period_end)} approvato.")
    return redirect(_subject_url(measurement))


@require_http_methods(["GET", "POST"])
@measurement_view
def measurement_correct(request, ma, pk):
    measurement = _measurement(request, pk)
    rules.require(rules.can_correct(ma, measurement), "Non puoi correggere questo valore.")
    indicator = measurement.indicator
    milestone = bool(indicator and _is_milestone(indicator, _target(indicator)))
    form = forms.CorrectionForm(
        request.POST or None,
        milestone=milestone,
        initial={"deviation_note": measurement.deviation_note},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.measurement_correct(
                user=request.user,
                measurement=measurement,
                value=data["value"].strip() or None,
                completed_on=data.get("completed_on"),
                reason=data["reason"],
                deviation_note=data["deviation_note"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Correzione registrata con il suo motivo.")
            return redirect(_subject_url(measurement))
    return render(
        request,
        "measurement/correction.html",
        {
            "form": form,
            "measurement": measurement,
            "cycle": measurement.cycle,
            "window": _closing(_closed_windows(measurement.cycle), measurement.period_end),
            "back": _subject_url(measurement),
        },
    )


@require_POST
@measurement_view
def evidence_add(request, ma, pk):
    measurement = _measurement(request, pk)
    _require_subject_entry(ma, measurement)
    form = forms.EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence = services.evidence_add(
                user=request.user, measurement=measurement, uploaded_file=form.cleaned_data["file"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Documento «{evidence.original_name}» allegato.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Documento di evidenza: {error}")
    return redirect(_subject_url(measurement))


def _require_subject_entry(ma, measurement: Measurement) -> None:
    if measurement.indicator_id is not None:
        allowed = rules.can_enter(ma, measurement.indicator)
    else:
        allowed = rules.can_enter_parameter(ma, measurement.parameter)
    rules.require(allowed, "Non puoi gestire i documenti di questo valore.")


def _evidence(request, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.select_related(
            "measurement__cycle__ente",
            "measurement__indicator__objective__unit",
            "measurement__indicator__group",
            "measurement__parameter__unit",
        ),
        pk=pk,
        measurement__cycle__ente=request.ente,
    )


@require_GET
@measurement_view
def evidence_download(request, ma, pk):
    evidence = _evidence(request, pk)
    rules.require(rules.can_read(ma))
    if not evidence.file:
        # Imported from an interchange file: the record came without the document itself.
        raise Http404("Il documento è stato importato senza il file: non c'è nulla da scaricare.")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("Il file non è più disponibile.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@measurement_view
def evidence_delete(request, ma, pk):
    evidence = _evidence(request, pk)
    measurement = evidence.measurement
    _require_subject_entry(ma, measurement)
    try:
        services.evidence_delete(user=request.user, evidence=evidence)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Documento «{evidence.original_name}» eliminato.")
    return redirect(_subject_url(measurement))


# ---------------------------------------------------------------------------------------------
# Parameters of a unit
# ---------------------------------------------------------------------------------------------


def _parameter_periods(cycle: Cycle) -> list[dt.date]:
    """The dates of the cycle's windows, and the end of the year."""
    dates = set(MonitoringWindow.objects.filter(cycle=cycle).values_list("period_end", flat=True))
    dates.add(dt.date(cycle.year, 12, 31))
    return sorted(dates)


def _parameter_cell(parameter, period_end, measurement, closed, *, can_enter, form=None, **extra):
    window = _closing(closed, period_end)
    if form is None and can_enter and window is None:
        form = forms.QuickValueForm(
            prefix=f"p{parameter.pk}-{period_end:%Y%m%d}",
            initial={
                "value": format_number(measurement.value)
                if measurement and measurement.value is not None
                else "",
                "expected_version": measurement.version if measurement else 0,
            },
        )
    if form is not None:
        form.fields.pop("completed_on", None)
        form.fields.pop("deviation_note", None)
        form.fields["value"].label = f"{parameter.name} al {format_date(period_end)}"
    return {
        "parameter": parameter,
        "period_end": period_end,
        "m": measurement,
        "window": window,
        "form": form,
        **extra,
    }


@require_GET
@measurement_view
def parameters(request, ma, pk):
    unit = get_object_or_404(Unit, pk=pk, ente=request.ente)
    cycle, cycles = _chosen_cycle(request)
    params = list(Parameter.objects.filter(unit=unit).order_by("order", "id"))
    table = []
    periods: list[dt.date] = []
    if cycle is not None:
        periods = _parameter_periods(cycle)
        closed = _closed_windows(cycle)
        stored = {
            (m.parameter_id, m.period_end): m
            for m in Measurement.objects.filter(cycle=cycle, parameter__in=params)
        }
        for parameter in params:
            parameter.unit = unit
            can_enter = rules.can_enter_parameter(ma, parameter)
            cells = [
                _parameter_cell(
                    parameter,
                    day,
                    stored.get((parameter.pk, day)),
                    closed,
                    can_enter=can_enter,
                )
                for day in periods
            ]
            table.append({"parameter": parameter, "cells": cells})
    return render(
        request,
        "measurement/parameters.html",
        {"unit": unit, "cycle": cycle, "cycles": cycles, "periods": periods, "table": table},
    )


@require_POST
@measurement_view
def parameter_save(request, ma, pk):
    parameter = get_object_or_404(
        Parameter.objects.select_related("unit__ente"), pk=pk, unit__ente=request.ente
    )
    cycle = _cycle(request, int_param(request.POST.get("cycle")) or 0)
    rules.require(
        rules.can_enter_parameter(ma, parameter), "Non puoi inserire valori per questo parametro."
    )
    period_end = _iso_date(request.POST.get("period_end"))
    if period_end is None:
        raise Http404("Periodo non indicato.")
    prefix = f"p{parameter.pk}-{period_end:%Y%m%d}"
    form = forms.QuickValueForm(request.POST, prefix=prefix)
    saved = conflict = None
    if form.is_valid():
        try:
            saved = services.measurement_save(
                user=request.user,
                cycle=cycle,
                parameter=parameter,
                period_kind=PeriodKind.POINT,
                period_end=period_end,
                value=form.cleaned_data["value"].strip() or None,
                expected_version=form.cleaned_data["expected_version"],
            )
        except ServiceError as error:
            form.add_service_error(error)
            if error.code == "conflict":
                conflict = (
                    Measurement.objects.select_related("entered_by")
                    .filter(parameter=parameter, period_end=period_end)
                    .first()
                )
                form = _rebound(form, conflict)
    if saved is not None:
        form = None
    current = saved or (
        Measurement.objects.filter(parameter=parameter, period_end=period_end).first()
    )
    cell = _parameter_cell(
        parameter,
        period_end,
        current,
        _closed_windows(cycle),
        can_enter=True,
        form=form,
        saved=saved,
        conflict=conflict,
    )
    if request.htmx:
        return render(request, "measurement/_parameter_cell.html", {"cell": cell, "cycle": cycle})
    if saved is not None:
        messages.success(request, f"Valore di «{parameter.name}» salvato.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    url = reverse("measurement:parameters", args=[parameter.unit_id])
    return redirect(f"{url}?anno={cycle.year}")


# ---------------------------------------------------------------------------------------------
# Objective monitoring: indicators, phases, corrective actions, delegates
# ---------------------------------------------------------------------------------------------


@require_GET
@measurement_view
def objective(request, ma, pk):
    objective = _objective(request, pk)
    return render(request, "measurement/objective.html", _objective_context(request, ma, objective))


def _objective_context(request, ma, objective, *, action_form=None, delegate_form=None):
    cycle = objective.cycle
    board = selectors.cycle_scores(cycle)
    records = selectors.objective_records(objective)
    indicator_rows = [
        {
            "indicator": item,
            "target": next((t for t in item.targets.all() if t.year == cycle.year), None),
            "latest": records.latest.get(item.pk),
            "entry": board.indicator(item.pk),
        }
        for item in records.indicators
    ]
    delegates = records.delegates
    can_enter = rules.can_enter_objective(ma, objective)
    can_delegate = rules.can_manage_delegates(ma, objective)
    if action_form is None and can_enter:
        action_form = forms.CorrectiveActionForm(cycle=cycle)
    if delegate_form is None and can_delegate:
        delegate_form = _delegate_form(objective)
    return {
        "objective": objective,
        "cycle": cycle,
        "entry": board.objective(objective.pk),
        "indicator_rows": indicator_rows,
        "phases": records.phases,
        "actions": records.actions,
        "delegates": delegates,
        "responsibles": list(objective.responsibles.all()),
        "can_enter": can_enter,
        "can_delegate": can_delegate,
        "action_form": action_form,
        "delegate_form": delegate_form,
    }


@require_http_methods(["GET", "POST"])
@measurement_view
def phase_progress(request, ma, pk):
    phase = get_object_or_404(
        Phase.objects.select_related("objective__cycle__ente", "objective__unit"),
        pk=pk,
        objective__cycle__ente=request.ente,
    )
    objective = phase.objective
    rules.require(rules.can_update_phase(ma, phase), "Non puoi aggiornare questa fase.")
    initial = {
        "progress": format_number(phase.progress) if phase.progress is not None else "",
        "actual_end": phase.actual_end,
        "actual_text": phase.actual_text,
    }
    form = forms.PhaseProgressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.phase_progress_save(
                user=request.user,
                phase=phase,
                progress=data["progress"].strip() or None,
                actual_end=data["actual_end"],
                actual_text=data["actual_text"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Avanzamento della fase salvato.")
            return redirect("measurement:objective", pk=objective.pk)
    return render(
        request,
        "measurement/form.html",
        {
            "form": form,
            "cycle": objective.cycle,
            "objective": objective,
            "title": f"Avanzamento: {phase.get_kind_display().lower()} {phase.label}".strip(),
            "intro": phase.description,
            "details": [
                (
                    "Tempi previsti",
                    phase.planned_text or _dates(phase.planned_start, phase.planned_end),
                ),
                ("Responsabile", phase.responsible_label),
            ],
            "back": reverse("measurement:objective", args=[objective.pk]),
        },
    )


def _dates(start, end) -> str:
    if start and end:
        return f"dal {format_date(start)} al {format_date(end)}"
    if end:
        return f"entro il {format_date(end)}"
    return ""


@require_POST
@measurement_view
def corrective_action_add(request, ma, pk):
    objective = _objective(request, pk)
    rules.require(
        rules.can_enter_objective(ma, objective), "Non puoi registrare azioni correttive."
    )
    form = forms.CorrectiveActionForm(request.POST, cycle=objective.cycle)
    if form.is_valid():
        try:
            services.corrective_action_add(
                user=request.user, objective=objective, **form.cleaned_data
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Azione correttiva registrata.")
            return redirect("measurement:objective", pk=objective.pk)
    context = _objective_context(request, ma, objective, action_form=form)
    return render(request, "measurement/objective.html", context)


@require_POST
@measurement_view
def corrective_action_done(request, ma, pk):
    action = get_object_or_404(
        CorrectiveAction.objects.select_related("objective__cycle__ente", "objective__unit"),
        pk=pk,
        objective__cycle__ente=request.ente,
    )
    rules.require(
        rules.can_enter_objective(ma, action.objective), "Non puoi aggiornare questa azione."
    )
    try:
        services.corrective_action_done(user=request.user, action=action)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Azione correttiva segnata come attuata.")
    return redirect("measurement:objective", pk=action.objective_id)


@require_POST
@measurement_view
def delegate_add(request, ma, pk):
    objective = _objective(request, pk)
    rules.require(rules.can_manage_delegates(ma, objective), "Non puoi nominare delegati.")
    form = _delegate_form(objective, request.POST)
    if form.is_valid():
        try:
            services.delegate_add(
                user=request.user, objective=objective, person=form.cleaned_data["person"]
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"{form.cleaned_data['person']} è ora delegato.")
            return redirect("measurement:objective", pk=objective.pk)
    context = _objective_context(request, ma, objective, delegate_form=form)
    return render(request, "measurement/objective.html", context)


def _delegate_form(objective, data=None) -> forms.DelegateForm:
    search_url = reverse("measurement:delegate_search", args=[objective.pk])
    return forms.DelegateForm(data, objective=objective, search_url=search_url)


@require_GET
@measurement_view
def delegate_search(request, ma, pk):
    """HTMX: at most `DELEGATE_MATCHES` people of the objective's unit matching the text typed,
    each a button that names them delegate (the same form works without JavaScript)."""
    objective = _objective(request, pk)
    rules.require(rules.can_manage_delegates(ma, objective), "Non puoi nominare delegati.")
    text = request.GET.get("person", "").strip()[:200]
    matches, more = [], False
    if len(text) >= 2:
        delegated = ObjectiveDelegate.objects.filter(objective=objective).values("person_id")
        people = rules.matching(rules.delegate_candidates(objective), text).exclude(
            pk__in=delegated
        )
        found = list(people[: forms.DELEGATE_MATCHES + 1])
        matches, more = found[: forms.DELEGATE_MATCHES], len(found) > forms.DELEGATE_MATCHES
    context = {"objective": objective, "text": text, "matches": matches, "more": more}
    return render(request, "measurement/_delegate_matches.html", context)


@require_POST
@measurement_view
def delegate_remove(request, ma, pk):
    delegate = get_object_or_404(
        ObjectiveDelegate.objects.select_related("objective__cycle__ente", "person"),
        pk=pk,
        objective__cycle__ente=request.ente,
    )
    rules.require(
        rules.can_manage_delegates(ma, delegate.objective), "Non puoi revocare i delegati."
    )
    try:
        services.delegate_remove(user=request.user, delegate=delegate)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Delega di {delegate.person} revocata.")
    return redirect("measurement:objective", pk=delegate.objective_id)


# ---------------------------------------------------------------------------------------------
# Dashboards
# ---------------------------------------------------------------------------------------------


STATUS_ORDER = [
    ObjectiveStatus.ACHIEVED,
    ObjectiveStatus.ON_TRACK,
    ObjectiveStatus.AT_RISK,
    ObjectiveStatus.LATE,
    ObjectiveStatus.NOT_ACHIEVED,
]


def _status_counts(board, entries) -> list[dict]:
    counts = board.status_counts(entries)
    total = sum(counts.values())
    return [
        {
            "status": status.value,
            "label": status.label,
            "count": counts[status.value],
            "total": total,
        }
        for status in STATUS_ORDER
    ]


def _window_choice(request, cycle: Cycle) -> tuple[MonitoringWindow | None, list]:
    """`?finestra=<key>` picks a closed window: the scores as they were then."""
    windows = [w for w in selectors.windows_of(cycle) if w.is_closed]
    key = request.GET.get("finestra", "")
    if not key:
        return None, windows
    window = next((w for w in windows if w.key == key), None)
    if window is None:
        raise Http404("Finestra di monitoraggio non trovata o non chiusa.")
    return window, windows


def _dashboard_cycle(request):
    cycle, cycles = _chosen_cycle(request)
    if cycle is None:
        return None, cycles, None, [], None
    window, windows = _window_choice(request, cycle)
    board = selectors.cycle_scores(cycle, window=window)
    return cycle, cycles, window, windows, board


def _trend_rows(trend, level: str, keys: set[str] | None = None) -> list:
    return [row for row in trend.rows if row.level == level and (keys is None or row.key in keys)]


@require_GET
@measurement_view
def dashboard_ente(request, ma):
    """The ente's dashboard. Its body shows the same to everyone who may open it, so it is
    rendered once per data version, cycle, window and day (`core.pagecache`); the access check
    above and the shell around the body (menu, user) run at every request."""
    cycle, cycles = _chosen_cycle(request)
    window, windows = _window_choice(request, cycle) if cycle is not None else (None, [])
    context = {"cycle": cycle, "cycles": cycles, "window": window, "windows": windows}
    if cycle is not None:
        parts = [cycle.pk, window.pk if window else None, [c.pk for c in cycles], _today()]
        context["body"] = pagecache.cached(
            request.ente.pk,
            "dashboard-ente",
            parts,
            lambda: _dashboard_ente_body(request.ente, context),
        )
    else:
        context["body"] = _dashboard_ente_body(request.ente, context)
    return render(request, "measurement/dashboard_ente.html", context)


def _dashboard_ente_body(ente, context: dict) -> str:
    """The body of the ente dashboard, from the score board of the chosen cycle and window.
    Rendered without the request: nothing in it depends on who is looking."""
    cycle, window = context["cycle"], context["window"]
    body = {**context, "current_ente": ente, "board": None}
    board = selectors.cycle_scores(cycle, window=window) if cycle is not None else None
    if board is not None:
        trend, trend_rows = (
            selectors.ente_trend(cycle, board=board) if window is None else (None, [])
        )
        body.update(
            board=board,
            ente_score=board.ente_score,
            areas=[entry for entry in board.units if entry.depth == 0],
            statuses=_status_counts(board, None),
            trend=trend,
            trend_rows=trend_rows,
            ente_parts=_ente_parts(board),
        )
    return get_template("measurement/_dashboard_ente_body.html").render(body)


def _ente_parts(board) -> list[dict]:
    """The components of the ente's score (as configured), each with its own working."""
    parts = board.ente_score.explanation.data.get("parts", {})
    rows = []
    for contribution in board.ente_score.contributions:
        part = parts.get(contribution.key, {})
        rows.append(
            {
                "label": contribution.label,
                "weight": contribution.weight,
                "percent": contribution.percent,
                "note": contribution.note,
                "explanation": part.get("explanation", {}),
            }
        )
    return rows


@require_GET
@measurement_view
def dashboard_unit(request, ma, pk):
    unit = get_object_or_404(Unit, pk=pk, ente=request.ente)
    cycle, cycles, window, windows, board = _dashboard_cycle(request)
    context = {
        "unit": unit,
        "cycle": cycle,
        "cycles": cycles,
        "window": window,
        "windows": windows,
    }
    if board is not None:
        entry = board.unit(unit.pk)
        objectives = board.objectives_of_unit(unit.pk)
        children = [e for e in board.units if e.unit.parent_id == unit.pk]
        objective_ids = {o.objective.pk for o in objectives}
        trend = selectors.trend(cycle, board=board) if window is None else None
        keys = {unit.key} | {e.key for e in children} | {o.key for o in objectives}
        context.update(
            board=board,
            entry=entry,
            children=children,
            objectives=objectives,
            indicators=[e for e in board.indicators if e.indicator.objective_id in objective_ids],
            statuses=_status_counts(board, objectives),
            trend=trend,
            trend_rows=[row for row in trend.rows if row.key in keys] if trend else [],
        )
    return render(request, "measurement/dashboard_unit.html", context)


@require_GET
@measurement_view
def dashboard_person(request, ma, pk):
    person = get_object_or_404(Person, pk=pk, ente=request.ente)
    rules.require(_may_read_person(ma, person), "Non puoi vedere il cruscotto di questa persona.")
    cycle, cycles, window, windows, board = _dashboard_cycle(request)
    context = {
        "person": person,
        "cycle": cycle,
        "cycles": cycles,
        "window": window,
        "windows": windows,
    }
    if board is not None:
        objectives = board.objectives_of_person(person.pk)
        context.update(
            board=board,
            entry=board.person(person.pk),
            objectives=objectives,
            statuses=_status_counts(board, objectives),
        )
    return render(request, "measurement/dashboard_person.html", context)


# ---------------------------------------------------------------------------------------------
# SMVP settings
# ---------------------------------------------------------------------------------------------


def _smvp_field(key: str | None) -> str | None:
    """The form field that shows an error of the settings key `smvp.…`."""
    simple = {
        "smvp.indicator.method": "method",
        "smvp.indicator.tolerance": "tolerance",
        "smvp.indicator.tolerance_kind": "tolerance_kind",
        "smvp.indicator.minimum": "minimum",
        "smvp.cap": "cap",
        "smvp.objective_aggregation": "objective_aggregation",
        "smvp.missing": "missing",
    }
    if key is None:
        return None
    return simple.get(key, "advanced")


@require_http_methods(["GET", "POST"])
@measurement_view
def smvp_settings(request, ma):
    ente = request.ente
    try:
        current = SmvpSettings.from_dict(ente.smvp_settings or {})
        stored_error = ""
    except ConfigError as error:
        current = SmvpSettings()
        stored_error = str(error)
    can_edit = rules.can_edit_smvp(ma)
    if request.method == "POST":
        rules.require(can_edit, "Solo l'amministratore modifica le regole del SMVP.")
    form = forms.SmvpSettingsForm(request.POST or None, current=current.to_dict())
    if request.method == "POST" and form.is_valid():
        try:
            services.smvp_settings_update(user=request.user, ente=ente, data=form.settings_data())
        except ServiceError as error:
            field = _smvp_field(error.field)
            if field in form.fields and form.cleaned_data.get("advanced") is not None:
                field = "advanced"
            form.add_error(field, error.message)
        else:
            messages.success(request, "Regole del SMVP salvate.")
            return redirect("measurement:smvp_settings")
    return render(
        request,
        "measurement/smvp_settings.html",
        {
            "form": form,
            "settings": current,
            "can_edit": can_edit,
            "stored_error": stored_error,
            "summary": _smvp_summary(current),
        },
    )


def _smvp_summary(settings: SmvpSettings) -> list[tuple[str, str]]:
    rule = settings.indicator
    tolerance = (
        "nessuna"
        if not rule.tolerance
        else f"{format_number(rule.tolerance)}"
        + (" % del target" if rule.tolerance_kind.value == "percent" else " (valore assoluto)")
    )
    composition = "; ".join(
        f"{part.source.label} {format_number(part.weight)}" for part in settings.ente_composition
    )
    bands = ", ".join(
        f"da {format_number(band.lower)} → {format_percent(band.score)}" for band in rule.bands
    )
    late = {
        "zero": "in ritardo vale 0 %",
        "linear": f"riduzione lineare fino a 0 in {rule.late_days_to_zero} giorni",
        "bands": "fasce di ritardo",
    }[rule.late_policy.value]
    status = settings.status
    rows = [
        ("Metodo di calcolo degli indicatori", rule.method.label),
        ("Tolleranza", tolerance),
        ("Soglia minima", format_percent(rule.minimum)),
        ("Raggiungimento massimo", format_percent(settings.cap)),
        ("Raggiungimento di un obiettivo", settings.objective_aggregation.label),
        ("Dati mancanti", settings.missing.label),
        ("Traguardi in ritardo", late),
        ("Performance dell'ente", composition),
        (
            "Stato degli obiettivi",
            f"raggiunto da {format_percent(status.achieved)}; a rischio oltre "
            f"{format_number(status.at_risk_gap)} punti di ritardo sul tempo trascorso, in "
            f"ritardo oltre {format_number(status.late_gap)}; fase in scadenza entro "
            f"{status.due_soon_days} giorni",
        ),
    ]
    if bands:
        rows.insert(2, ("Fasce di punteggio", bands))
    return rows
