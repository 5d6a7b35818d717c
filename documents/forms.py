"""Forms of the «Documenti» area: they convert and check the format; services decide."""

from __future__ import annotations

from django import forms

from core.forms import DATE_WIDGET, TEXTAREA, PerformaForm
from documents.models import DocumentFormat, DocumentKind, PlanShape, PublicSection


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="Documento", choices=DocumentKind.choices)
    format = forms.ChoiceField(label="Formato", choices=DocumentFormat.choices)
    window = forms.IntegerField(label="Finestra di monitoraggio", required=False)
    person = forms.IntegerField(label="Persona", required=False)


class ValidationForm(forms.Form):
    OUTCOMES = [("valida", "Valida"), ("non_valida", "Non valida")]

    outcome = forms.ChoiceField(label="Esito", choices=OUTCOMES, widget=forms.RadioSelect)
    decided_on = forms.DateField(
        label="Data",
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    act_label = forms.CharField(label="Verbale / documento", max_length=255)
    reasons = forms.CharField(
        label="Sintesi delle motivazioni", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ShapeForm(forms.Form):
    plan_shape = forms.ChoiceField(
        label="Forma del Piano", choices=PlanShape.choices, required=False
    )


class StemmaForm(forms.Form):
    stemma = forms.FileField(label="Stemma (PNG, JPEG o SVG, fino a 2 MB)", required=False)
    remove = forms.BooleanField(label="Rimuovi lo stemma", required=False)


class PublishForm(forms.Form):
    year = forms.IntegerField(label="Anno")
    section = forms.ChoiceField(label="Sotto-sezione", choices=PublicSection.choices)


class ReportValidationForm(PerformaForm):
    validated_on = forms.DateField(label="Data di validazione", widget=DATE_WIDGET)
    act_label = forms.CharField(
        label="Documento di validazione",
        max_length=255,
        help_text="Es. Verbale del Nucleo di Valutazione n. 2 del 20/06/2026.",
    )
    note = forms.CharField(label="Note", required=False, widget=TEXTAREA)
