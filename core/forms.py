"""The form kit of every page: one base form, fields built from the models, Italian numbers.

Forms only convert and check the format; the business rules and their Italian messages live in
the services, and `add_service_error` shows a refused write next to its field. Accessibility
comes from Django 5.2 itself (``aria-invalid``, and ``aria-describedby`` pointing at
``<id>_helptext`` and ``<id>_error``) together with the one partial that renders a field,
``templates/includes/_field.html``, which uses exactly those ids.

Numbers are typed the Italian way in a text input (``inputmode="decimal"`` opens the numeric
keyboard on phones): «1.700» is 1700, «11,11» is 11.11, by `engine.numbers.parse_number`. A
browser's number input would send «1.125» for what the person typed as «1,125», which the
Italian rules would then read as 1125, so no number input is used for decimals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import fields_for_model, model_to_dict

from core.exceptions import ServiceError
from engine.numbers import NumberError, format_number, parse_number

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ItalianDecimalField(forms.DecimalField):
    """A decimal typed the Italian way; shown back the Italian way («1.234,5»)."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Scrivi un numero, con la virgola per i decimali."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("localize", None)  # the Italian rules are the only ones
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return Decimal(value)
        try:
            return parse_number(str(value))
        except NumberError as exc:
            raise ValidationError(f"{str(exc).capitalize()}.", code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return format_number(Decimal(value))
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not isinstance(widget, forms.NumberInput):
            attrs.setdefault("inputmode", "decimal")
        return attrs


def formfield_for(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """The form field of a model field, the Performa way: Italian decimals, date pickers."""
    if isinstance(db_field, models.DecimalField):
        return db_field.formfield(form_class=ItalianDecimalField, **kwargs)
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", DATE_WIDGET)
    return db_field.formfield(**kwargs)


def style_field(field: forms.Field) -> None:
    """Bootstrap Italia classes on a field's widget."""
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        widget.attrs.setdefault("class", "form-check-input")
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        widget.attrs.setdefault("class", "form-select")
    elif not isinstance(widget, forms.HiddenInput | forms.ClearableFileInput):
        widget.attrs.setdefault("class", "form-control")
    if isinstance(widget, forms.Textarea):
        widget.attrs.setdefault("rows", 3)
    if isinstance(field, forms.DateField) and not isinstance(widget, forms.HiddenInput):
        # The browser's date picker needs ISO values.
        field.widget = forms.DateInput(attrs={**widget.attrs, "type": "date"}, format="%Y-%m-%d")


class PerformaForm(forms.Form):
    """Styled widgets, and the services' refusals shown where they belong."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            style_field(field)

    def add_service_error(self, error: ServiceError) -> None:
        """Show a ServiceError next to its field, or on top of the form."""
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class ModelFieldsForm(PerformaForm):
    """A plain form whose fields come from `model`/`field_names` (labels and help texts from
    the model). It never saves: the cleaned data go to a service."""

    model: ClassVar[type[models.Model]]
    field_names: ClassVar[tuple[str, ...]] = ()
    widgets: ClassVar[dict[str, type[forms.Widget] | forms.Widget]] = {}

    def __init__(self, *args: Any, instance: models.Model | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = model_to_dict(instance, fields=self.field_names)
        generated = fields_for_model(
            self.model,
            fields=self.field_names,
            widgets=self.widgets,
            formfield_callback=formfield_for,
        )
        super().__init__(*args, **kwargs)
        self.instance = instance
        declared = dict(self.fields)
        names = list(self.field_names) + [n for n in declared if n not in self.field_names]
        self.fields = {name: declared.get(name) or generated[name] for name in names}
        for field in self.fields.values():
            style_field(field)
