"""Organisation pages: chart, unit and person details, and the admin's edit forms.

Views stay thin: access check → form → service → template. Objects are always fetched with
the current ente in the query, so ids of another ente give 404.
"""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import ente_required
from accounts.invitations import send_invitation
from core import locking
from core.exceptions import ServiceError
from organization import payroll, services
from organization.access import (
    can_see_personal_data,
    can_write,
    require_platform_admin,
    require_writer,
)
from organization.forms import (
    AssignmentEndForm,
    AssignmentForm,
    EmploymentForm,
    EnteCreateForm,
    PersonForm,
    UnitForm,
)
from organization.models import Assignment, Employment, Ente, Person, Unit, is_real_peg_code
from organization.selectors import (
    ASSIGNED,
    UNASSIGNED,
    PeopleFilters,
    org_chart,
    people_page,
    person_detail,
    unit_choices_by_depth,
    unit_detail,
    unit_staff_page,
)


def _save(request, form, action, success_message: str):
    """Run `action(form.cleaned_data)` if the form is valid; a ServiceError goes on the form."""
    if not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ServiceError as error:
        form.add_service_error(error)
        return None
    messages.success(request, success_message.format(obj=result))
    return result


def _form_page(request, form, *, title: str, cancel_url: str, back_label: str, status=None):
    context = {"form": form, "title": title, "cancel_url": cancel_url, "back_label": back_label}
    if status is None:
        status = 400 if request.method == "POST" else 200
    return render(request, "organization/form.html", context, status=status)


def _posted(request):
    """The submitted data on POST (even when empty, so the form reports missing fields)."""
    return request.POST if request.method == "POST" else None


# --- reading -------------------------------------------------------------------------------


def _wants_partial(request) -> bool:
    """An HTMX request for a piece of the page; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page_links(page) -> list[int | None]:
    """Page numbers around the current one, first and last included; None marks a gap."""
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return [None if number == page.paginator.ELLIPSIS else number for number in numbers]


@ente_required
@require_GET
def chart(request):
    context = {"chart": org_chart(request.ente), "can_write": can_write(request.ente_access)}
    return render(request, "organization/chart.html", context)


@ente_required
@require_GET
@vary_on_headers("HX-Request")
def unit_staff(request, pk: int):
    """The people of one unit, a page at a time: the chart asks for it with HTMX when a unit
    is opened; without JavaScript the same address is a page of its own."""
    unit = get_object_or_404(Unit, pk=pk, ente=request.ente)
    page = unit_staff_page(unit, request.GET.get("pagina"))
    partial = _wants_partial(request)
    context = {
        "unit": unit,
        "page": page,
        "page_links": _page_links(page),
        "target": f"#personale-{unit.pk}" if partial else "",
    }
    template = "organization/_unit_staff.html" if partial else "organization/unit_staff.html"
    return render(request, template, context)


ASSIGNMENT_FILTERS = [
    ("", "Tutte"),
    (ASSIGNED, "Con un'assegnazione in corso"),
    (UNASSIGNED, "Senza assegnazione in corso"),
]


def _people_filters(request) -> PeopleFilters:
    """The filters in the URL; a value that is not one of the choices is ignored."""
    unit = request.GET.get("unita", "")
    assignment = request.GET.get("assegnazione", "")
    return PeopleFilters(
        text=request.GET.get("q", "").strip()[:100],
        unit=int(unit) if unit.isdigit() else None,
        assignment=assignment if assignment in {ASSIGNED, UNASSIGNED} else "",
    )


@ente_required
@require_GET
@vary_on_headers("HX-Request")
def people(request):
    filters = _people_filters(request)
    query = request.GET.copy()
    query.pop("pagina", None)
    page = people_page(request.ente, filters, request.GET.get("pagina"))
    context = {
        "page": page,
        "page_links": _page_links(page),
        "filters": filters,
        "query": query.urlencode(),
        "unit_choices": unit_choices_by_depth(request.ente),
        "assignment_choices": ASSIGNMENT_FILTERS,
        "can_write": can_write(request.ente_access),
    }
    # HTMX asks only for the results when a filter changes; the form stays as typed.
    partial = _wants_partial(request)
    template = "organization/_people_results.html" if partial else "organization/people.html"
    return render(request, template, context)


@ente_required
@require_GET
def unit_view(request, pk: int):
    unit = get_object_or_404(
        Unit.objects.select_related("parent", "responsible"), pk=pk, ente=request.ente
    )
    context = {"detail": unit_detail(unit), "can_write": can_write(request.ente_access)}
    return render(request, "organization/unit_detail.html", context)


@ente_required
@require_GET
def person_view(request, pk: int):
    person = get_object_or_404(Person, pk=pk, ente=request.ente)
    personal = can_see_personal_data(request.ente_access, person)
    context = {
        "detail": person_detail(person, show_personal_data=personal),
        "can_write": can_write(request.ente_access),
    }
    return render(request, "organization/person_detail.html", context)


# --- units ---------------------------------------------------------------------------------


@ente_required
@require_http_methods(["GET", "POST"])
def unit_create(request):
    require_writer(request.user, request.ente)
    initial = {}
    parent_pk = request.GET.get("parent", "")
    if parent_pk.isdigit() and Unit.objects.filter(pk=parent_pk, ente=request.ente).exists():
        initial["parent"] = int(parent_pk)
    form = UnitForm(_posted(request), ente=request.ente, initial=initial)
    if request.method == "POST":
        unit = _save(
            request,
            form,
            lambda data: services.unit_create(user=request.user, ente=request.ente, data=data),
            "Unità «{obj.name}» creata.",
        )
        if unit:
            return redirect("organization:unit", pk=unit.pk)
    return _form_page(
        request,
        form,
        title="Nuova unità organizzativa",
        cancel_url=reverse("organization:chart"),
        back_label="Organigramma",
    )


@ente_required
@require_http_methods(["GET", "POST"])
def unit_update(request, pk: int):
    require_writer(request.user, request.ente)
    unit = get_object_or_404(Unit, pk=pk, ente=request.ente)
    form = locking.attach(UnitForm(_posted(request), ente=request.ente, instance=unit), unit)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: locking.run(
                form,
                [unit],
                lambda: services.unit_update(user=request.user, unit=unit, data=data),
            ),
            "Unità «{obj.name}» aggiornata.",
        )
        if saved:
            return redirect("organization:unit", pk=unit.pk)
    return _form_page(
        request,
        form,
        title=f"Modifica unità: {unit.name}",
        cancel_url=reverse("organization:unit", args=[unit.pk]),
        back_label=unit.name,
    )


@ente_required
@require_http_methods(["GET", "POST"])
def unit_delete(request, pk: int):
    require_writer(request.user, request.ente)
    unit = get_object_or_404(Unit, pk=pk, ente=request.ente)
    error = None
    if request.method == "POST":
        try:
            services.unit_delete(user=request.user, unit=unit)
        except ServiceError as refused:
            error = refused.message
        else:
            messages.success(request, f"Unità «{unit.name}» eliminata.")
            return redirect("organization:chart")
    context = {"unit": unit, "error": error}
    status = 400 if error else 200
    return render(request, "organization/unit_confirm_delete.html", context, status=status)


@ente_required
@require_GET
def unit_check(request):
    """HTMX inline check of a unit's key or PEG code while the admin types it."""
    require_writer(request.user, request.ente)
    exclude = request.GET.get("unit", "")
    exclude_pk = int(exclude) if exclude.isdigit() else None
    field = request.GET.get("field", "")
    value = request.GET.get(field, "").strip() if field in {"key", "peg_code"} else ""
    message, ok = "", True
    if field == "key" and value:
        clash = services.unit_key_clash(request.ente, value, exclude_pk=exclude_pk)
        if clash:
            message, ok = f"La chiave «{value}» è già usata dall'unità «{clash.name}».", False
        else:
            message = f"La chiave «{value}» è disponibile."
    elif field == "peg_code" and value:
        clash = services.peg_code_clash(request.ente, value, exclude_pk=exclude_pk)
        if clash:
            message, ok = f"Il codice PEG «{value}» è già usato dall'unità «{clash.name}».", False
        elif is_real_peg_code(value):
            message = f"Il codice PEG «{value}» è disponibile."
    context = {"message": message, "ok": ok}
    return render(request, "organization/_unit_check.html", context)


# --- people --------------------------------------------------------------------------------


@ente_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    require_writer(request.user, request.ente)
    form = PersonForm(_posted(request))
    if request.method == "POST":
        person = _save(
            request,
            form,
            lambda data: services.person_create(user=request.user, ente=request.ente, data=data),
            "Persona «{obj}» inserita.",
        )
        if person:
            return redirect("organization:person", pk=person.pk)
    return _form_page(
        request,
        form,
        title="Nuova persona",
        cancel_url=reverse("organization:people"),
        back_label="Persone",
    )


@ente_required
@require_http_methods(["GET", "POST"])
def person_update(request, pk: int):
    require_writer(request.user, request.ente)
    person = get_object_or_404(Person, pk=pk, ente=request.ente)
    form = locking.attach(PersonForm(_posted(request), instance=person), person)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: locking.run(
                form,
                [person],
                lambda: services.person_update(user=request.user, person=person, data=data),
            ),
            "Dati di «{obj}» aggiornati.",
        )
        if saved:
            return redirect("organization:person", pk=person.pk)
    return _form_page(
        request,
        form,
        title=f"Modifica persona: {person}",
        cancel_url=reverse("organization:person", args=[person.pk]),
        back_label=str(person),
    )


@ente_required
@require_http_methods(["GET", "POST"])
def employment_create(request, person_pk: int):
    require_writer(request.user, request.ente)
    person = get_object_or_404(Person, pk=person_pk, ente=request.ente)
    form = EmploymentForm(_posted(request))
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.employment_create(user=request.user, person=person, data=data),
            "Rapporto di lavoro registrato.",
        )
        if saved:
            return redirect("organization:person", pk=person.pk)
    return _form_page(
        request,
        form,
        title=f"Nuovo rapporto di lavoro di {person}",
        cancel_url=reverse("organization:person", args=[person.pk]),
        back_label=str(person),
    )


@ente_required
@require_http_methods(["GET", "POST"])
def employment_update(request, pk: int):
    require_writer(request.user, request.ente)
    employment = get_object_or_404(
        Employment.objects.select_related("person__ente"), pk=pk, person__ente=request.ente
    )
    person = employment.person
    form = locking.attach(EmploymentForm(_posted(request), instance=employment), employment)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: locking.run(
                form,
                [employment],
                lambda: services.employment_update(
                    user=request.user, employment=employment, data=data
                ),
            ),
            "Rapporto di lavoro aggiornato.",
        )
        if saved:
            return redirect("organization:person", pk=person.pk)
    return _form_page(
        request,
        form,
        title=f"Modifica rapporto di lavoro di {person}",
        cancel_url=reverse("organization:person", args=[person.pk]),
        back_label=str(person),
    )


# --- assignments ---------------------------------------------------------------------------


@ente_required
@require_http_methods(["GET", "POST"])
def assignment_create(request, person_pk: int):
    require_writer(request.user, request.ente)
    person = get_object_or_404(Person, pk=person_pk, ente=request.ente)
    initial = {}
    unit_pk = request.GET.get("unit", "")
    if unit_pk.isdigit():
        initial["unit"] = int(unit_pk)
    form = AssignmentForm(_posted(request), ente=request.ente, initial=initial)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.assignment_create(user=request.user, person=person, data=data),
            "{obj.person} assegnato/a a «{obj.unit.name}».",
        )
        if saved:
            return redirect("organization:person", pk=person.pk)
    return _form_page(
        request,
        form,
        title=f"Nuova assegnazione di {person}",
        cancel_url=reverse("organization:person", args=[person.pk]),
        back_label=str(person),
    )


def _assignment_or_404(request, pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("person__ente", "unit__ente"),
        pk=pk,
        person__ente=request.ente,
        unit__ente=request.ente,
    )


@ente_required
@require_http_methods(["GET", "POST"])
def assignment_update(request, pk: int):
    require_writer(request.user, request.ente)
    assignment = _assignment_or_404(request, pk)
    form = AssignmentForm(_posted(request), ente=request.ente, instance=assignment)
    locking.attach(form, assignment)
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: locking.run(
                form,
                [assignment],
                lambda: services.assignment_update(
                    user=request.user, assignment=assignment, data=data
                ),
            ),
            "Assegnazione aggiornata.",
        )
        if saved:
            return redirect("organization:person", pk=assignment.person_id)
    return _form_page(
        request,
        form,
        title=f"Modifica assegnazione di {assignment.person} a «{assignment.unit.name}»",
        cancel_url=reverse("organization:person", args=[assignment.person_id]),
        back_label=str(assignment.person),
    )


@ente_required
@require_POST
def assignment_end(request, pk: int):
    require_writer(request.user, request.ente)
    assignment = _assignment_or_404(request, pk)
    form = AssignmentEndForm(request.POST)
    saved = _save(
        request,
        form,
        lambda data: services.assignment_end(
            user=request.user, assignment=assignment, end_date=data["end_date"]
        ),
        "Assegnazione di {obj.person} a «{obj.unit.name}» conclusa.",
    )
    if saved:
        return HttpResponseRedirect(reverse("organization:person", args=[assignment.person_id]))
    return _form_page(
        request,
        form,
        title=f"Concludi l'assegnazione di {assignment.person} a «{assignment.unit.name}»",
        cancel_url=reverse("organization:person", args=[assignment.person_id]),
        back_label=str(assignment.person),
    )


# --- payroll import ------------------------------------------------------------------------

PAYROLL_SESSION_KEY = "organization.payroll_file"


def _payroll_page(request, *, plan=None, error: str = "", status: int = 200):
    context = {"plan": plan, "error": error, "columns": payroll.COLUMNS.values()}
    return render(request, "organization/payroll.html", context, status=status)


@ente_required
@require_http_methods(["GET", "POST"])
def payroll_upload(request):
    """Upload the payroll export and see what the import would do (nothing is written)."""
    require_writer(request.user, request.ente)
    if request.method == "GET":
        return _payroll_page(request)
    upload = request.FILES.get("file")
    if upload is None:
        return _payroll_page(request, error="Scegli il file da importare.", status=400)
    content = upload.read()
    plan = payroll.payroll_preview(ente=request.ente, content=content, filename=upload.name)
    if plan.file_problem:
        return _payroll_page(request, error=plan.file_problem, status=400)
    # The file waits in the session for the confirmation: the commit reads it again.
    request.session[PAYROLL_SESSION_KEY] = {
        "ente": request.ente.pk,
        "name": upload.name,
        "content": base64.b64encode(content).decode("ascii"),
        "sha256": plan.sha256,
    }
    return _payroll_page(request, plan=plan)


@ente_required
@require_POST
def payroll_commit(request):
    require_writer(request.user, request.ente)
    stored = request.session.get(PAYROLL_SESSION_KEY) or {}
    if stored.get("ente") != request.ente.pk or stored.get("sha256") != request.POST.get("sha256"):
        messages.error(request, "Il file da importare non è più disponibile: caricalo di nuovo.")
        return redirect("organization:payroll_upload")
    content = base64.b64decode(stored["content"])
    try:
        plan = payroll.payroll_import(
            user=request.user, ente=request.ente, content=content, filename=stored["name"]
        )
    except ServiceError as error:
        preview = payroll.payroll_preview(
            ente=request.ente, content=content, filename=stored["name"]
        )
        return _payroll_page(request, plan=preview, error=error.message, status=400)
    del request.session[PAYROLL_SESSION_KEY]
    if plan.has_changes:
        messages.success(
            request,
            f"Anagrafica importata da «{plan.filename}»: {plan.count(payroll.CREATE)} nuove "
            f"persone, {plan.count(payroll.UPDATE)} aggiornate, "
            f"{plan.count(payroll.UNCHANGED)} invariate.",
        )
    else:
        messages.info(request, f"«{plan.filename}»: nessuna modifica, l'anagrafica è già così.")
    return redirect("organization:people")


# --- the enti of the platform --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ente_list(request):
    """The platform administrator's page: the hosted enti, and a new one with its first
    administrator (invited by e-mail), through the service of `manage.py create_ente`."""
    require_platform_admin(request.user)
    form = EnteCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ente, admin = services.ente_create(
                user=request.user,
                data=data,
                admin_username=data["admin_username"],
                admin_email=data["admin_email"],
                admin_password=None,
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            send_invitation(request, admin, ente)
            messages.success(
                request,
                f"Creato l'ente «{ente.name}»: l'invito è stato inviato a {admin.email}.",
            )
            return redirect("organization:ente_list")
    enti = Ente.objects.annotate(accounts=Count("memberships__user", distinct=True)).order_by(
        "name"
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "organization/ente_list.html", {"form": form, "enti": enti}, status=status
    )
