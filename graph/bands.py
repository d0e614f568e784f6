"""Population bands (Gemeindegrößenklassen) used to compare like with like.

Stored on each Municipality node as `band`, so "similar municipalities of my size" is a
property filter. The bounds follow the usual German size classes for administrations:
below 5,000 (amtsangehörige Gemeinden), small towns, Mittelstädte, Großstädte.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (code, lower bound inclusive, upper bound exclusive or None, label)
BANDS: list[tuple[str, int, int | None, str]] = [
    ("lt5k", 0, 5_000, _("unter 5.000 Einwohner")),
    ("5k-20k", 5_000, 20_000, _("5.000 bis unter 20.000 Einwohner")),
    ("20k-50k", 20_000, 50_000, _("20.000 bis unter 50.000 Einwohner")),
    ("50k-100k", 50_000, 100_000, _("50.000 bis unter 100.000 Einwohner")),
    ("100k-500k", 100_000, 500_000, _("100.000 bis unter 500.000 Einwohner")),
    ("500k+", 500_000, None, _("500.000 Einwohner und mehr")),
]
CODES = [code for code, *_rest in BANDS]


def band_of(population: int | None) -> str | None:
    """The band code of a population; None when the population is unknown."""
    if population is None:
        return None
    for code, low, high, _label in BANDS:
        if population >= low and (high is None or population < high):
            return code
    return None
