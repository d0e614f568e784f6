"""The map of Germany on the software page: an outline and a projection, drawn as inline SVG
on the server, so nothing is fetched from a tile server or any other outside host.

The outline is not a surveyed border: it is the concave hull (alpha shape) of the
coordinates of all 11,000 German municipalities in the Destatis Gemeindeverzeichnis
(dl-de/by-2-0, © Destatis, modified), simplified to about 1 km. That keeps it derived from
data the project already carries under its licence, and it is good enough as a backdrop for
dots. Regenerate with `python -m web.germany path/to/municipalities.csv`.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from functools import lru_cache
from pathlib import Path

OUTLINE_FILE = Path(__file__).parent / "data" / "germany_outline.json"

# Bounding box of Germany (degrees) with a small margin; the projection is equirectangular,
# x scaled by cos(51°) so that shapes are not stretched at this latitude.
LON_MIN, LON_MAX = 5.6, 15.3
LAT_MIN, LAT_MAX = 47.1, 55.2
_X_SCALE = math.cos(math.radians(51.0))
WIDTH = 400.0
HEIGHT = round(WIDTH * (LAT_MAX - LAT_MIN) / ((LON_MAX - LON_MIN) * _X_SCALE), 1)
_KM_PER_DEGREE = 111.2


def project(latitude: float, longitude: float) -> tuple[float, float]:
    """Degrees to SVG user units inside a WIDTH × HEIGHT view box."""
    x = (longitude - LON_MIN) / (LON_MAX - LON_MIN) * WIDTH
    y = (LAT_MAX - latitude) / (LAT_MAX - LAT_MIN) * HEIGHT
    return round(x, 1), round(y, 1)


def projector():
    """`project` with its constants bound, for thousands of points in a loop (a third of
    the cost of calling `project`, same results)."""
    lon_min, lat_max = LON_MIN, LAT_MAX
    kx, ky = WIDTH / (LON_MAX - LON_MIN), HEIGHT / (LAT_MAX - LAT_MIN)

    def fast(latitude: float, longitude: float) -> tuple[float, float]:
        return round((longitude - lon_min) * kx, 1), round((lat_max - latitude) * ky, 1)

    return fast


def in_bounds(latitude: float, longitude: float) -> bool:
    return LAT_MIN <= latitude <= LAT_MAX and LON_MIN <= longitude <= LON_MAX


@lru_cache(maxsize=1)
def outline_path() -> str:
    """SVG path data of the outline rings (main land and larger islands)."""
    rings = json.loads(OUTLINE_FILE.read_text())
    parts = []
    for ring in rings:
        points = [project(lat, lon) for lon, lat in ring]
        parts.append("M" + " L".join(f"{x},{y}" for x, y in points) + " Z")
    return " ".join(parts)


def dots_path(points) -> str:
    """Many dots as one SVG path: a zero-length segment per point, drawn as a circle by a
    round line cap. A tenth of the bytes of one <circle> each; duplicates are dropped."""
    seen = {(round(x), round(y)) for x, y in points}
    return "".join(f"M{x} {y}h0" for x, y in sorted(seen))


# --- generating the outline (run by hand, not at request time) ---

def _to_km(lon: float, lat: float) -> tuple[float, float]:
    return lon * _KM_PER_DEGREE * _X_SCALE, lat * _KM_PER_DEGREE


def _from_km(x: float, y: float) -> tuple[float, float]:
    return round(x / (_KM_PER_DEGREE * _X_SCALE), 3), round(y / _KM_PER_DEGREE, 3)


def outline_from_points(points: list[tuple[float, float]], alpha_km: float = 14.0,
                        tolerance_km: float = 1.0, min_area_km2: float = 150.0) -> list[list[tuple[float, float]]]:
    """Concave hull of (lon, lat) points: Delaunay triangles with a circumradius under
    `alpha_km`, their boundary chained into rings, rings simplified (Douglas–Peucker)."""
    import numpy as np
    from scipy.spatial import Delaunay

    xy = np.array([_to_km(lon, lat) for lon, lat in points])
    tri = Delaunay(xy)
    edges: dict[tuple[int, int], int] = {}
    for simplex in tri.simplices:
        a, b, c = xy[simplex]
        la, lb, lc = (np.linalg.norm(b - c), np.linalg.norm(a - c), np.linalg.norm(a - b))
        area = abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])) / 2
        if area == 0 or la * lb * lc / (4 * area) > alpha_km:
            continue
        for i, j in ((0, 1), (1, 2), (2, 0)):
            key = tuple(sorted((int(simplex[i]), int(simplex[j]))))
            edges[key] = edges.get(key, 0) + 1
    boundary = [k for k, n in edges.items() if n == 1]
    neighbours: dict[int, list[int]] = {}
    for i, j in boundary:
        neighbours.setdefault(i, []).append(j)
        neighbours.setdefault(j, []).append(i)
    rings, used = [], set()
    for start, stop in boundary:
        if (start, stop) in used:
            continue
        ring, prev, cur = [start], start, stop
        used.add((start, stop))
        while cur != start:
            ring.append(cur)
            nxt = next((n for n in neighbours[cur] if n != prev
                        and tuple(sorted((cur, n))) not in used), None)
            if nxt is None:
                break
            used.add(tuple(sorted((cur, nxt))))
            prev, cur = cur, nxt
        coords = [tuple(xy[k]) for k in ring]
        if _area(coords) >= min_area_km2:
            rings.append([_from_km(x, y) for x, y in _simplify(coords, tolerance_km)])
    rings.sort(key=lambda r: -_area(r))
    # Sparse areas leave holes inside the main ring; only islands outside it are kept.
    return [r for i, r in enumerate(rings) if i == 0 or not _inside(r[0], rings[0])]


def _inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1e-9
    worst, index = 0.0, 0
    for i, (x, y) in enumerate(points[1:-1], start=1):
        distance = abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / length
        if distance > worst:
            worst, index = distance, i
    if worst <= tolerance:
        return [points[0], points[-1]]
    return _simplify(points[: index + 1], tolerance)[:-1] + _simplify(points[index:], tolerance)


def main(csv_path: str) -> int:
    with open(csv_path, newline="", encoding="utf-8") as f:
        points = [(float(r["laengengrad"]), float(r["breitengrad"])) for r in csv.DictReader(f)
                  if r.get("laengengrad") and r.get("breitengrad")]
    rings = outline_from_points(points)
    OUTLINE_FILE.write_text(json.dumps(rings, separators=(",", ":")) + "\n")
    print(f"{len(rings)} rings, {sum(len(r) for r in rings)} points from {len(points)} municipalities")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
