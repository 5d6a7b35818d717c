"""The payment figures of the ranking follow `PaymentReport`: copied in the transaction that
stores the report, so the ranking's figure and the payments pages never disagree."""

from __future__ import annotations

from django.db.models.signals import post_save

from payments.models import PaymentReport


def _on_report_save(sender, instance, raw=False, **kwargs) -> None:  # noqa: ARG001
    if raw:
        return
    from ranking import services

    services.record_payments(instance)


def connect() -> None:
    post_save.connect(_on_report_save, sender=PaymentReport, dispatch_uid="ranking-payments")
