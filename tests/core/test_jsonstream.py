"""`core.jsonstream.write_json` writes the same document as `json.dumps`, piece by piece."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from core.jsonstream import write_json

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=6), values, max_size=6))
def test_the_streamed_document_reads_back_as_the_original(document):
    out = io.StringIO()
    write_json(out, document)
    assert json.loads(out.getvalue()) == document


def test_lists_are_written_one_element_a_line_and_italian_text_stays_readable():
    out = io.StringIO()
    write_json(out, {"ente": "Unione del Sorbara", "righe": [{"a": 1}, {"b": "città"}], "x": []})
    assert out.getvalue() == (
        '{\n  "ente": "Unione del Sorbara",\n  "righe": [\n    {"a": 1},\n    {"b": "città"}\n  ],'
        '\n  "x": []\n}\n'
    )
