"""DOCX writer: real Word headings, styles, tables and a table-of-contents field.

Offices edit the Piano before the Giunta approves it, so the structure must be Word's own:
sections are «Titolo 1…4» (Heading 1–4) paragraphs, tables use «Table Grid» with the header
row repeated on every page, the index is a TOC field Word fills when the file is opened
(`updateFields`), and the page footer holds PAGE / NUMPAGES fields. Charts are the same SVG as
the PDF, rasterised by Typst to PNG, with their text alternative in the picture's description.
Rows are built directly as XML: python-docx's `add_row` is quadratic on long tables.
"""

from __future__ import annotations

import io
from functools import lru_cache

import typst
from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from documents.model import BulletList, Chart, Document, Facts, Paragraph, Table
from documents.writers.pdf import font_paths

ACCENT = RGBColor(0x00, 0x66, 0xCC)
FONT = "Titillium Web"


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC) inside `paragraph`."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run._r.append(begin)
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    run = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    paragraph.add_run(placeholder)
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _language(doc) -> None:
    """Italian as the language of the text (spell checking, screen readers)."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if rpr_default is None:
        return
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "it-IT")
    lang.set(qn("w:eastAsia"), "it-IT")


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    for level in range(1, 5):
        style = doc.styles[f"Heading {level}"]
        style.font.name = FONT
        style.font.color.rgb = ACCENT
        style.font.size = Pt({1: 16, 2: 13, 3: 11, 4: 10}[level])
    doc.styles["Title"].font.name = FONT
    doc.styles["Title"].font.color.rgb = ACCENT
    _language(doc)
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _header_footer(doc, document: Document) -> None:
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.text = f"{document.ente_name} · {document.title} {document.year}"
    header.runs[0].font.size = Pt(8)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Pagina ")
    _field(footer, "PAGE", "1")
    footer.add_run(" di ")
    _field(footer, "NUMPAGES", "1")
    for run in footer.runs:
        run.font.size = Pt(8)


def _cover(doc, document: Document) -> None:
    if document.stemma:
        try:
            doc.add_picture(io.BytesIO(document.stemma), height=Cm(3))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _describe_last_picture(doc, f"Stemma di {document.ente_name}")
        except Exception:
            pass
    ente = doc.add_paragraph()
    ente.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = ente.add_run(document.ente_name)
    run.bold = True
    run.font.size = Pt(16)
    title = doc.add_paragraph(document.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if document.subtitle:
        sub = doc.add_paragraph(document.subtitle, style="Subtitle")
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in document.cover_lines:
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _toc(doc) -> None:
    heading = (
        doc.add_paragraph("Indice", style="TOC Heading")
        if _has_style(doc, "TOC Heading")
        else doc.add_paragraph("Indice", style="Title")
    )
    heading.alignment = WD_ALIGN_PARAGRAPH.LEFT
    paragraph = doc.add_paragraph()
    _field(
        paragraph,
        'TOC \\o "1-3" \\h \\z \\u',
        "Il sommario si aggiorna all'apertura del file (oppure: tasto destro > Aggiorna campo).",
    )
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _has_style(doc, name: str) -> bool:
    return any(style.name == name for style in doc.styles)


def _paragraph(doc, text: str = "", style: str | None = None):
    """`doc.add_paragraph(text, style)` with the style id looked up once per document:
    python-docx resolves a style name by scanning every style (and the default style) on each
    call, which took half the time of the Sorbara Piano's DOCX."""
    paragraph = doc.add_paragraph(text)
    if style is not None:
        paragraph._p.style = _style_id(doc, style)
    return paragraph


def _style_id(doc, name: str) -> str:
    ids = getattr(doc, "_performa_style_ids", None)
    if ids is None:
        ids = {style.name: style.style_id for style in doc.styles}
        doc._performa_style_ids = ids
    return ids[name]


def _describe_last_picture(doc, text: str) -> None:
    for element in doc.element.body.iter(qn("wp:docPr")):
        last = element
    try:
        last.set("descr", text)
        last.set("title", text[:250])
    except UnboundLocalError:
        pass


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    cant_split = OxmlElement("w:cantSplit")
    trpr.append(cant_split)


def _cell_element(text: str, right: bool, bold: bool = False):
    tc = OxmlElement("w:tc")
    p = OxmlElement("w:p")
    if right:
        ppr = OxmlElement("w:pPr")
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), "right")
        ppr.append(jc)
        p.append(ppr)
    lines = text.split("\n") if text else [""]
    r = OxmlElement("w:r")
    if bold:
        rpr = OxmlElement("w:rPr")
        rpr.append(OxmlElement("w:b"))
        r.append(rpr)
    for number, line in enumerate(lines):
        if number:
            r.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = line
        r.append(t)
    p.append(r)
    tc.append(p)
    return tc


def _table(doc, table: Table) -> None:
    caption = _paragraph(doc, table.caption, "Caption")
    caption.paragraph_format.keep_with_next = True
    columns = table.columns
    grid = doc.add_table(rows=1, cols=len(columns))
    grid._tbl.tblStyle_val = _style_id(doc, "Table Grid")
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = grid.rows[0]
    _repeat_header(header)
    for cell, column in zip(header.cells, columns, strict=False):
        cell.text = ""
        run = cell.paragraphs[0].add_run(column.label)
        run.bold = True
        if column.is_numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    tbl = grid._tbl
    if not table.rows:
        tr = OxmlElement("w:tr")
        tc = _cell_element(table.empty_text, False)
        tcpr = OxmlElement("w:tcPr")
        span = OxmlElement("w:gridSpan")
        span.set(qn("w:val"), str(len(columns)))
        tcpr.append(span)
        tc.insert(0, tcpr)
        tr.append(tc)
        tbl.append(tr)
    for row in table.rows:
        tr = OxmlElement("w:tr")
        for index, column in enumerate(columns):
            tr.append(_cell_element(table.text(row, index), column.is_numeric))
        tbl.append(tr)
    if table.note:
        note = doc.add_paragraph()
        run = note.add_run(table.note)
        run.italic = True
        run.font.size = Pt(8.5)


@lru_cache(maxsize=64)
def svg_to_png(svg: str) -> bytes:
    """The chart's SVG rasterised by Typst (the same drawing as in the PDF)."""
    source = (
        "#set page(width: auto, height: auto, margin: 0pt)\n"
        '#image(bytes(sys.inputs.svg), format: "svg", width: 16cm)\n'
    )
    return typst.compile(
        source.encode(), format="png", ppi=150, sys_inputs={"svg": svg}, font_paths=font_paths()
    )


def _chart(doc, chart: Chart) -> None:
    caption = _paragraph(doc, chart.title, "Caption")
    caption.paragraph_format.keep_with_next = True
    doc.add_picture(io.BytesIO(svg_to_png(chart.svg)), width=Cm(16))
    _describe_last_picture(doc, chart.alt)
    alt = doc.add_paragraph()
    run = alt.add_run(chart.alt)
    run.italic = True
    run.font.size = Pt(8.5)
    _table(doc, chart.table)


def render_docx(document: Document) -> bytes:
    doc = new_docx()
    _styles(doc)
    props = doc.core_properties
    props.title = f"{document.title} {document.year}"
    props.subject = document.subtitle
    props.author = document.author or document.ente_name
    props.keywords = ", ".join(document.keywords)
    props.language = "it-IT"
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    _header_footer(doc, document)
    _cover(doc, document)
    if document.with_toc:
        _toc(doc)
    for depth, part in document.walk():
        _paragraph(doc, part.title, f"Heading {min(depth, 4)}")
        for block in part.blocks:
            if isinstance(block, Paragraph):
                paragraph = doc.add_paragraph()
                run = paragraph.add_run(block.text)
                run.bold = block.emphasis
            elif isinstance(block, BulletList):
                for item in block.items:
                    _paragraph(doc, item, "List Bullet")
            elif isinstance(block, Facts):
                if block.caption:
                    doc.add_paragraph().add_run(block.caption).bold = True
                for label, value in block.pairs:
                    paragraph = doc.add_paragraph()
                    paragraph.paragraph_format.space_after = Pt(2)
                    paragraph.add_run(f"{label}: ").bold = True
                    paragraph.add_run(value)
            elif isinstance(block, Table):
                _table(doc, block)
            elif isinstance(block, Chart):
                _chart(doc, block)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


__all__ = ["render_docx", "svg_to_png"]
