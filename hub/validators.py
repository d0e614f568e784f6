"""Validators for official keys (AGS, ARS, LeiKa, OZG id).

They run in `full_clean()` (model level), so every path that saves through a service,
the admin or an import rejects bad keys with the same message and code.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hub import errors

STATE_CODES = {f"{n:02d}" for n in range(1, 17)}


def validate_ags(value: str) -> None:
    """AGS: 8 digits, Land(2) + RB(1) + Kreis(2) + Gemeinde(3); the Land code is 01–16."""
    if not re.fullmatch(r"\d{8}", value or "") or value[:2] not in STATE_CODES:
        raise ValidationError(
            _(
                "„%(value)s“ ist kein gültiger Amtlicher Gemeindeschlüssel (8 Ziffern, "
                "Länderschlüssel 01–16)."
            ),
            code=errors.INVALID_AGS,
            params={"value": value},
        )


def validate_ars(value: str) -> None:
    """ARS: 12 digits, Land(2) + RB(1) + Kreis(2) + Verband(4) + Gemeinde(3)."""
    if not re.fullmatch(r"\d{12}", value or "") or value[:2] not in STATE_CODES:
        raise ValidationError(
            _("„%(value)s“ ist kein gültiger Regionalschlüssel (12 Ziffern)."),
            code=errors.INVALID_ARS,
            params={"value": value},
        )


def ars_matches_ags(ars: str, ags: str) -> bool:
    """The ARS embeds the AGS: first five digits, then the Verband, then the last three."""
    return ars[:5] == ags[:5] and ars[9:] == ags[5:]


def validate_leika_key(value: str) -> None:
    """LeiKa key: 14 digits starting with 99 (FIM Baustein Leistungen)."""
    if not re.fullmatch(r"99\d{12}", value or ""):
        raise ValidationError(
            _("„%(value)s“ ist kein gültiger LeiKa-Schlüssel (14 Ziffern, beginnt mit 99)."),
            code=errors.INVALID_LEIKA_KEY,
            params={"value": value},
        )


def validate_ozg_id(value: str) -> None:
    if not re.fullmatch(r"\d{5}", value or ""):
        raise ValidationError(
            _("„%(value)s“ ist keine gültige OZG-ID (5 Ziffern)."),
            code=errors.INVALID_OZG_ID,
            params={"value": value},
        )
