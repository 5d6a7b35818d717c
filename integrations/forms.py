from __future__ import annotations

from django import forms

from integrations.models import Scope


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Nome del token",
        max_length=120,
        help_text="Il sistema che lo userà, es. «Contabilità – tempi di pagamento».",
        error_messages={
            "required": "Dai un nome al token.",
            "max_length": "Al massimo 120 caratteri.",
        },
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    scopes = forms.MultipleChoiceField(
        label="Autorizzazioni",
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Scegli almeno un'autorizzazione."},
    )
