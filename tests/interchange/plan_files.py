"""Plan files built by the tests: an XLSX like the seed 002 area tables, a DOCX like seed 004,
a Windows-1252 CSV, a file full of errors."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import openpyxl

SORBARA_HEADER = [
    "Area",
    "Servizio",
    "Centro di costo",
    "Responsabile",
    "Obiettivo operativo",
    "Descrizione",
    "Indicatore",
    "Target 2024",
    "Peso",
    "Scadenza",
]


SEED002_MERGES = [(4, 7), (10, 12)]  # the area cells (column A) merged over their objectives


def seed002_rows() -> list[list]:
    """The sheet of seed 002 as rows from row 1: title, blank, header, Polizia Locale, blank
    separator, header repeated, Servizi educativi."""
    rows: list[list] = [
        # row 4..7: Polizia Locale, area merged over 4 rows
        [
            "AREA POLIZIA LOCALE",
            "Servizio Polizia Locale",
            "PM01",
            "dott. Ettore Malvasi",
            "RISPETTO DEI TEMPI DI PAGAMENTO",
            "D.L. 13/2023",
            "Indicatore di ritardo annuale",
            "≤ 0",
            "30%",
            "31/12/2024",
        ],
        [
            None,
            "Servizio Polizia Locale",
            "PM01",
            "dott. Ettore Malvasi",
            "Controlli sul territorio",
            "Presidio delle strade",
            "nr. controlli",
            "≥ 30",
            "40",
            "31/12/2024",
        ],
        [
            None,
            None,
            None,
            None,
            None,
            None,
            "Sanzioni notificate",
            "compreso tra 700 e 800",
            None,
            None,
        ],
        [
            None,
            "Servizio Polizia Locale",
            "PM01",
            "dott. Ettore Malvasi",
            "Educazione stradale",
            "Corsi nelle scuole",
            "Corsi svolti",
            "≥ anno precedente",
            "30",
            "entro il 31.03.2024",
        ],
        [],  # row 8: blank separator
        SORBARA_HEADER,  # row 9: header repeated
        # row 10..12: Servizi educativi, weights 11,11 % (group totals 33,33: flagged)
        [
            "AREA SERVIZI EDUCATIVI",
            "Servizi educativi e scolastici",
            "AC01",
            "dott.ssa Laura Bianchi",
            "Iscrizioni online",
            "Domande digitali",
            "Domande online / domande totali",
            "60÷70%",
            "11,11%",
            None,
        ],
        [
            None,
            "Servizi educativi e scolastici",
            "AC01",
            "dott.ssa Laura Bianchi",
            "Mensa scolastica",
            "Qualità del servizio",
            "Soddisfazione utenti",
            "= 100%",
            "11,11%",
            None,
        ],
        [
            None,
            "Servizi educativi e scolastici",
            "AC01",
            "dott.ssa Laura Bianchi",
            "Centri estivi",
            "Posti disponibili",
            "Posti offerti",
            "≥ 2022/23",
            "11,11 %",
            None,
        ],
    ]
    return [["PIANO DETTAGLIATO DEGLI OBIETTIVI 2024"], [], SORBARA_HEADER, *rows]


def seed002_xlsx() -> bytes:
    """Two areas, area cells merged over their objectives, weights with commas, ranges and
    «≥ anno precedente» targets, a repeated header and a blank separator row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Obiettivi 2024"
    for row in seed002_rows():
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # «= 100%» is a target, not a formula
    for top, bottom in SEED002_MERGES:
        sheet.merge_cells(f"A{top}:A{bottom}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def seed002_ods() -> bytes:
    """The same sheet as `seed002_xlsx`, written as OpenDocument (what LibreOffice saves)."""
    return ods_bytes("Obiettivi 2024", seed002_rows(), SEED002_MERGES)


def ods_bytes(name: str, rows: list[list], merges: list[tuple[int, int]]) -> bytes:
    """A one-sheet ODS: numbers as floats, text as strings, column-A cells merged from row
    `top` to `bottom` (1-based) as LibreOffice writes them (spanned cell, covered cells)."""
    from xml.sax.saxutils import escape, quoteattr

    spans = {top: bottom - top + 1 for top, bottom in merges}
    covered = {r for top, bottom in merges for r in range(top + 1, bottom + 1)}
    width = max(len(row) for row in rows)
    lines = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for index in range(width):
            value = row[index] if index < len(row) else None
            if index == 0 and number in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            span = (
                f' table:number-rows-spanned="{spans[number]}" table:number-columns-spanned="1"'
                if index == 0 and number in spans
                else ""
            )
            if value is None:
                cells.append(f"<table:table-cell{span}/>")
            elif isinstance(value, int | float):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}"{span}>'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"{span}>'
                    f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
                )
        lines.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    office = "urn:oasis:names:tc:opendocument:xmlns"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<office:document-content xmlns:office="{office}:office:1.0" '
        f'xmlns:table="{office}:table:1.0" xmlns:text="{office}:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet><table:table table:name={quoteattr(name)}>"
        + "".join(lines)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<manifest:manifest xmlns:manifest="{office}:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def seed004_docx() -> bytes:
    document = docx.Document()
    document.add_heading("2.3 PERFORMANCE STRATEGICA DELL'ENTE", level=2)
    document.add_heading(
        "Obiettivo strategico n. 1 : Riorganizzazione ed armonizzazione dei servizi", level=3
    )
    kv = document.add_table(rows=3, cols=2)
    for row, (label, value) in zip(
        kv.rows,
        [
            ("Area strategica", "Funzioni Socio Assistenziali e Funzioni Generali"),
            ("Unità organizzativa", "Direzione"),
            ("Responsabile", "Direttore, PO delle Aree coinvolte"),
        ],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = label, value
    kv2 = document.add_table(rows=2, cols=2)
    kv2.rows[0].cells[0].text, kv2.rows[0].cells[1].text = (
        "Stakeholder finali",
        "Assemblea Consortile",
    )
    kv2.rows[1].cells[0].text, kv2.rows[1].cells[1].text = "Impatto atteso", "Tariffa unica"
    phases = document.add_table(rows=4, cols=4)
    for cell, text in zip(
        phases.rows[0].cells,
        ["Obiettivo 2021", "Modalità di attuazione", "Tempi", "Consuntivo"],
        strict=True,
    ):
        cell.text = text
    merged = phases.cell(1, 0).merge(phases.cell(3, 0))
    merged.text = "Revisione generale dei servizi e tariffa unica"
    for index, (what, when) in enumerate(
        [
            ("Definizione delle procedure", "febbraio"),
            ("Relazioni tecniche", "dicembre"),
            ("Supporto alla riorganizzazione", "Annuale"),
        ],
        start=1,
    ):
        phases.cell(index, 1).text = what
        phases.cell(index, 2).text = when
    document.add_heading("Indicatori di risultato", level=3)
    indicators = document.add_table(rows=3, cols=5)
    for cell, text in zip(
        indicators.rows[0].cells,
        [
            "Indicatore",
            "Descrizione",
            "Unità misura",
            "Valore attuale (2020) (a)",
            "Valore atteso (2021) (b)",
        ],
        strict=True,
    ):
        cell.text = text
    for row, values in zip(
        indicators.rows[1:],
        [
            ["N report", "Proposta tecnica finale", "N.", "--", "1"],
            ["% di servizi monitorati", "Nuovo monitoraggio", "%", "---", ">=50%"],
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text
    document.add_paragraph("Report al 31/12/")
    strange = document.add_table(rows=2, cols=2)
    strange.rows[0].cells[0].text = "Famiglia"
    strange.rows[0].cells[1].text = "Valore"
    strange.rows[1].cells[0].text = "Rigidità strutturale"
    strange.rows[1].cells[1].text = "31,35"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def cp1252_csv() -> bytes:
    lines = [
        "Servizio;Responsabile;Obiettivo;Indicatore;Valore atteso 2024;Peso %;Tipo",
        "Ufficio Tecnico;geom. Paolo Verdi;Manutenzione strade comunali;km asfaltati;≥ 12;50;M",
        "Ufficio Tecnico;geom. Paolo Verdi;Opere pubbliche: cantieri aperti;cantieri;= 3;0,5;S",
        "Ufficio Tecnico;geom. Paolo Verdi;Qualità dell'illuminazione;segnalazioni;≤ 8 gg;;M",
    ]
    text = "\r\n".join(lines).replace("≥", ">=").replace("≤", "<=") + "\r\n"
    return text.encode("cp1252")


def errors_xlsx() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Piano"
    sheet.append(
        ["Servizio", "Obiettivo", "Indicatore", "Target 2024", "Peso", "Tipo", "Colore preferito"]
    )
    sheet.append(
        ["Anagrafe", "Sportello digitale", "Pratiche online", "≥ 50", "trenta", "S", "blu"]
    )
    sheet.append(["Anagrafe", "Archivio", "Fascicoli", "≥ 10", "120", "M", "rosso"])
    sheet.append(["Anagrafe", "Carte d'identità", "CIE emesse", "≥ 100", "40", "boh", "verde"])
    sheet.append(["Anagrafe", None, None, None, "20", None, None])
    sheet.append(["Anagrafe", "Stato civile", "Atti", "≥ 5", "50", "M", "giallo"])
    sheet.append(["Anagrafe", "Elettorale", "Liste", "Target 2031", "10", "M", ""])
    sheet.cell(7, 4).value = "≥ 1"
    sheet.cell(1, 8).value = "Target 2031"
    sheet.cell(7, 8).value = "≥ 2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TODAY = dt.date(2024, 1, 15)


def many_rows_xlsx(objectives: int, *, year: int = 2024) -> bytes:
    """`objectives` objectives of one service, two indicators each (one row per indicator), a
    phase and three years of targets: the shape of a long plan, for the commit's queries."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "Area",
            "Servizio",
            "Obiettivo",
            "Fasi",
            "Indicatore",
            f"Target {year}",
            f"Target {year + 1}",
            f"Target {year + 2}",
            "Peso",
        ]
    )
    for number in range(objectives):
        for second in (False, True):
            sheet.append(
                [
                    "Area unica",
                    "Servizio unico",
                    f"Obiettivo {number}",
                    None if second else f"Fase {number} entro il 30/06/{year}",
                    f"Indicatore {number}{'b' if second else 'a'}",
                    f"≥ {number + 1}",
                    f"≥ {number + 2}",
                    f"compreso tra {number} e {number + 10}",
                    None if second else "1",
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def triennial_xlsx() -> bytes:
    """A 2024-26 plan: one objective for 2024, one for 2025 and 2026, one for every year, each
    with a target per year; and a weight group per year."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Piano 2024-2026"
    sheet.append(
        [
            "Servizio",
            "Obiettivo",
            "Anni",
            "Indicatore",
            "Target 2024",
            "Target 2025",
            "Target 2026",
            "Peso",
        ]
    )
    sheet.append(["Tributi", "Banca dati IMU", "2024", "Posizioni", "≥ 100", None, None, "100"])
    sheet.append(
        ["Tributi", "Riscossione coattiva", "2025, 2026", "Avvisi", None, "≥ 200", "≥ 300", "100"]
    )
    sheet.append(["Tributi", "Sportello", "tutti", "Utenti", "≥ 10", "≥ 20", "≥ 30", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
