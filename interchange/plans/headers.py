"""The columns a plan table may have, and how their Italian headers are recognised.

A header is folded (lower case, no accents, no punctuation) and compared with the spellings
below; a year in the header («Target 2025», «Valore atteso (2021) (b)», «Indicatore di
risultato 2024») is taken apart and becomes the year of the column. What is not recognised is
shown to the user, who maps it to a field or ignores it; that choice is saved for the ente.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from planning.target_text import fold

IGNORE = "ignora"

# field -> (label shown to people, spellings after folding)
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "area": ("Area", ("area", "settore", "area organizzativa", "struttura", "macrostruttura")),
    "unit": (
        "Servizio / unità",
        (
            "servizio",
            "servizi",
            "unita",
            "unita organizzativa",
            "servizio unita",
            "servizio ufficio",
            "ufficio",
            "uo",
            "u o",
            "struttura organizzativa",
        ),
    ),
    "peg_code": (
        "Centro di costo / PEG",
        ("centro di costo", "cdc", "peg", "codice peg", "centro di costo peg", "centro costo"),
    ),
    "responsible": (
        "Responsabile",
        (
            "responsabile",
            "responsabili",
            "dirigente",
            "referente",
            "responsabile obiettivo",
            "responsabile dell obiettivo",
        ),
    ),
    "mission": ("Missione", ("missione", "missione dup", "codice missione")),
    "programme": ("Programma", ("programma", "programma dup", "codice programma")),
    "strategic_area": ("Area strategica", ("area strategica", "ambito strategico")),
    "strategic_objective": (
        "Obiettivo strategico",
        ("obiettivo strategico", "obiettivi strategici", "linea strategica", "obiettivo dup"),
    ),
    "section": ("Sezione", ("sezione", "sezione del piano")),
    "objective_code": (
        "Codice obiettivo",
        ("codice", "codice obiettivo", "cod", "cod obiettivo", "n", "nr", "numero", "id"),
    ),
    "objective": (
        "Obiettivo operativo",
        (
            "obiettivo",
            "obiettivi",
            "obiettivo operativo",
            "obiettivi operativi",
            "obiettivo di performance",
            "denominazione obiettivo",
            "titolo obiettivo",
            "obiettivo annuale",
            "obiettivo gestionale",
        ),
    ),
    "kind": ("Tipo", ("tipo", "tipologia", "tipo obiettivo", "tipologia obiettivo", "s m")),
    "description": (
        "Descrizione",
        ("descrizione", "descrizione obiettivo", "finalita", "descrizione sintetica"),
    ),
    "expected_result": (
        "Risultato atteso",
        ("risultato atteso", "risultati attesi", "output atteso", "output"),
    ),
    "indicator": (
        "Indicatore",
        (
            "indicatore",
            "indicatori",
            "indicatore di risultato",
            "indicatori di risultato",
            "denominazione indicatore",
            "indicatore di performance",
        ),
    ),
    "indicator_code": ("Codice indicatore", ("codice indicatore", "cod indicatore")),
    "indicator_description": (
        "Descrizione dell'indicatore",
        ("descrizione indicatore", "definizione indicatore", "definizione"),
    ),
    "formula": (
        "Formula",
        ("formula", "formula di calcolo", "modalita di calcolo", "algoritmo di calcolo"),
    ),
    "dimension": (
        "Dimensione",
        ("dimensione", "dimensione di performance", "dimensione della performance"),
    ),
    "unit_of_measure": ("Unità di misura", ("unita di misura", "unita misura", "um", "u m")),
    "data_source": ("Fonte dei dati", ("fonte", "fonte dei dati", "fonte dati")),
    "baseline": (
        "Baseline",
        (
            "baseline",
            "valore di partenza",
            "valore attuale",
            "valore storico",
            "valore iniziale",
            "valore consuntivo anno precedente",
            "situazione di partenza",
        ),
    ),
    "target": (
        "Target",
        ("target", "valore atteso", "valore obiettivo", "standard", "risultato atteso indicatore"),
    ),
    "year": ("Anno", ("anno", "anno di riferimento", "esercizio")),
    "weight": ("Peso", ("peso", "pesi", "pesatura", "peso obiettivo", "ponderazione")),
    "weight_group": ("Gruppo di pesatura", ("gruppo di pesatura", "gruppo pesi", "gruppo")),
    "deadline": (
        "Scadenza",
        ("scadenza", "termine", "data di scadenza", "data scadenza", "tempi di realizzazione"),
    ),
    "phase": (
        "Fase",
        ("fase", "fasi", "modalita di attuazione", "azione", "azioni", "fasi di attuazione"),
    ),
    "phase_timing": ("Tempi della fase", ("tempi", "tempistica", "cronoprogramma", "periodo")),
    "stakeholders": ("Stakeholder", ("stakeholder", "stakeholders", "portatori di interesse")),
    "transversal": ("Trasversale", ("trasversale", "obiettivo trasversale")),
    "payment_time": ("Tempi di pagamento", ("tempi di pagamento", "obiettivo tempi di pagamento")),
    "years": ("Anni", ("anni", "anni di riferimento", "annualita")),
    "key": ("Chiave Performa", ("chiave", "chiave performa", "chiave obiettivo")),
    "indicator_key": ("Chiave dell'indicatore", ("chiave indicatore",)),
    "polarity": ("Polarità", ("polarita",)),
    "group_kind": ("Tipo di gruppo", ("tipo di gruppo", "tipo gruppo")),
    "expected_total": ("Totale atteso", ("totale atteso", "totale")),
    "scheme_share": ("Quota nella scheda", ("quota nella scheda", "quota scheda")),
    "group_note": ("Note del gruppo", ("note del gruppo",)),
    "units_label": ("Unità coinvolte", ("unita coinvolte", "unita organizzative")),
    "stakeholders_final": ("Stakeholder finali", ("stakeholder finali",)),
    "stakeholders_intermediate": ("Stakeholder intermedi", ("stakeholder intermedi",)),
    "peg_services": ("Servizi PEG coinvolti", ("servizi peg coinvolti", "servizi peg")),
    "criticalities": ("Criticità da presidiare", ("criticita da presidiare", "criticita")),
    "expected_impact": ("Impatto atteso", ("impatto atteso",)),
    "strategic_code": ("Codice obiettivo strategico", ("codice obiettivo strategico",)),
    "strategic_description": (
        "Descrizione dell'obiettivo strategico",
        ("descrizione obiettivo strategico",),
    ),
    "baseline_year": ("Anno della baseline", ("anno della baseline", "anno baseline")),
    "responsible_keys": ("Chiavi dei responsabili", ("chiavi dei responsabili",)),
    "tags": ("Ambiti PIAO", ("ambiti piao", "ambiti piao 2 2")),
    "indicator_responsible": (
        "Responsabile dell'indicatore",
        ("responsabile dell indicatore", "responsabile indicatore"),
    ),
    "formula_expression": (
        "Formula di calcolo automatico",
        ("formula di calcolo automatico", "espressione"),
    ),
    "deadline_text": ("Scadenza come scritta", ("scadenza come scritta",)),
    "target_structured": ("Target strutturato", ("target strutturato",)),
    "phase_label": ("Etichetta della fase", ("etichetta fase", "lettera")),
    "phase_start": ("Inizio della fase", ("inizio fase", "inizio della fase", "data inizio fase")),
    "phase_end": ("Fine della fase", ("fine fase", "fine della fase", "data fine fase")),
    "phase_responsible": (
        "Responsabile della fase",
        ("responsabile fase", "responsabile della fase"),
    ),
    "dimension_label": ("Dimensione come scritta", ("dimensione come scritta",)),
    "indicator_standard": (
        "Standard dell'indicatore",
        ("standard dell indicatore", "standard indicatore"),
    ),
    "tolerance": ("Tolleranza", ("tolleranza", "tolleranza ammessa")),
    "indicator_weight": ("Peso dell'indicatore", ("peso dell indicatore", "peso indicatore")),
    "group_years": ("Anni del gruppo", ("anni del gruppo",)),
    "phase_kind": ("Tipo di fase", ("tipo fase", "tipo di fase")),
    IGNORE: (
        "Ignorata",
        (
            "consuntivo",
            "valore consuntivo",
            "valore a consuntivo",
            "scostamento",
            "valutazione",
            "grado di raggiungimento",
            "note",
            "risultato raggiunto",
            "tolleranza scostamento",
        ),
    ),
}

# Fields that apply to the rows below when a cell is left empty (written once above).
CARRIED = (
    "area",
    "unit",
    "peg_code",
    "responsible",
    "mission",
    "programme",
    "strategic_area",
    "strategic_objective",
    "section",
)

# The year columns hold a value per year: «target 2024», «baseline 2023».
YEARLY = {"target", "baseline"}

_LETTERS = re.compile(r"\(\s*[a-e]\s*\)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*[/-]\s*\d{2,4})?(?!\d)")


@dataclass(frozen=True)
class Column:
    index: int
    header: str  # as written
    field: str | None  # None: not recognised (the user must map or ignore it)
    year: int | None = None
    source: str = "auto"  # auto | saved | explicit


def header_key(text: str) -> str:
    """The folded form of a header, without years and (a)/(b) markers: the mapping's key."""
    folded = fold(text)
    folded = _LETTERS.sub(" ", folded)
    folded = re.sub(r"[^a-z0-9%]+", " ", folded)
    return re.sub(r"\s+", " ", folded).strip()


def split_year(text: str) -> tuple[str, int | None]:
    key = header_key(text)
    match = _YEAR.search(key)
    if match is None:
        return key, None
    rest = (key[: match.start()] + " " + key[match.end() :]).strip()
    rest = re.sub(r"\b(anno|al|del)\s*$", "", rest).strip()
    return re.sub(r"\s+", " ", rest), int(match.group(1))


_LOOKUP = {spelling: name for name, (_, spellings) in FIELDS.items() for spelling in spellings}
_LOOKUP.update({name: name for name in FIELDS})  # the template's own field names


def recognise(text: str) -> tuple[str | None, int | None]:
    """The field and year of a header, or (None, year) when it is not recognised."""
    base, year = split_year(text)
    base = base.replace("%", "").strip()
    if base in _LOOKUP:
        return _LOOKUP[base], year
    # «Obiettivo 2021», «Valore atteso (2021) (b)» lose their years above; «Peso %» its sign.
    trimmed = re.sub(r"\b(previsto|prevista|programmato|atteso|anno)\b", "", base).strip()
    if trimmed in _LOOKUP and trimmed:
        return _LOOKUP[trimmed], year
    return None, year


def field_label(name: str | None) -> str:
    if name is None:
        return "non riconosciuta"
    return FIELDS[name][0]


def field_choices() -> list[tuple[str, str]]:
    return [(name, label) for name, (label, _) in FIELDS.items()]
