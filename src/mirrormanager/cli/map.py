"""`mirrormanager map --output FILE`: a static picture of the public mirror map.

SVG is drawn by MirrorManager itself from the vendored country outlines; PNG needs
matplotlib (optional: `pip install matplotlib`), which draws the same outlines and dots.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.errors import InputError
from mirrormanager.stats.mirrors import Selection, public_mirrors
from mirrormanager.stats.worldmap import map_points, render_png, render_svg


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the target folder, fsync, rename: readers never see half a picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        raise InputError(f"{output}: the picture must end in .svg or .png")
    app = app_context()
    session = app.session()
    points = map_points(public_mirrors(session, Selection(product=product)))
    session.close()
    title = f"Public {product} mirrors" if product else "Public mirrors"
    if suffix == ".svg":
        data = render_svg(points, title=title).encode("utf-8")
    else:
        data = render_png(points, title=title)
    write_atomically(output, data)
    click.echo(f"{output}: {len(points)} mirrors")
    return 0
