"""The coverage map: the City's 20 arrondissements, coloured by the share who can help, with the credit."""

from __future__ import annotations

import io
import json

from PIL import Image

from services.heatwave.map import GEOJSON, NO_DATA, load_arrondissements, projection, render_map, share_colour


def test_boundaries_are_the_citys_twenty_arrondissements() -> None:
    shapes = load_arrondissements()
    assert sorted(shapes) == list(range(1, 21))
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    assert all(f["properties"]["c_arinsee"] == 75100 + f["properties"]["c_ar"] for f in features)
    assert "ODbL" in (GEOJSON.parent / "arrondissements.md").read_text(encoding="utf-8")


def test_colours_go_from_red_to_green_and_grey_outside_the_alert() -> None:
    red, green = share_colour(0.0), share_colour(1.0)
    assert red[0] > red[1] and green[1] > green[0]
    assert share_colour(None) == NO_DATA and share_colour(2.0) == green and share_colour(-1) == red


def test_the_map_colours_each_arrondissement_by_its_share() -> None:
    png = render_map({11: 0.0, 16: 1.0}, "en", "Alert no. 1")
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (900, 620)
    shapes = load_arrondissements()

    project = projection()

    def pixel_near_centre(number: int) -> tuple[int, int, int]:
        # the number is written at the centroid: sample a little below the label
        x, y = project(*shapes[number][1])
        return image.getpixel((int(x), int(y) + 22))  # type: ignore[return-value]

    assert pixel_near_centre(11) == share_colour(0.0)
    assert pixel_near_centre(16) == share_colour(1.0)
    assert pixel_near_centre(20) == NO_DATA
