"""The coverage map: the City's 20 arrondissements coloured by coverage state in a colour-blind-safe palette,
"no volunteer here" hatched, a legend, and the ODbL credit."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from services.heatwave.coverage import AreaState
from services.heatwave.escalation import adjacency
from services.heatwave.map import (
    ATTRIBUTION,
    COLOURS,
    GEOJSON,
    HATCH,
    HEIGHT,
    LEGEND,
    MARGIN,
    OUTSIDE,
    load_arrondissements,
    projection,
    render_map,
)


def test_boundaries_are_the_citys_twenty_arrondissements() -> None:
    shapes = load_arrondissements()
    assert sorted(shapes) == list(range(1, 21))
    features = json.loads(GEOJSON.read_text(encoding="utf-8"))["features"]
    assert all(f["properties"]["c_arinsee"] == 75100 + f["properties"]["c_ar"] for f in features)
    assert "ODbL" in (GEOJSON.parent / "arrondissements.md").read_text(encoding="utf-8")


def test_adjacency_comes_from_the_shared_borders() -> None:
    near = adjacency()
    assert near[11] == {3, 4, 10, 12, 20}
    assert near[20] == {11, 12, 19}
    assert all(a in near[b] for a in near for b in near[a])  # symmetric
    assert 16 not in near[20]


def _block(image: Image.Image, x: float, y: float, size: int = 14) -> set[tuple[int, int, int]]:
    return {image.getpixel((int(x) + dx, int(y) + dy)) for dx in range(size) for dy in range(size)}  # type: ignore[misc]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_fixed_state_is_drawn_with_a_legend_and_the_credit(language: str) -> None:
    states = {11: AreaState.COVERED, 12: AreaState.UNCOVERED, 13: AreaState.NO_VOLUNTEER, 14: AreaState.PARTIAL}
    png = render_map(states, language, "Alert no. 1")
    image = Image.open(io.BytesIO(png))
    assert image.info["Copyright"] == ATTRIBUTION == "Ville de Paris, ODbL"
    legend = image.info["Legend"]
    expected = {"fr": ("couvert", "en partie", "non couvert", "aucun volontaire"),
                "en": ("covered", "partly covered", "not covered", "no volunteer")}[language]
    assert legend.split(" | ") == list(expected)
    rgb = image.convert("RGB")
    shapes = load_arrondissements()
    project = projection()

    def below_label(number: int) -> tuple[float, float]:
        x, y = project(*shapes[number][1])
        return x - 7, y + 16  # a little below the number's label

    assert _block(rgb, *below_label(11)) == {COLOURS[AreaState.COVERED]}
    assert _block(rgb, *below_label(12)) == {COLOURS[AreaState.UNCOVERED]}
    assert _block(rgb, *below_label(13)) == {COLOURS[AreaState.NO_VOLUNTEER], HATCH}  # grey, hatched
    assert _block(rgb, *below_label(16)) == {OUTSIDE}  # not in the alert
    # the palette: no red against green; the states differ in lightness as well as hue
    lightness = sorted(sum(COLOURS[state]) for state in (AreaState.COVERED, AreaState.PARTIAL, AreaState.UNCOVERED))
    assert lightness[0] < lightness[1] < lightness[2]
    # the legend's swatches, left to right in that order, and the credit line is drawn below them
    top = HEIGHT - LEGEND + 10
    for index, state in enumerate((AreaState.COVERED, AreaState.PARTIAL, AreaState.UNCOVERED)):
        assert rgb.getpixel((MARGIN + index * 215 + 12, top + 9)) == COLOURS[state]
    assert {HATCH, COLOURS[AreaState.NO_VOLUNTEER]} <= _block(rgb, MARGIN + 3 * 215 + 4, top + 3, 14)
    credit_row = {rgb.getpixel((x, y)) for x in range(MARGIN, MARGIN + 200) for y in range(top + 50, top + 64)}
    assert any(pixel != (255, 255, 255) for pixel in credit_row)
