"""The PDF is PDF/A-2a and PDF/UA-1 in one file, tagged, Italian, with title, index links,
embedded fonts, and a page that renders to an image."""

from __future__ import annotations

import io

import pypdf
import pypdfium2
import pytest


@pytest.fixture
def piano_pdf(sorbara_piano):
    return sorbara_piano.pdf


@pytest.fixture
def page_texts(sorbara_piano):
    return sorbara_piano.pages


def _xmp(reader: pypdf.PdfReader) -> str:
    metadata = reader.trailer["/Root"]["/Metadata"].get_object()
    return metadata.get_data().decode("utf-8")


def test_declares_pdfa_2a_and_pdfua_1(piano_pdf):
    xmp = _xmp(pypdf.PdfReader(io.BytesIO(piano_pdf)))
    assert "pdfaid:part>2<" in xmp.replace('pdfaid:part="2"', "pdfaid:part>2<")
    assert "pdfaid:conformance>A<" in xmp.replace('pdfaid:conformance="A"', "pdfaid:conformance>A<")
    assert "pdfuaid:part>1<" in xmp.replace('pdfuaid:part="1"', "pdfuaid:part>1<")


def test_tagged_titled_italian(piano_pdf, sorbara):
    reader = pypdf.PdfReader(io.BytesIO(piano_pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    tree = root["/StructTreeRoot"].get_object()
    assert tree.get("/K") is not None
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]).lower().startswith("it")
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == sorbara.title
    assert "<dc:title>" in _xmp(reader)


def _roles(node, found: set[str], depth: int = 0) -> None:
    if depth > 60:
        return
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, pypdf.generic.ArrayObject):
        for child in node:
            _roles(child, found, depth + 1)
        return
    if not isinstance(node, pypdf.generic.DictionaryObject):
        return
    if "/S" in node:
        found.add(str(node["/S"]))
    if "/K" in node:
        _roles(node["/K"], found, depth + 1)


def test_structure_has_headings_tables_and_header_cells(piano_pdf):
    reader = pypdf.PdfReader(io.BytesIO(piano_pdf))
    found: set[str] = set()
    _roles(reader.trailer["/Root"]["/StructTreeRoot"], found)
    assert {"/Table", "/TH", "/TD", "/TOC"} <= found or {"/Table", "/TH", "/TD"} <= found
    assert any(role in found for role in ("/H1", "/H2", "/H"))


def test_fonts_are_embedded_and_index_links(piano_pdf):
    reader = pypdf.PdfReader(io.BytesIO(piano_pdf))
    fonts = {}
    for page in reader.pages[:6]:
        resources = page.get("/Resources") or {}
        for name, ref in (resources.get("/Font") or {}).items():
            fonts[name] = ref.get_object()
    assert fonts
    for font in fonts.values():
        descendant = font
        if "/DescendantFonts" in font:
            descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert "Titillium" in " ".join(str(f.get("/BaseFont")) for f in fonts.values())
    index = reader.pages[1]
    links = [a.get_object() for a in index.get("/Annots") or []]
    assert links and all(link["/Subtype"] == "/Link" for link in links)
    assert reader.outline  # bookmarks for the headings


def test_page_numbers_and_repeated_headers(page_texts):
    total = len(page_texts)
    assert f"Pagina 3 di {total}" in page_texts[2]
    # A long table continues on the next page with its header row repeated.
    repeated = sum(1 for text in page_texts if text.count("Indicatore di risultato") >= 1)
    assert repeated >= 2


def test_a_page_renders_to_an_image(piano_pdf):
    pdf = pypdfium2.PdfDocument(piano_pdf)
    image = pdf[0].render(scale=1).to_pil().convert("L")
    width, height = image.size
    assert (width, height) == pytest.approx((595, 842), abs=2)  # A4 at 72 dpi
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert 0 < dark < width * height * 0.2  # the cover has text, it is not blank
