"""The plan tree: collapsible branches, «espandi tutto», search across titles, codes and
responsabili, filters in the URL, searchable long selects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planning import selectors

pytestmark = pytest.mark.django_db


def _keys(plan, text: str) -> set[str]:
    tree = selectors.plan_tree(plan.cycle, selectors.TreeFilters(text=text))
    found = {o.key for node in tree.unlinked for o in node.objectives}
    found |= {o.key for n in tree.areas for item in n.strategic for o in item.objectives}
    return found


def test_search_finds_the_objectives_of_a_responsabile_by_name(plan):
    # Anna Neri leads «finanze» and is named on the budget objective: both of her unit's show.
    assert _keys(plan, "neri") == {"fin-tempi-pagamento", "bilancio"}
    assert _keys(plan, "NERI anna") == {"fin-tempi-pagamento", "bilancio"}
    # Every word must match: Neri's objectives about payments only.
    assert _keys(plan, "neri pagamento") == {"fin-tempi-pagamento"}
    assert _keys(plan, "verdi bilancio") == set()


def test_the_tree_is_collapsible_with_expand_all(plan, enter):
    client = enter(plan.users.dipendente, plan.ente)
    body = client.get(reverse("planning:tree"), {"anno": 2025}).content.decode()
    assert body.count('<details class="plan-branch') >= 2
    assert "<summary>" in body
    # The buttons are for the script: hidden until it runs (static/js/performa.js).
    assert 'data-tree-toggles data-target="plan-results" hidden' in body
    assert "Espandi tutto" in body and "Comprimi tutto" in body
    searchable = 'id="f-responsabile" name="responsabile" class="form-select" data-searchable'
    assert searchable in body


def test_filters_live_in_the_url_and_come_back_in_the_form(plan, enter):
    client = enter(plan.users.dipendente, plan.ente)
    url = reverse("planning:tree")
    response = client.get(url, {"anno": 2025, "q": "neri", "responsabile": plan.ragioniere.pk})
    body = response.content.decode()
    assert 'value="neri"' in body
    assert f'<option value="{plan.ragioniere.pk}" selected>' in body
    assert "2 obiettivi operativi corrispondono ai filtri." in body
