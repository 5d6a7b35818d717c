"""Submit a page's form as a browser would: every input, select and textarea with its value."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.forms: list[tuple[dict, list[tuple[str, str]]]] = []
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form":
            self.inside = True
            self.fields = []
            self.forms.append((attr, self.fields))
            return
        if not self.inside:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = (attr.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "reset", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attr:
                return
            self.fields.append((name, attr.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attr:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def form_fields(html: str, form_id: str | None = None) -> dict[str, str | list[str]]:
    """The values a browser would post from the form with `form_id`, or else from the first
    form that posts to the page itself (no `action`)."""
    parser = _FormParser()
    parser.feed(html)
    chosen = [
        fields
        for attrs, fields in parser.forms
        if ((attrs.get("id") == form_id) if form_id else not attrs.get("action"))
    ]
    if not chosen:
        raise AssertionError(f"nessun modulo {form_id or 'senza action'} nella pagina")
    data: dict[str, str | list[str]] = {}
    for name, value in chosen[0]:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data
