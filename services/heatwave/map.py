"""A PNG map of the 20 arrondissements coloured by the share of volunteers who can help (Pillow).

Boundaries: City of Paris open data (ODbL), see services/arrondissements.md; the credit is drawn on the map.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from io import BytesIO
from itertools import pairwise
from pathlib import Path

from locales import t

GEOJSON = Path(__file__).resolve().parent.parent / "arrondissements.geojson"
ATTRIBUTION = "Ville de Paris, ODbL"
WIDTH, HEIGHT, MARGIN, LEGEND = 900, 620, 20, 90
NO_DATA = (200, 200, 200)
# share of volunteers who can help → colour, from red (nobody) to green (everyone)
_STOPS = ((0.0, (215, 48, 39)), (0.25, (252, 141, 89)), (0.5, (254, 224, 139)), (0.75, (145, 207, 96)),
          (1.0, (26, 152, 80)))

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


def share_colour(share: float | None) -> tuple[int, int, int]:
    if share is None:
        return NO_DATA
    share = min(max(share, 0.0), 1.0)
    for (low, c0), (high, c1) in pairwise(_STOPS):
        if share <= high:
            f = (share - low) / (high - low)
            return (round(c0[0] + (c1[0] - c0[0]) * f), round(c0[1] + (c1[1] - c0[1]) * f),
                    round(c0[2] + (c1[2] - c0[2]) * f))
    return _STOPS[-1][1]


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


def render_map(shares: Mapping[int, float | None], locale: str, title: str) -> bytes:
    """PNG bytes: each arrondissement filled by its share (None or missing = grey, not covered)."""
    shapes = load_arrondissements()
    project = projection()
    from PIL import Image, ImageDraw, ImageFont  # only when a map is asked for: not in every bot process

    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=18)
    small = ImageFont.load_default(size=14)
    draw.text((MARGIN, 8), title, fill="black", font=font)
    for number, (rings, centre) in sorted(shapes.items()):
        colour = share_colour(shares.get(number))
        draw.polygon([project(*point) for point in rings[0]], fill=colour, outline=(60, 60, 60))
        for hole in rings[1:]:
            draw.polygon([project(*point) for point in hole], fill="white", outline=(60, 60, 60))
        draw.text(project(*centre), str(number), fill="black", font=font, anchor="mm")
    top = HEIGHT - LEGEND + 10
    for index, share in enumerate((0.0, 0.25, 0.5, 0.75, 1.0)):
        x = MARGIN + index * 120
        draw.rectangle((x, top, x + 24, top + 18), fill=share_colour(share), outline="black")
        draw.text((x + 30, top + 2), f"{round(share * 100)} %", fill="black", font=small)
    x = MARGIN + 5 * 120
    draw.rectangle((x, top, x + 24, top + 18), fill=NO_DATA, outline="black")
    draw.text((x + 30, top + 2), t(locale, "hors alerte"), fill="black", font=small)
    draw.text((MARGIN, top + 28), t(locale, "Part des volontaires qui peuvent aider, par arrondissement"),
              fill="black", font=small)
    draw.text((MARGIN, top + 50), t(locale, "Fond de carte : {source}", source=ATTRIBUTION), fill=(80, 80, 80),
              font=small)
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
