"""Forms of the login pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from accounts.models import MembershipRole
from core.forms import PerformaForm, style_field
from organization.models import Person


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


def _person_field(ente) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label="Persona dell'organico",
        queryset=Person.objects.filter(ente=ente).order_by("last_name", "first_name"),
        required=False,
        empty_label="— nessuna —",
        help_text="Obbligatoria per responsabili e dipendenti: è chi guida le unità, inserisce "
        "i valori e riceve la scheda.",
    )


class InviteForm(PerformaForm):
    """A new person's account, invited by e-mail; the rules are in `account_invite`."""

    first_name = forms.CharField(label="Nome", max_length=150, required=False)
    last_name = forms.CharField(label="Cognome", max_length=150, required=False)
    email = forms.EmailField(
        label="E-mail",
        error_messages={"invalid": "Scrivi un indirizzo e-mail valido (nome@ente.it)."},
        help_text="Riceve il collegamento per scegliere la password.",
    )
    username = forms.CharField(label="Nome utente", max_length=150)
    role = forms.ChoiceField(label="Ruolo", choices=MembershipRole.choices)

    def __init__(self, *args, ente, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = _person_field(ente)
        style_field(self.fields["person"])


class GrantForm(PerformaForm):
    role = forms.ChoiceField(label="Ruolo da assegnare", choices=MembershipRole.choices)

    def __init__(self, *args, ente, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = _person_field(ente)
        style_field(self.fields["person"])


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.label = "E-mail del tuo account"
        field.error_messages["required"] = "Indica l'e-mail del tuo account."
        field.error_messages["invalid"] = "Scrivi un indirizzo e-mail valido (nome@ente.it)."
        style_field(field)


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nuova password"
        self.fields["new_password2"].label = "Ripeti la nuova password"
        self.error_messages["password_mismatch"] = "Le due password non coincidono."
        for field in self.fields.values():
            field.error_messages["required"] = "Scrivi la password."
            style_field(field)


class ActivityFilterForm(PerformaForm):
    """The filters of «Registro delle attività», kept in the URL (GET)."""

    persona = forms.TypedChoiceField(label="Persona", required=False, coerce=int, empty_value=None)
    oggetto = forms.ChoiceField(label="Oggetto", required=False)
    dal = forms.DateField(label="Dal", required=False)
    al = forms.DateField(label="Al", required=False)

    def __init__(self, *args, people, object_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persona"].choices = [("", "Tutte")] + [(p.pk, str(p)) for p in people]
        self.fields["oggetto"].choices = [("", "Tutti")] + [(t, t) for t in object_types]

    def clean(self):
        data = super().clean()
        if data.get("dal") and data.get("al") and data["dal"] > data["al"]:
            self.add_error("al", "La data finale viene prima di quella iniziale.")
        return data


class PreferencesForm(PerformaForm):
    weekly_digest = forms.BooleanField(
        label="Ricevi ogni settimana per e-mail l'elenco «Cosa devo fare»",
        required=False,
        help_text="Il lunedì mattina, con le scadenze di ogni ente in cui hai un ruolo. "
        "Puoi smettere quando vuoi togliendo la spunta.",
    )
