"""Users and their roles per ente."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A login. `is_platform_admin` is the ICT of an unione hosting several enti."""

    is_platform_admin = models.BooleanField(
        "amministratore di piattaforma",
        default=False,
        help_text="Gestisce tutti gli enti ospitati (ICT dell'unione).",
    )
    # Opt-in (GDPR art. 6 and plain courtesy): nobody gets the weekly e-mail unless they ask.
    weekly_digest = models.BooleanField(
        "riepilogo settimanale per e-mail",
        default=False,
        help_text="Ogni settimana, per e-mail, l'elenco «Cosa devo fare» con le scadenze.",
    )

    class Meta:
        verbose_name = "utente"
        verbose_name_plural = "utenti"

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username


class MembershipRole(models.TextChoices):
    ADMIN = "admin", "Amministratore (Segretario/Direttore)"
    RESPONSABILE = "responsabile", "Responsabile di unità"
    DIPENDENTE = "dipendente", "Dipendente"
    NUCLEO = "nucleo", "Componente del Nucleo di Valutazione / OIV"
    GIUNTA = "giunta", "Giunta (sola lettura)"


class Membership(models.Model):
    """A user's role in one ente; `person` links the login to the personnel record."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    ente = models.ForeignKey(
        "organization.Ente", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("ruolo", max_length=20, choices=MembershipRole.choices)
    person = models.ForeignKey(
        "organization.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="memberships",
    )

    class Meta:
        ordering = ["ente", "user"]
        verbose_name = "ruolo nell'ente"
        verbose_name_plural = "ruoli negli enti"
        constraints = [
            models.UniqueConstraint(fields=["user", "ente", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.ente} ({self.get_role_display()})"
