"""The columns Performa reads from invoice files and the headers it recognises for each.

The canonical set follows FatturaPA, the PCC and the vocabulary of accounting exports
(documents-and-pcc.md §2.5). Headers are compared without case, accents, spaces or punctuation,
so «Data scad.», «DATA SCADENZA» and «DataScadenzaPagamento» all name the due date. Payments
may repeat with a number («Data pagamento 2», «Importo pagato 2») or come one per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from payments.values import normalise


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    synonyms: tuple[str, ...]
    help: str = ""


COLUMNS: tuple[Column, ...] = (
    Column(
        "sdi_id",
        "Identificativo SDI",
        (
            "Identificativo SDI",
            "Id SDI",
            "IdSdI",
            "Identificativo SdI fattura",
            "Codice SDI",
            "Numero SDI",
            "Progressivo SDI",
            "Identificativo fattura",
        ),
        "Identifica la fattura: con lo stesso identificativo una nuova importazione aggiorna.",
    ),
    Column(
        "number",
        "Numero fattura",
        (
            "Numero fattura",
            "Numero documento",
            "N. fattura",
            "Nr fattura",
            "Num. fattura",
            "Numero",
            "N. documento",
        ),
    ),
    Column(
        "issue_date",
        "Data emissione",
        ("Data emissione", "Data fattura", "Data documento", "Data emiss.", "Data"),
    ),
    Column(
        "received_date",
        "Data ricezione",
        (
            "Data ricezione",
            "Data ricezione SDI",
            "Data ricevimento",
            "Data di ricezione",
            "Data ricezione fattura",
            "Data arrivo",
            "Data consegna SDI",
            "Data protocollo",
            "Data registrazione",
        ),
        "Se manca si usa la data di emissione.",
    ),
    Column(
        "supplier_code",
        "Partita IVA / codice fiscale fornitore",
        (
            "Partita IVA fornitore",
            "Partita IVA",
            "P.IVA",
            "P. IVA",
            "PIVA",
            "Codice fiscale fornitore",
            "CF fornitore",
            "P.IVA/C.F.",
            "Partita IVA/Codice fiscale",
            "Codice fiscale/Partita IVA",
            "CF/PIVA",
            "IdFiscaleIVA",
            "Id fiscale fornitore",
            "Codice fiscale",
        ),
    ),
    Column(
        "supplier_name",
        "Fornitore",
        (
            "Denominazione fornitore",
            "Fornitore",
            "Ragione sociale",
            "Ragione sociale fornitore",
            "Creditore",
            "Beneficiario",
            "Denominazione",
            "Cedente prestatore",
        ),
    ),
    Column(
        "total",
        "Importo totale documento",
        (
            "Importo totale documento",
            "ImportoTotaleDocumento",
            "Importo totale",
            "Totale documento",
            "Importo fattura",
            "Totale fattura",
            "Importo lordo",
            "Totale",
            "Importo",
        ),
    ),
    Column(
        "taxable",
        "Imponibile",
        ("Imponibile", "Importo imponibile", "ImponibileImporto", "Totale imponibile"),
    ),
    Column("vat", "IVA", ("IVA", "Importo IVA", "Imposta", "Totale IVA", "Importo imposta")),
    Column(
        "split_payment",
        "Scissione dei pagamenti",
        (
            "Split payment",
            "Scissione pagamenti",
            "Scissione dei pagamenti",
            "Split",
            "EsigibilitaIVA",
            "Esigibilità IVA",
        ),
        "Sì/no, oppure il codice FatturaPA S (scissione), I o D.",
    ),
    Column(
        "due_date",
        "Data scadenza",
        (
            "Data scadenza",
            "Scadenza",
            "Data scad.",
            "DataScadenza Pagamento",
            "DataScadenzaPagamento",
            "Data scadenza pagamento",
            "Data scadenza fattura",
            "Scadenza fattura",
            "Scadenza pagamento",
        ),
        "Se manca: data di ricezione più il termine dell'ente (30 giorni, o 60).",
    ),
    Column("status", "Stato", ("Stato", "Stato fattura", "Stato documento", "Stato PCC")),
    Column(
        "suspension_cause",
        "Causale sospensione",
        ("Causale sospensione", "Motivo sospensione", "Causa sospensione"),
    ),
    Column(
        "suspension_periods",
        "Periodi di sospensione",
        ("Periodi di sospensione", "Periodo sospensione", "Periodi sospensione", "Sospensione"),
        "Es. 01/03/2024-15/03/2024; più periodi separati da punto e virgola.",
    ),
    Column(
        "suspension_start",
        "Inizio sospensione",
        ("Inizio sospensione", "Data inizio sospensione", "Sospesa dal", "Sospensione dal"),
    ),
    Column(
        "suspension_end",
        "Fine sospensione",
        ("Fine sospensione", "Data fine sospensione", "Sospesa al", "Sospensione al"),
    ),
    Column(
        "payment_date",
        "Data pagamento",
        (
            "Data pagamento",
            "Data ordinativo",
            "Data mandato",
            "Data ordinativo di pagamento",
            "Data pagamento ordinativo",
            "Data trasmissione ordinativo",
            "Data quietanza",
        ),
        "Data dell'ordinativo trasmesso al tesoriere; più pagamenti con «Data pagamento 2»… "
        "oppure una riga per pagamento.",
    ),
    Column(
        "payment_amount",
        "Importo pagato",
        (
            "Importo pagato",
            "Importo pagamento",
            "Importo ordinativo",
            "Importo mandato",
        ),
    ),
    Column(
        "payment_reference",
        "Numero ordinativo",
        ("Numero ordinativo", "Numero mandato", "N. mandato", "N. ordinativo", "Ordinativo"),
    ),
    Column(
        "nature",
        "Natura spesa",
        ("Natura spesa", "Natura", "Natura della spesa", "Tipo spesa", "Titolo"),
        "Corrente o capitale (anche 1/2, Titolo I/II).",
    ),
    Column(
        "budget_chapter",
        "Capitolo / missione",
        ("Capitolo", "Capitolo/Missione", "Missione", "Capitolo di spesa", "Missione/Programma"),
    ),
    Column(
        "office",
        "Ufficio",
        (
            "Ufficio",
            "Codice ufficio",
            "Ufficio destinatario",
            "Settore",
            "Servizio",
            "Area",
            "Unità organizzativa",
            "Centro di costo",
            "Struttura",
        ),
        "Collega la fattura all'unità organizzativa (per codice, codice PEG o denominazione).",
    ),
    Column(
        "responsible",
        "Responsabile",
        ("Responsabile", "Responsabile del procedimento", "RUP", "Dirigente", "Responsabile EQ"),
    ),
)

FIELDS = {column.field: column for column in COLUMNS}
REPEATABLE = ("payment_date", "payment_amount", "payment_reference")
_NUMBERED = re.compile(r"^(.*?)[\s_.#-]*(?:n\.?\s*)?(\d{1,2})$", re.IGNORECASE)


def _synonym_index() -> dict[str, tuple[str, int]]:
    index: dict[str, tuple[str, int]] = {}
    for column in COLUMNS:
        for rank, synonym in enumerate((column.label, *column.synonyms)):
            key = normalise(synonym)
            if key not in index or index[key][1] > rank:
                index[key] = (column.field, rank)
    return index


SYNONYMS = _synonym_index()


def match_header(header: str) -> tuple[str, int] | None:
    """The field a header names, with the payment number for repeated columns (1 otherwise)."""
    key = normalise(header)
    if not key:
        return None
    if key in SYNONYMS:
        return SYNONYMS[key][0], 1
    numbered = _NUMBERED.match(str(header).strip())
    if numbered:
        base = normalise(numbered.group(1))
        if base in SYNONYMS and SYNONYMS[base][0] in REPEATABLE:
            return SYNONYMS[base][0], int(numbered.group(2))
    return None


def propose_mapping(headers: list[str]) -> dict[str, str]:
    """Field → header, choosing for each field the header with the best-ranked synonym.

    Repeated payment columns are keyed «payment_date#2», «payment_amount#2»…
    """
    best: dict[str, tuple[int, str]] = {}
    for header in headers:
        key = normalise(header)
        found = match_header(header)
        if found is None:
            continue
        field, number = found
        name = field if number == 1 else f"{field}#{number}"
        rank = SYNONYMS[key][1] if key in SYNONYMS else 50
        if name not in best or rank < best[name][0]:
            best[name] = (rank, header)
    return {name: header for name, (_, header) in sorted(best.items())}


def header_score(cells: list[str]) -> int:
    """How many cells of a row are recognised headers (to find the header row)."""
    return sum(1 for cell in cells if cell and match_header(cell) is not None)


REQUIRED = ("total",)
IDENTITY_HINT = (
    "Serve l'identificativo SDI oppure numero fattura e partita IVA/codice fiscale del fornitore."
)


def mapping_problems(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What is missing or wrong in a mapping, in Italian (empty when it can be used)."""
    problems = []
    known = set(headers)
    for name, header in mapping.items():
        field = name.split("#")[0]
        if field not in FIELDS:
            problems.append(f"Campo «{name}» sconosciuto.")
        elif header not in known:
            problems.append(f"{FIELDS[field].label}: la colonna «{header}» non è nel file.")
    used = [h for h in mapping.values()]
    for header in {h for h in used if used.count(h) > 1}:
        problems.append(f"La colonna «{header}» è assegnata a più campi.")
    if "total" not in mapping:
        problems.append("Manca la colonna dell'importo totale del documento.")
    if "received_date" not in mapping and "issue_date" not in mapping:
        problems.append("Manca la colonna della data di ricezione (o almeno di emissione).")
    if "sdi_id" not in mapping and not ("number" in mapping and "supplier_code" in mapping):
        problems.append(IDENTITY_HINT)
    for number_field in ("payment_date", "payment_amount"):
        other = "payment_amount" if number_field == "payment_date" else "payment_date"
        for name in mapping:
            if name.split("#")[0] == number_field:
                suffix = name[len(number_field) :]
                if f"{other}{suffix}" not in mapping:
                    problems.append(
                        f"«{mapping[name]}» non ha la colonna corrispondente "
                        f"({FIELDS[other].label}{suffix.replace('#', ' ')})."
                    )
    return problems
