"""Forms of the organisation pages.

Plain forms (not ModelForms): they only parse and type-check the input; the business rules
and the Italian messages live in `organization.services`, so that imports, API and UI share
them. Fields are taken from the models to keep labels and help texts in one place.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import models
from django.db.models import Model
from django.forms.models import model_to_dict
from django.urls import reverse

from core.forms import DATE_WIDGET, PerformaForm, formfield_for
from organization.models import Assignment, Employment, Ente, Person, Unit
from organization.selectors import unit_choices_by_depth


def _model_field(model: type[Model], name: str, **kwargs: Any) -> forms.Field:
    db_field = model._meta.get_field(name)
    assert isinstance(db_field, models.Field)
    field = formfield_for(db_field, **kwargs)
    assert field is not None
    return field


class OrganizationForm(PerformaForm):
    """Initial values from an existing row; widgets styled by `core.forms.PerformaForm`."""

    model: type[Model]

    def __init__(self, *args, instance: Model | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = model_to_dict(instance, fields=list(self.base_fields))
        super().__init__(*args, **kwargs)
        self.instance = instance


class UnitForm(OrganizationForm):
    name = _model_field(Unit, "name", widget=forms.TextInput)
    kind = _model_field(Unit, "kind")
    parent = forms.TypedChoiceField(
        label="Unità superiore", required=False, coerce=int, empty_value=None
    )
    peg_code = _model_field(Unit, "peg_code")
    key = _model_field(
        Unit,
        "key",
        required=False,
        help_text="Lascia vuoto per ricavarla dalla denominazione.",
    )
    responsible = forms.ModelChoiceField(
        label="Responsabile", queryset=Person.objects.none(), required=False
    )
    responsible_label = _model_field(Unit, "responsible_label")
    assessore = _model_field(Unit, "assessore")
    description = _model_field(Unit, "description")
    order = _model_field(Unit, "order")

    def __init__(self, *args, ente, **kwargs):
        super().__init__(*args, **kwargs)
        own_pk = self.instance.pk if self.instance is not None else None
        # Only units of the same ente can be chosen as parent (the service re-checks cycles).
        self.fields["parent"].choices = [("", "— nessuna (unità di primo livello) —")] + [
            *unit_choices_by_depth(ente, without_subtree=own_pk)
        ]
        self.fields["responsible"].queryset = Person.objects.filter(ente=ente)
        self.ente = ente
        for name in ("key", "peg_code"):
            self._live_check(name, own_pk)

    def _live_check(self, name: str, own_pk: int | None) -> None:
        """Ask the server, while typing, whether the value is already taken (HTMX)."""
        field = self.fields[name]
        field.live_check = True  # type: ignore[attr-defined]  # read by includes/_field.html
        vals: dict[str, str | int] = {"field": name}
        if own_pk:
            vals["unit"] = own_pk
        field.widget.attrs.update(
            {
                "hx-get": reverse("organization:unit_check"),
                "hx-trigger": "input changed delay:400ms, change",
                "hx-target": f"#id_{name}_check",
                "hx-vals": json.dumps(vals),
            }
        )

    def clean_parent(self):
        pk = self.cleaned_data["parent"]
        if pk is None:
            return None
        return Unit.objects.filter(ente=self.ente, pk=pk).first()


class PersonForm(OrganizationForm):
    title = _model_field(Person, "title")
    first_name = _model_field(Person, "first_name")
    last_name = _model_field(Person, "last_name")
    email = _model_field(Person, "email")
    fiscal_code = _model_field(Person, "fiscal_code")
    payroll_number = _model_field(Person, "payroll_number")
    key = _model_field(
        Person, "key", required=False, help_text="Lascia vuoto per ricavarla da nome e cognome."
    )


class EmploymentForm(OrganizationForm):
    employer_name = _model_field(Employment, "employer_name")
    role = _model_field(Employment, "role")
    contract = _model_field(Employment, "contract")
    ccnl_area = _model_field(Employment, "ccnl_area")
    legacy_category = _model_field(Employment, "legacy_category")
    profile = _model_field(Employment, "profile")
    part_time_percent = _model_field(Employment, "part_time_percent")
    hours_per_week = _model_field(Employment, "hours_per_week")
    start_date = _model_field(Employment, "start_date")
    end_date = _model_field(Employment, "end_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer_name"].help_text = (
            "Lascia vuoto se il datore di lavoro è questo ente; altrimenti scrivilo come nel "
            "documento (es. Comune di Casalbuttano ed Uniti)."
        )


class AssignmentForm(OrganizationForm):
    unit = forms.TypedChoiceField(label="Unità organizzativa", coerce=int)
    kind = _model_field(Assignment, "kind")
    position = _model_field(Assignment, "position")
    source_ente_name = _model_field(Assignment, "source_ente_name")
    hours_per_week = _model_field(Assignment, "hours_per_week")
    share_percent = _model_field(Assignment, "share_percent")
    start_date = _model_field(Assignment, "start_date")
    end_date = _model_field(Assignment, "end_date")
    position_allowance = _model_field(
        Assignment,
        "position_allowance",
        help_text="Per un'EQ o un dirigente: l'importo annuo, usato dal calcolo dei premi.",
    )
    position_allowance_start = _model_field(
        Assignment, "position_allowance_start", help_text="Vuoto: dall'inizio dell'assegnazione."
    )
    position_allowance_end = _model_field(
        Assignment, "position_allowance_end", help_text="Vuoto: fino alla fine dell'assegnazione."
    )
    note = _model_field(Assignment, "note")

    def __init__(self, *args, ente, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "— scegli l'unità —")] + unit_choices_by_depth(ente)
        self.fields["unit"].error_messages["required"] = "Scegli l'unità organizzativa."
        self.ente = ente

    def clean_unit(self):
        # Choices are already limited to the ente; the query returns the row for the service.
        return Unit.objects.filter(ente=self.ente, pk=self.cleaned_data["unit"]).first()


class AssignmentEndForm(OrganizationForm):
    end_date = forms.DateField(label="Ultimo giorno nell'unità", widget=DATE_WIDGET)


class EnteCreateForm(OrganizationForm):
    """A new ente and its first administrator, who is invited by e-mail."""

    name = _model_field(Ente, "name", widget=forms.TextInput)
    slug = _model_field(
        Ente,
        "slug",
        help_text="Lettere minuscole, cifre e trattini (es. unione-terre-di-mezzo): compare negli "
        "indirizzi delle pagine pubbliche.",
    )
    kind = _model_field(Ente, "kind")
    ipa_code = _model_field(Ente, "ipa_code")
    istat_code = _model_field(Ente, "istat_code")
    headcount = _model_field(Ente, "headcount")
    admin_username = forms.CharField(
        label="Nome utente dell'amministratore",
        max_length=150,
        help_text="Di solito il Segretario o il Direttore: gestirà persone e ruoli dell'ente.",
    )
    admin_email = forms.EmailField(
        label="E-mail dell'amministratore",
        help_text="Riceve il collegamento, valido una sola volta, per scegliere la password.",
    )
