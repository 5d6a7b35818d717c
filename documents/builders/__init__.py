"""Builders: one function per document kind, from the cycle's data to a `Document`.

`build(kind, cycle, window=..., person=...)` is the only entry point the services, the command,
the views and the API use; `FORMATS` says which formats each kind has.
"""

from __future__ import annotations

from documents.builders.common import DocumentUnavailable
from documents.model import Document

ALL_FORMATS = ("pdf", "docx", "xlsx")
FORMATS = {
    "piano": ALL_FORMATS,
    "portale": ("xlsx",),
    "monitoraggio": ALL_FORMATS,
    "relazione": ALL_FORMATS,
    "validazione": ALL_FORMATS,
    "accompagnamento": ALL_FORMATS,
    "scheda": ALL_FORMATS,
    "premi": ALL_FORMATS,
    "premi_aggregati": ALL_FORMATS,
    "smvp": ALL_FORMATS,
}
NEEDS_WINDOW = frozenset({"monitoraggio"})
NEEDS_PERSON = frozenset({"scheda"})


def build(kind: str, cycle, *, window=None, person=None) -> Document:
    from documents.builders import (
        individuale,
        monitoraggio,
        nucleo,
        piano,
        portale,
        relazione,
        smvp,
    )

    builders = {
        "piano": lambda: piano.build(cycle),
        "portale": lambda: portale.build(cycle),
        "monitoraggio": lambda: monitoraggio.build(cycle, window),
        "relazione": lambda: relazione.build(cycle),
        "validazione": lambda: nucleo.build_validation(cycle),
        "accompagnamento": lambda: nucleo.build_accompaniment(cycle),
        "scheda": lambda: individuale.build_scheda(cycle, person),
        "premi": lambda: individuale.build_premi(cycle),
        "premi_aggregati": lambda: individuale.build_premi_aggregati(cycle),
        "smvp": lambda: smvp.build(cycle),
    }
    if kind not in builders:
        raise DocumentUnavailable(f"Documento «{kind}» sconosciuto.")
    return builders[kind]()


__all__ = ["ALL_FORMATS", "FORMATS", "DocumentUnavailable", "build"]
