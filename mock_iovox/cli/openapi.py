"""`mock-iovox openapi`: print the OpenAPI 3.1 document of the vendor API (or of the control plane),
generated from the catalogue (mock_iovox/openapi.py; docs/openapi.md)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("openapi")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
@click.option("--control", is_flag=True, help="The control plane's document (/__mock__) instead.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
def openapi_command(fmt: str, control: bool, output: Path | None) -> None:
    """Print the OpenAPI 3.1 description of the IOVOX API as the mock serves it."""
    from mock_iovox import openapi, openapi_control

    doc = openapi_control.document() if control else openapi.document()
    text = openapi.render(doc, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text)
    click.echo(f"wrote {output}", err=True)
