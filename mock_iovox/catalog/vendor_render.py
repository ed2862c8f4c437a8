"""docs/guesses.md sections drawn from `vendor_tables`: how far each vendor table was read, and
the strings of ours that a complete table lacks (issue 19 item 6)."""

from __future__ import annotations

import re

from mock_iovox.catalog.vendor_tables import CALL_FLOW_PAGES, TABLES, UNCATALOGUED, Read

_FIELD = re.compile(r"\{[^}]*\}")


def _shown(text: str) -> str:
    """A catalogue text as the vendor prints it: fields as x, y, z in order."""
    names = iter("xyz" * 3)
    return _FIELD.sub(lambda _: next(names), text).replace("|", "\\|")


def render_vendor_sections() -> list[str]:
    lines = [
        "## Vendor error tables (issue 19)",
        "",
        "How far the stored copies of the vendor's pages reach, per method (the copy that reached",
        "furthest is named). A table read to the end is complete: every string of the catalogue that it",
        "lacks is listed in the next table. A cut table says nothing of the rows after the cut.",
        "",
        "| method | vendor table | copy read |",
        "| --- | --- | --- |",
    ]
    for key, table in TABLES.items():
        lines.append(f"| {key} | {table.read.value} | {table.page or '-'} |")
    for rule, table in CALL_FLOW_PAGES.items():
        lines.append(f"| call-flow `<{rule}>` | {table.read.value} | {table.page} |")
    lines += [
        "",
        "Read to the end: "
        f"{sum(t.read is Read.END for t in TABLES.values())} methods; cut: "
        f"{sum(t.read is Read.CUT for t in TABLES.values())}; no page: "
        f"{sum(t.read is Read.NONE for t in TABLES.values())}.",
        "",
        "Vendor pages of methods the mock does not offer: "
        + ", ".join(f"{k} ({v})" for k, v in UNCATALOGUED.items())
        + ".",
        "",
        "### Strings of ours that a complete vendor table lacks",
        "",
        "| method | our string | why |",
        "| --- | --- | --- |",
    ]
    for key, table in TABLES.items():
        for text, why in table.ours.items():
            lines.append(f"| {key} | `{_shown(text)}` | {why} |")
    lines.append("")
    return lines
