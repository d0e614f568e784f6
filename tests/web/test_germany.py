"""The map projection and the outline drawn behind the dots."""

import csv
import json
import re
from pathlib import Path

from web import germany

DATA = Path(__file__).resolve().parents[2] / "hub" / "data" / "municipalities.csv"


def test_projection_keeps_cities_where_they_are():
    berlin, koeln, muenchen = (germany.project(52.52, 13.405), germany.project(50.94, 6.96),
                               germany.project(48.14, 11.58))
    assert berlin[0] > koeln[0] and berlin[1] < muenchen[1]
    assert muenchen[1] > koeln[1] > berlin[1]


def test_outline_fits_the_view_box():
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", germany.outline_path())]
    xs, ys = numbers[0::2], numbers[1::2]
    assert 0 <= min(xs) and max(xs) <= germany.WIDTH
    assert 0 <= min(ys) and max(ys) <= germany.HEIGHT


def test_outline_holds_nearly_every_real_municipality():
    rings = json.loads(germany.OUTLINE_FILE.read_text())
    with DATA.open(encoding="utf-8") as f:
        points = [(float(r["laengengrad"]), float(r["breitengrad"])) for r in csv.DictReader(f)
                  if r["laengengrad"]]
    inside = sum(any(germany._inside(p, ring) for ring in rings) for p in points[::5])
    assert inside / len(points[::5]) > 0.97


def test_outline_is_regenerated_from_points():
    square = [(lon / 10, lat / 10) for lon in range(60, 80) for lat in range(500, 520)]
    rings = germany.outline_from_points(square, alpha_km=20, min_area_km2=1)
    assert len(rings) == 1
    lons = [lon for lon, _lat in rings[0]]
    assert min(lons) == 6.0 and max(lons) == 7.9


def test_dots_path_drops_duplicates():
    assert germany.dots_path([(10.2, 20.4), (10.4, 19.6), (30, 40)]) == "M10 20h0M30 40h0"


def test_points_outside_germany_are_not_drawn():
    assert germany.in_bounds(51.2, 6.9)
    assert not germany.in_bounds(40.4, -3.7)  # Madrid
