"""«I miei dati»: the download of everything Performa holds about a person (GDPR art. 15)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from accounts.access import ADMIN
from accounts.decorators import ente_required
from core.audit import record
from operations.personal_data import personal_data_json
from organization.models import Person


def _own_person(request) -> Person | None:
    person_id = request.ente_access.person_id
    if person_id is None:
        return None
    return Person.objects.filter(pk=person_id, ente=request.ente).first()


def _download(request, person: Person) -> HttpResponse:
    record(
        user=request.user,
        action="person.personal_data_export",
        obj=person,
        ente=person.ente,
        changes={},
    )
    response = HttpResponse(
        personal_data_json(person), content_type="application/json; charset=utf-8"
    )
    name = f"dati-personali-{slugify(str(person))}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@ente_required
def my_data(request):
    person = _own_person(request)
    if request.method == "POST" and person is not None:
        return _download(request, person)
    return render(request, "operations/my_data.html", {"person": person})


@ente_required(roles=(ADMIN,))
def person_data(request, pk: int):
    """The administrator answers a request of a person (art. 15) on their behalf."""
    person = get_object_or_404(Person, pk=pk, ente=request.ente)
    return _download(request, person)
