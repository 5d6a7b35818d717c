"""«Amministrazione Trasparente > Performance»: only what the ente published, audited (the
published pages themselves: test_public_pages)."""

from __future__ import annotations

import pytest
from django.test import Client

from core.exceptions import ServiceError
from core.models import AuditEntry
from documents import services
from documents.models import Publication


def test_unpublished_or_withdrawn_is_not_served(sorbara):
    client = Client()
    assert client.get("/trasparenza/unione-sorbara/performance/2024/smvp/").status_code == 404
    publication = services.publication_publish(
        user=None, ente=sorbara.ente, year=2024, section="smvp"
    )
    assert client.get("/trasparenza/unione-sorbara/performance/2024/smvp/").status_code == 200
    services.publication_withdraw(user=None, publication=publication)
    assert client.get("/trasparenza/unione-sorbara/performance/2024/smvp/").status_code == 404
    actions = list(
        AuditEntry.objects.filter(object_type="documents.Publication")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["publication.publish", "publication.withdraw"]
    assert Publication.objects.get(pk=publication.pk).withdrawn_at is not None


def test_a_document_must_exist_before_publication(sorbara):
    with pytest.raises(ServiceError, match="genera prima il documento"):
        services.publication_publish(user=None, ente=sorbara.ente, year=2024, section="piano")


def test_only_the_admin_publishes(make_user, sorbara):
    from core.exceptions import AccessDenied

    user = make_user("giunta-x", sorbara.ente, "giunta")
    with pytest.raises(AccessDenied):
        services.publication_publish(user=user, ente=sorbara.ente, year=2024, section="smvp")
