"""`mirrormanager map --output FILE`: a static picture of the public mirror map.

SVG is drawn by MirrorManager itself from the vendored country outlines; PNG needs
matplotlib (optional: `pip install matplotlib`), which draws the same outlines and dots.
"""

from __future__ import annotations

from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.errors import InputError
from mirrormanager.files.atomic import write_atomic
from mirrormanager.stats.mirrors import Selection, public_mirrors
from mirrormanager.stats.worldmap import map_points, render_png, render_svg


@click.command("map")
@config_option
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Picture to write: .svg, or .png (needs matplotlib).",
)
@click.option("--product", default=None, help="Only mirrors carrying this product.")
def map_command(output: Path, product: str | None) -> int:
    """Draw the public mirrors on a world map (SVG or PNG)."""
    suffix = output.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InputError(f"{output}: the picture must end in .svg or .png", path=output)
    app = app_context()
    session = app.session()
    points = map_points(public_mirrors(session, Selection(product=product)))
    session.close()
    title = f"Public {product} mirrors" if product else "Public mirrors"
    if suffix == ".svg":
        data = render_svg(points, title=title).encode("utf-8")
    else:
        data = render_png(points, title=title)
    write_atomic(output, data)
    click.echo(f"{output}: {len(points)} mirrors")
    return 0
