"""Forms of the login pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form with Italian labels and messages that say what to do."""

    error_messages = {
        "invalid_login": (
            "Nome utente o password non corretti. Controlla di averli scritti esattamente "
            "(maiuscole e minuscole contano)."
        ),
        "inactive": "Questo utente è disattivato. Rivolgiti all'amministratore dell'ente.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Nome utente"
        self.fields["username"].error_messages["required"] = "Indica il nome utente."
        self.fields["username"].widget.attrs.update({"class": "form-control"})
        self.fields["password"].label = "Password"
        self.fields["password"].error_messages["required"] = "Indica la password."
        self.fields["password"].widget.attrs.update({"class": "form-control"})


class EnteChoiceForm(forms.Form):
    """The ente picked on the choice page; access is re-checked by the view."""

    ente = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": "Scegli un ente.", "invalid": "Ente non valido."},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
