"""Template helpers to show a document model on a web page (the same blocks as the PDF)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from documents.model import BulletList, Chart, Facts, Paragraph, Table

register = template.Library()


@register.filter
def block_kind(block) -> str:
    if isinstance(block, Paragraph):
        return "paragraph"
    if isinstance(block, BulletList):
        return "list"
    if isinstance(block, Facts):
        return "facts"
    if isinstance(block, Chart):
        return "chart"
    if isinstance(block, Table):
        return "table"
    return ""


@register.filter
def table_rows(table: Table) -> list[list[dict]]:
    return [
        [
            {"text": table.text(row, index), "numeric": column.is_numeric}
            for index, column in enumerate(table.columns)
        ]
        for row in table.rows
    ]


@register.simple_tag
def heading(level: int, text: str):
    level = max(2, min(int(level), 6))
    return format_html("<h{} class='h{} mt-4'>{}</h{}>", level, min(level + 1, 6), text, level)
