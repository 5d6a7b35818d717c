"""The text of each PDF and DOCX holds every objective title, weight and target of the plan,
and the XLSX has typed cells and frozen headers."""

from __future__ import annotations

import io
import re
import unicodedata

import docx
import openpyxl
import pypdf
import pytest

from documents import formatting as fmt
from documents.builders import build
from documents.writers.docx import render_docx
from documents.writers.pdf import render_pdf
from documents.writers.xlsx import render_xlsx
from planning.formatting import target_label
from planning.models import Indicator, OperationalObjective, Target


def squeeze(text: str) -> str:
    """Compare texts whatever the line breaks: no whitespace, compatibility forms folded."""
    text = unicodedata.normalize("NFKC", text)
    # Typst sets straight quotes as typographic ones ("a" -> “a”, l'ente -> l’ente).
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    return re.sub(r"\s+", "", text).replace("\u00ad", "")


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return squeeze("".join(page.extract_text() for page in reader.pages))


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table._tbl.tr_lst:
            for cell in row.tc_lst:
                parts.extend(
                    "".join(t.text or "" for t in p.iter(docx.oxml.ns.qn("w:t")))
                    for p in cell.iter(docx.oxml.ns.qn("w:p"))
                )
    return squeeze("".join(parts))


def expected(cycle) -> list[str]:
    """Every objective title, weight and target (of the plan's three years) as printed."""
    items = []
    for objective in OperationalObjective.objects.filter(cycle=cycle):
        items.append(objective.title)
        if objective.weight is not None:
            items.append(fmt.percent(objective.weight))
    for target in Target.objects.filter(indicator__cycle=cycle, indicator__objective__isnull=False):
        label = target_label(target)
        if label:
            items.append(label)
    return items


# The consorzio's Piano is checked from the files the UI serves (test_every_document).
@pytest.mark.parametrize("name", ["sorbara", "casalbuttano"])
def test_piano_pdf_and_docx_contain_every_objective_weight_and_target(
    name, sorbara, consorzio, casalbuttano, sorbara_piano
):
    cycle = {"sorbara": sorbara, "consorzio": consorzio, "casalbuttano": casalbuttano}[name]
    items = expected(cycle)
    assert len(items) > 10
    if name == "sorbara":  # rendered once for the package (test_pdf reads the same file)
        texts = (squeeze("".join(sorbara_piano.pages)), docx_text(sorbara_piano.docx))
    else:
        model = build("piano", cycle)
        texts = (pdf_text(render_pdf(model)), docx_text(render_docx(model)))
    for text in texts:
        missing = [item for item in items if squeeze(item) not in text]
        assert missing == []


def test_sorbara_piano_keeps_the_seed_structure(sorbara):
    text = build("piano", sorbara).plain_text()
    for fragment in (
        "Performance organizzativa di ente",
        "50,00",
        "PM01",
        "RISPETTO DEI TEMPI DI PAGAMENTO PREVISTI",
        "11,11",
        "Missione 12",
        "Obiettivo strategico",
        "Rigidità strutturale di bilancio",
        "Inferiore al 45%",
    ):
        assert fragment in text, fragment
    indicator = Indicator.objects.filter(cycle=sorbara, objective__isnull=True).first()
    assert indicator.name in text


def test_docx_has_word_structure(sorbara_piano):
    document = docx.Document(io.BytesIO(sorbara_piano.docx))
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Caption"} <= styles
    xml = document.element.xml
    assert 'TOC \\o "1-3"' in xml
    assert "w:tblHeader" in xml
    assert document.core_properties.language == "it-IT"
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert len(document.tables) > 20


def test_xlsx_cells_are_typed_and_headers_frozen(sorbara):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(build("relazione", sorbara))))
    assert book.sheetnames[0] == "Indice"
    sheet = book["Performance per struttura"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    column = header.index("Raggiungimento") + 1
    values = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    numeric = [cell for cell in values if cell.value is not None]
    assert numeric and all(isinstance(cell.value, (int, float)) for cell in numeric)
    assert all(cell.number_format == "0.00%" for cell in numeric)
    assert all(0 <= cell.value <= 2 for cell in numeric)  # a fraction: 91,85 % is 0.9185
    process = book["Processo"]
    dates = [c for c in process["A"][1:] if c.value is not None]
    assert dates and all(c.is_date for c in dates)


def test_xlsx_keeps_formula_like_text_as_text():
    from documents.model import Column, Document, Section, Table

    doc = Document(kind="prova", title="Prova", ente_name="Ente", year=2024)
    doc.sections.append(
        Section("S", [Table("T", [Column("Testo")], [["=SOMMA(A1:A9)"], ["-3 giorni"]])])
    )
    long_title = "Riorganizzazione del servizio: " + "revisione delle procedure " * 3
    doc.sections[0].blocks[0].rows += [[long_title], ["=" + long_title]]
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(doc)))
    cells = [row[0] for row in book["T"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=SOMMA(A1:A9)", "-3 giorni", long_title, "=" + long_title]
    assert all(c.data_type == "s" for c in cells)
    assert [c.alignment.wrap_text for c in cells] == [None, None, True, True]


def test_xlsx_drops_control_characters_instead_of_failing():
    """A title pasted with a control character (a bell, a form feed) cannot be stored in
    XLSX: the shared writer drops the character instead of failing the document."""
    from documents.model import Column, Document, Section, Table

    doc = Document(kind="prova", title="Prova\x0c", ente_name="Ente", year=2024)
    doc.sections.append(Section("S", [Table("T", [Column("Testo")], [["Rossi\x07 e Bianchi"]])]))
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(doc)))
    assert book["T"]["A2"].value == "Rossi e Bianchi"
    assert book["T"]["A1"].font.bold and book["T"].freeze_panes == "A2"


def test_docx_resolves_each_style_name_once(monkeypatch):
    """python-docx scans every style to resolve a style name; the writer looks each name up
    once per document (it was half the time of the Sorbara Piano's DOCX), and the headings,
    captions, bullets and tables still carry their styles."""
    from docx.styles.styles import Styles

    from documents.model import BulletList, Column, Document, Section, Table

    lookups = []
    original = Styles._get_style_id_from_name

    def counted(self, name, style_type):
        lookups.append(name)
        return original(self, name, style_type)

    monkeypatch.setattr(Styles, "_get_style_id_from_name", counted)
    doc = Document(kind="prova", title="Prova", ente_name="Ente", year=2024)
    for n in range(30):
        doc.sections.append(
            Section(f"Sezione {n}", [BulletList(["uno"]), Table(f"T{n}", [Column("A")], [["x"]])])
        )
    rendered = docx.Document(io.BytesIO(render_docx(doc)))
    assert len(lookups) <= 5
    styles = [p.style.name for p in rendered.paragraphs]
    assert styles.count("Heading 1") == 30 and styles.count("List Bullet") == 30
    assert styles.count("Caption") == 30
    assert {t.style.name for t in rendered.tables} == {"Table Grid"}
