"""A PNG map of the 20 arrondissements coloured by coverage (Pillow).

Colours from the Okabe-Ito palette, readable with every common colour-vision deficiency (blue / yellow /
vermillion differ in lightness too), and "no volunteer here" is hatched, so that it never reads as a colour.
Boundaries: City of Paris open data (ODbL), see services/arrondissements.md; the credit is drawn on the map
and written in the PNG's Copyright field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from locales import t
from services.heatwave.coverage import STATE_LABELS, AreaState

GEOJSON = Path(__file__).resolve().parent.parent / "arrondissements.geojson"
ATTRIBUTION = "Ville de Paris, ODbL"
WIDTH, HEIGHT, MARGIN, LEGEND = 900, 620, 20, 90
OUTSIDE = (255, 255, 255)  # not in the alert
NO_VOLUNTEER = (221, 221, 221)  # grey, hatched in black
HATCH = (0, 0, 0)
COLOURS: dict[str, tuple[int, int, int]] = {
    AreaState.COVERED: (0, 114, 178),  # blue
    AreaState.PARTIAL: (240, 228, 66),  # yellow
    AreaState.UNCOVERED: (213, 94, 0),  # vermillion
    AreaState.NO_VOLUNTEER: NO_VOLUNTEER,
}
LEGEND_ORDER = (AreaState.COVERED, AreaState.PARTIAL, AreaState.UNCOVERED, AreaState.NO_VOLUNTEER)

Ring = list[tuple[float, float]]


@lru_cache(maxsize=1)
def load_arrondissements() -> dict[int, tuple[list[Ring], tuple[float, float]]]:
    """Arrondissement number → (outer and inner rings in lon/lat, centroid), from the City's GeoJSON."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    shapes: dict[int, tuple[list[Ring], tuple[float, float]]] = {}
    for feature in data["features"]:
        number = int(feature["properties"]["c_ar"])
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [[(float(x), float(y)) for x, y, *_rest in ring] for polygon in polygons for ring in polygon]
        centre = feature["properties"].get("geom_x_y") or {}
        xs = [x for x, _y in rings[0]]
        ys = [y for _x, y in rings[0]]
        shapes[number] = (rings, (float(centre.get("lon", sum(xs) / len(xs))),
                                  float(centre.get("lat", sum(ys) / len(ys)))))
    return shapes


def state_colour(state: str | None) -> tuple[int, int, int]:
    return COLOURS.get(state, OUTSIDE) if state is not None else OUTSIDE


def projection() -> Callable[[float, float], tuple[float, float]]:
    """lon/lat → pixel: equirectangular (a degree of longitude is shorter at Paris' latitude), fitted to the map."""
    shapes = load_arrondissements()
    lons = [x for rings, _c in shapes.values() for x, _y in rings[0]]
    lats = [y for rings, _c in shapes.values() for _x, y in rings[0]]
    west, north = min(lons), max(lats)
    squash = math.cos(math.radians(sum(lats) / len(lats)))
    scale = min((WIDTH - 2 * MARGIN) / ((max(lons) - west) * squash),
                (HEIGHT - LEGEND - 2 * MARGIN) / (north - min(lats)))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (MARGIN + (lon - west) * squash * scale, MARGIN + 30 + (north - lat) * scale)

    return project


def _hatch(image: Any, polygon: list[tuple[float, float]]) -> None:
    """Diagonal black lines inside a polygon: "no volunteer here" reads without colour."""
    from PIL import Image, ImageDraw

    mask = Image.new("1", image.size, 0)
    ImageDraw.Draw(mask).polygon(polygon, fill=1)
    lines = Image.new("RGB", image.size, HATCH)
    stripes = Image.new("1", image.size, 0)
    draw = ImageDraw.Draw(stripes)
    for offset in range(-image.size[1], image.size[0], 9):
        draw.line([(offset, image.size[1]), (offset + image.size[1], 0)], fill=1, width=2)
    from PIL import ImageChops

    image.paste(lines, (0, 0), ImageChops.logical_and(mask, stripes))


def render_map(states: Mapping[int, str | None], locale: str, title: str) -> bytes:
    """PNG bytes: each arrondissement filled by its coverage state (missing = outside the alert)."""
    shapes = load_arrondissements()
    project = projection()
    from PIL import Image, ImageDraw, ImageFont  # only when a map is asked for: not in every bot process
    from PIL.PngImagePlugin import PngInfo

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(ImageFont, 18), _font(ImageFont, 14)
    draw.text((MARGIN, 8), title, fill="black", font=font)
    for number, (rings, _centre) in sorted(shapes.items()):
        state = states.get(number)
        outline = project_ring(project, rings[0])
        draw.polygon(outline, fill=state_colour(state), outline=(60, 60, 60))
        if state == AreaState.NO_VOLUNTEER:
            _hatch(image, outline)
            draw = ImageDraw.Draw(image)
            draw.polygon(outline, outline=(60, 60, 60))
        for hole in rings[1:]:
            draw.polygon(project_ring(project, hole), fill="white", outline=(60, 60, 60))
    for number, (_rings, centre) in sorted(shapes.items()):
        x, y = project(*centre)
        draw.rectangle((x - 12, y - 10, x + 12, y + 10), fill="white")  # the number stays readable on any fill
        draw.text((x, y), str(number), fill="black", font=small, anchor="mm")
    top = HEIGHT - LEGEND + 10
    labels = legend(locale)
    for index, (state, label) in enumerate(labels):
        x = MARGIN + index * 215
        draw.rectangle((x, top, x + 24, top + 18), fill=state_colour(state), outline="black")
        if state == AreaState.NO_VOLUNTEER:
            _hatch(image, [(x, top), (x + 24, top), (x + 24, top + 18), (x, top + 18)])
            draw = ImageDraw.Draw(image)
        draw.text((x + 30, top + 2), label, fill="black", font=small)
    draw.text((MARGIN, top + 28), t(locale, "Couverture : volontaires qui peuvent aider ou ont vérifié, face à "
                                           "l'objectif ; blanc : hors alerte"), fill="black", font=small)
    credit = t(locale, "Fond de carte : {source}", source=ATTRIBUTION)
    draw.text((MARGIN, top + 50), credit, fill=(80, 80, 80), font=small)
    info = PngInfo()
    info.add_text("Copyright", ATTRIBUTION)
    info.add_text("Legend", " | ".join(label for _state, label in labels))
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True, pnginfo=info)
    return buffer.getvalue()


def _font(module: Any, size: int) -> Any:
    """DejaVu Sans where the system has it (every accent), else Pillow's own font (some accents missing)."""
    try:
        return module.truetype("DejaVuSans.ttf", size)
    except OSError:
        return module.load_default(size=size)


def legend(locale: str) -> list[tuple[str, str]]:
    """(state, label) in the order the legend draws them."""
    return [(state, t(locale, STATE_LABELS[state])) for state in LEGEND_ORDER]


def project_ring(project: Callable[[float, float], tuple[float, float]], ring: Ring) -> list[tuple[float, float]]:
    return [project(*point) for point in ring]
