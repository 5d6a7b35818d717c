"""Reports of the cycle. The Relazione sulla Performance must be validated by the Nucleo di
Valutazione before any premium is paid (art. 14 c.6 D.Lgs. 150/2009)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planning.models import Cycle


class ReportValidation(models.Model):
    """The Nucleo's validation of the Relazione sulla Performance of a cycle."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="report_validation")
    validated_on = models.DateField("data di validazione")
    act_label = models.CharField("documento di validazione", max_length=255)
    note = models.TextField("note", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "validazione della Relazione"
        verbose_name_plural = "validazioni della Relazione"

    def __str__(self) -> str:
        return f"Relazione {self.cycle.year} validata il {self.validated_on:%d/%m/%Y}"
