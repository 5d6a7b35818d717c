"""The form kit: Italian decimals in text inputs, model fields, the one field partial."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.template.loader import render_to_string

from core.exceptions import ServiceError
from core.forms import ItalianDecimalField, ModelFieldsForm, PerformaForm
from organization.models import Employment


class WeightForm(PerformaForm):
    weight = ItalianDecimalField(label="Peso", max_digits=7, decimal_places=2, help_text="In %.")
    note = forms.CharField(label="Nota", required=False)


def test_decimals_are_read_the_italian_way():
    for typed, expected in [("1.700", "1700"), ("11,11", "11.11"), ("1.234,5", "1234.5")]:
        form = WeightForm({"weight": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["weight"] == Decimal(expected)


def test_a_number_that_would_be_guessed_is_refused_in_italian():
    form = WeightForm({"weight": "1,234.56"})
    assert not form.is_valid()
    assert form.errors["weight"][0].startswith("«1,234.56» non è un numero")
    too_many = WeightForm({"weight": "1,234"})
    assert not too_many.is_valid()  # two decimal places at most, Django's own message


def test_decimals_are_shown_back_the_italian_way_in_a_text_input():
    html = str(WeightForm(initial={"weight": Decimal("1700.50")})["weight"])
    assert 'value="1.700,5"' in html
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert 'class="form-control"' in html


def test_the_field_partial_links_help_and_error_to_the_input():
    form = WeightForm({"weight": "tanti"})
    form.is_valid()
    html = render_to_string("includes/_field.html", {"field": form["weight"]})
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_weight_helptext id_weight_error"' in html
    assert 'id="id_weight_error"' in html and 'role="alert"' in html
    assert 'id="id_weight_helptext"' in html


def test_service_errors_go_next_to_their_field_or_on_top():
    form = WeightForm({"weight": "1"})
    form.is_valid()
    form.add_service_error(ServiceError("Il peso supera il totale.", field="weight"))
    form.add_service_error(ServiceError("Il piano è approvato.", field="cycle"))
    assert form.errors["weight"] == ["Il peso supera il totale."]
    assert form.non_field_errors() == ["Il piano è approvato."]
    html = render_to_string("includes/_form_errors.html", {"form": form})
    assert "Il piano è approvato." in html and 'role="alert"' in html


class EmploymentForm(ModelFieldsForm):
    model = Employment
    field_names = ("part_time_percent", "start_date")


def test_model_fields_take_labels_from_the_model_and_italian_decimals():
    form = EmploymentForm({"part_time_percent": "66,67", "start_date": "2024-01-01"})
    assert isinstance(form.fields["part_time_percent"], ItalianDecimalField)
    assert form.fields["start_date"].widget.input_type == "date"
    assert form.is_valid(), form.errors
    assert form.cleaned_data["part_time_percent"] == Decimal("66.67")
