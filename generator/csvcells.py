"""The one rule for the text cells of every CSV file the project writes
(``grading-sheet.csv``, ``responses-template.csv``, ``grading/grades.csv``,
``grading/summary.csv``), and its inverse for reading them back.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also
a tab or a carriage return, and their full-width forms, or spaces before one of
them) as a formula: a roster ID ``=HYPERLINK("http://...")`` or
``=cmd|' /C calc'!A0`` must never reach one as it is. Such a text cell is
written with a leading apostrophe, which spreadsheets show as text; so is a
text that itself starts with an apostrophe, so that reading back is exact:
:func:`read_cell` removes the one apostrophe :func:`text_cell` added, and a
responses file made from the template still names every student by their ID.

Numbers in numeric columns are written as plain numbers (``-16``, ``2.5``) and
never pass through :func:`text_cell`; a typed response ``-16`` is read as it is.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_GUARDED = FORMULA_START + ("'",)


def text_cell(text: str) -> str:
    """A text cell a spreadsheet never reads as a formula: a leading apostrophe
    when it starts (after spaces) with = + - @ tab or CR (or their full-width
    forms), or with an apostrophe."""
    return "'" + text if text.lstrip(" ").startswith(_GUARDED) else text


def read_cell(cell: str) -> str:
    """The text :func:`text_cell` was given: its added apostrophe removed."""
    return cell[1:] if cell.startswith("'") and cell[1:].lstrip(" ").startswith(_GUARDED) else cell


def text_row(cells: list[str]) -> list[str]:
    return [text_cell(c) for c in cells]
