"""Issue 7 item 4: an imported scheda's band must follow from its score and its scheme."""

from __future__ import annotations

import pytest

from appraisal.models import Scheda
from interchange.importer import InterchangeError, import_cycle
from tests.interchange.documents import rich_document

pytestmark = pytest.mark.django_db


def _scheda(document):
    return document["cycle"]["schede"][0]


def test_a_scheda_in_the_wrong_band_is_refused_with_its_path():
    document = rich_document()
    # 53 points on the «eq» scheme: band n. 1 (0–53,99, no premium), not the 100 % band.
    _scheda(document).update(total_points="53", band=0, premium_percent="100")
    with pytest.raises(InterchangeError) as refusal:
        import_cycle(document)
    messages = refusal.value.errors
    assert any(
        m.startswith("$.cycle.schede[0].band: fascia n. 0 non coerente: con 53 punti la fascia")
        for m in messages
    ), messages
    assert any(m.startswith("$.cycle.schede[0].premium_percent: premio 100") for m in messages)
    assert not Scheda.objects.exists()


def test_a_scheda_whose_band_follows_from_its_score_is_imported():
    document = rich_document()
    _scheda(document).update(total_points="55", band=0, premium_percent="100")
    import_cycle(document)
    scheda = Scheda.objects.get(person__key=_scheda(document)["person"])
    assert scheda.premium_percent == 100
