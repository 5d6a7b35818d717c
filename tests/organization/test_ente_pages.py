"""The platform administrator's page «Enti ospitati», and the ente's stemma in the header."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Membership, MembershipRole, User
from core.exceptions import ServiceError
from core.images import check_raster
from core.models import AuditEntry
from organization.models import Ente

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Unione dei Comuni della Bassa",
    "slug": "unione-bassa",
    "kind": "unione",
    "ipa_code": "ucb_01",
    "istat_code": "",
    "headcount": "38",
    "admin_username": "segretaria.bassa",
    "admin_email": "segretaria@bassa.example.it",
}


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_platform_admin_creates_an_ente_and_invites_its_administrator(world, enter):
    client = enter(world.users["platform"], world.ente)
    page = client.get(reverse("organization:ente_list")).content.decode()
    assert "Unione dei Comuni di Prova" in page and "Comune Altro" in page
    response = client.post(reverse("organization:ente_list"), NEW)
    assert response.status_code == 302
    ente = Ente.objects.get(slug="unione-bassa")
    assert (ente.name, ente.kind, ente.headcount) == ("Unione dei Comuni della Bassa", "unione", 38)
    admin = User.objects.get(username="segretaria.bassa")
    assert not admin.has_usable_password()
    assert Membership.objects.get(user=admin, ente=ente).role == MembershipRole.ADMIN
    [invitation] = mail.outbox
    assert invitation.to == ["segretaria@bassa.example.it"]
    assert "/password/" in invitation.body and "segretaria.bassa" in invitation.body
    entries = AuditEntry.objects.filter(ente=ente)
    assert set(entries.values_list("action", flat=True)) == {
        "ente.create",
        "account.invite",
        "membership.create",
    }
    assert set(entries.values_list("user", flat=True)) == {world.users["platform"].pk}


def test_a_refusal_is_shown_on_the_form(world, enter):
    client = enter(world.users["platform"], world.ente)
    response = client.post(reverse("organization:ente_list"), NEW | {"slug": "unione-prova"})
    assert response.status_code == 400
    assert "Esiste già un ente con identificativo «unione-prova»" in response.content.decode()
    assert not User.objects.filter(username="segretaria.bassa").exists()
    assert mail.outbox == []


def test_only_platform_admins_open_the_page(world, enter):
    client = enter(world.users["admin"], world.ente)
    assert client.get(reverse("organization:ente_list")).status_code == 403
    assert client.post(reverse("organization:ente_list"), NEW).status_code == 403
    assert not Ente.objects.filter(slug="unione-bassa").exists()


def test_the_menu_offers_the_page_to_platform_admins_only(world, enter):
    url = reverse("organization:ente_list")
    assert url in enter(world.users["platform"], world.ente).get("/").content.decode()
    assert url not in enter(world.users["admin"], world.ente).get("/").content.decode()


# --- the stemma ----------------------------------------------------------------------------


def _png(size=(8, 8), mode="RGB") -> bytes:
    stream = io.BytesIO()
    Image.new(mode, size).save(stream, format="PNG")
    return stream.getvalue()


def test_check_raster_accepts_real_pictures_only():
    assert check_raster(io.BytesIO(_png()), field="stemma") == "PNG"
    with pytest.raises(ServiceError, match="non è un'immagine PNG o JPEG leggibile"):
        check_raster(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), field="stemma")
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, format="GIF")
    gif.seek(0)
    with pytest.raises(ServiceError, match="deve essere PNG o JPEG"):
        check_raster(gif, field="stemma")
    with pytest.raises(ServiceError, match="troppo grande \\(5000×4000 pixel\\)"):
        check_raster(io.BytesIO(_png((5000, 4000), mode="1")), field="stemma")


def test_the_stemma_shows_in_the_header(world, enter, settings, tmp_path):
    from documents.services import branding_update

    settings.MEDIA_ROOT = tmp_path
    client = enter(world.users["admin"], world.ente)
    stemma_url = reverse("transparency:stemma", args=[world.ente.slug])
    assert stemma_url not in client.get("/").content.decode()
    upload = SimpleUploadedFile("stemma.png", _png(), content_type="image/png")
    branding_update(user=world.users["admin"], ente=world.ente, stemma=upload)
    assert f'src="{stemma_url}"' in client.get("/").content.decode()
    assert client.get(stemma_url)["Content-Type"] == "image/png"
    fake = SimpleUploadedFile("stemma.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(ServiceError, match="Lo stemma non è un'immagine"):
        branding_update(user=world.users["admin"], ente=world.ente, stemma=fake)
