"""Validating a publiccode.yml: YAML → JSON Schema → the checks a schema cannot express.

Every problem becomes an `Issue` with the field path as the standard writes it
("description.en.longDescription", "maintenance.contacts[0].email") and the line in the file;
deprecated keys and old versions are warnings, as in the official parser.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pycountry
import yaml
from django.utils.translation import gettext_noop
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from license_expression import get_spdx_licensing

from exchange import report as rp
from exchange.publiccode import schema as sc
from hub import errors


class _Loader(yaml.SafeLoader):
    """YAML 1.2-ish: numbers and dates stay strings (publiccodeYmlVersion: 0.4 is "0.4",
    softwareVersion: 1.10 is "1.10"); only true/false are booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                           "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

BCP47 = re.compile(
    r"^(?P<lang>[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}|[a-zA-Z]{5,8})(?:-[a-zA-Z]{4})?"
    r"(?:-(?:[a-zA-Z]{2}|\d{3}))?(?:-(?:[a-zA-Z0-9]{5,8}|\d[a-zA-Z0-9]{3}))*"
    r"(?:-[0-9a-wy-zA-WY-Z](?:-[a-zA-Z0-9]{2,8})+)*(?:-x(?:-[a-zA-Z0-9]{1,8})+)?$")

_TYPES = {"string": gettext_noop("Text"), "array": gettext_noop("Liste"),
          "object": gettext_noop("Abschnitt"), "boolean": gettext_noop("true oder false"),
          "null": gettext_noop("leer")}


@dataclass
class Validated:
    document: dict[str, Any] | None
    version: str = ""
    issues: list[rp.Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[rp.Issue]:
        return [i for i in self.issues if i.level == rp.ERROR]

    @property
    def warnings(self) -> list[rp.Issue]:
        return [i for i in self.issues if i.level == rp.WARNING]

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.errors


def validate(data: bytes) -> Validated:
    """Parse and validate; the document is returned even when invalid (for reporting)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        lines = data.decode("utf-8", "replace").splitlines()
        return Validated(None, issues=[rp.Issue(rp.INVALID_ENCODING, gettext_noop(
            "publiccode.yml muss UTF-8-kodiert sein; ungültiges Byte 0x%(byte)s in Zeile "
            "%(line)s (vermutlich ISO-8859-1)."), {"byte": f"{data[exc.start]:02X}", "line": line},
            line, _path_at(lines, line) or None)])
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        return Validated(None, issues=[rp.Issue(rp.INVALID_FORMAT, gettext_noop(
            "Kein gültiges YAML: %(problem)s."), {"problem": getattr(exc, "problem", None) or str(exc)},
            line, _path_at(text.splitlines(), line) if line else None)])
    if not isinstance(document, dict):
        return Validated(None, issues=[rp.Issue(rp.INVALID_FORMAT, gettext_noop(
            "Die Datei enthält keinen publiccode.yml-Abschnitt (oberste Ebene muss ein "
            "Schlüssel-Wert-Verzeichnis sein)."), {}, 1, None)])
    result = Validated(document, str(document.get("publiccodeYmlVersion", "")))
    for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path)):
        result.issues.extend(_from_schema(error))
    result.issues.extend(_semantic(document, result.version))
    for issue in result.issues:
        if issue.row is None and issue.field is not None:
            issue.row = _line_of(root, issue.field)
    result.issues.sort(key=lambda i: (i.level != rp.ERROR, i.row or 0))
    return result


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(sc.SCHEMA)


def path_str(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _from_schema(error: SchemaError) -> list[rp.Issue]:
    path = path_str(error.absolute_path)
    kind = error.validator
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else ""
        full = f"{path}.{name}" if path else name
        if "allOf" in error.schema_path:
            return [rp.Issue(rp.REQUIRED, gettext_noop(
                "Pflichtfeld „%(field)s“ fehlt (nötig bei maintenance.type „%(type)s“)."),
                {"field": full, "type": error.instance.get("type", "")}, None, full)]
        return [rp.Issue(rp.REQUIRED, gettext_noop("Pflichtfeld „%(field)s“ fehlt."),
                         {"field": full}, None, full)]
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return [rp.Issue(rp.UNKNOWN_VALUE, gettext_noop(
            "Unbekanntes Feld „%(field)s“: publiccode.yml kennt es nicht."),
            {"field": f"{path}.{k}" if path else str(k)}, None, f"{path}.{k}" if path else str(k))
            for k in extra]
    if kind == "enum":
        allowed = error.validator_value
        shown = ", ".join(allowed[:8]) + (", …" if len(allowed) > 8 else "")
        return [rp.Issue(rp.UNKNOWN_VALUE, gettext_noop(
            "„%(value)s“ ist kein erlaubter Wert für „%(field)s“ (erlaubt: %(allowed)s)."),
            {"value": error.instance, "field": path, "allowed": shown}, None, path)]
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
        return [rp.Issue(errors.INVALID, gettext_noop("Falscher Typ für „%(field)s“: erwartet %(type)s."),
                         {"field": path, "type": rp.Term(_TYPES.get(expected, expected))}, None, path)]
    if kind in {"minLength", "maxLength"}:
        template = (gettext_noop("„%(field)s“ ist zu kurz: %(length)s Zeichen, mindestens %(limit)s.")
                    if kind == "minLength" else
                    gettext_noop("„%(field)s“ ist zu lang: %(length)s Zeichen, höchstens %(limit)s."))
        return [rp.Issue(errors.OUT_OF_RANGE, template, {"field": path, "length": len(error.instance),
                                                          "limit": error.validator_value}, None, path)]
    if kind in {"minItems", "minProperties"}:
        return [rp.Issue(rp.REQUIRED, gettext_noop("„%(field)s“ braucht mindestens einen Eintrag."),
                         {"field": path}, None, path)]
    if kind == "pattern":
        what = {sc.URL["pattern"]: gettext_noop("URL"), sc.HTTP_URL["pattern"]: gettext_noop("http(s)-URL"),
                sc.DATE["pattern"]: gettext_noop("Datum JJJJ-MM-TT"),
                sc.EMAIL["pattern"]: gettext_noop("E-Mail-Adresse")}.get(error.validator_value, "")
        return [rp.Issue(errors.INVALID, gettext_noop("„%(value)s“ in „%(field)s“ ist keine gültige %(what)s."),
                         {"value": error.instance, "field": path, "what": rp.Term(what)}, None, path)]
    return [rp.Issue(errors.INVALID, gettext_noop("Ungültiger Wert in „%(field)s“ (%(detail)s)."),
                     {"field": path or "/", "detail": error.message[:200]}, None, path or None)]


# ---------------------------------------------------------------- checks beyond the schema


def _semantic(doc: dict[str, Any], version: str) -> list[rp.Issue]:
    found: list[rp.Issue] = []
    if version in sc.CATEGORIES_REQUIRED and "categories" not in doc:
        found.append(rp.Issue(rp.REQUIRED, gettext_noop(
            "Pflichtfeld „%(field)s“ fehlt (bis Version 0.3 vorgeschrieben)."),
            {"field": "categories"}, None, "categories"))
    if version in sc.VERSIONS and version not in {"0", sc.LATEST, sc.LATEST + ".0"}:
        found.append(_warn(gettext_noop(
            "Version %(version)s ist nicht die aktuelle; die Datei wird nach %(latest)s gelesen."),
            "publiccodeYmlVersion", version=version, latest=sc.LATEST))
    legal = doc.get("legal")
    if isinstance(legal, dict) and isinstance(legal.get("license"), str):
        found.extend(_license(legal["license"]))
    audience = doc.get("intendedAudience")
    if isinstance(audience, dict):
        for key in ("countries", "unsupportedCountries"):
            for n, code in enumerate(audience.get(key) or []):
                found.extend(_country(code, f"intendedAudience.{key}[{n}]"))
    description = doc.get("description")
    if isinstance(description, dict):
        found.extend(_descriptions(description))
    localisation = doc.get("localisation")
    if isinstance(localisation, dict):
        for n, lang in enumerate(localisation.get("availableLanguages") or []):
            if isinstance(lang, str) and not valid_language(lang):
                found.append(_invalid_language(lang, f"localisation.availableLanguages[{n}]"))
    found.extend(_dates(doc))
    for n, item in enumerate(doc.get("supports") or []):
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str):
            found.extend(_support(ident, f"supports[{n}].id"))
    found.extend(_deprecations(doc))
    return found


def _warn(template: str, path: str, **params: Any) -> rp.Issue:
    return rp.Issue(rp.SUSPICIOUS, template, params, None, path, rp.WARNING)


def _license(expression: str) -> list[rp.Issue]:
    info = get_spdx_licensing().validate(expression, strict=True)
    unknown = [s for s in info.invalid_symbols if not str(s).startswith(("LicenseRef-", "DocumentRef-"))]
    if unknown or (info.errors and not info.invalid_symbols):
        return [rp.Issue(errors.INVALID, gettext_noop(
            "„%(value)s“ ist kein gültiger SPDX-Lizenzausdruck (https://spdx.org/licenses/)."),
            {"value": expression}, None, "legal.license")]
    return []


def _country(code: Any, path: str) -> list[rp.Issue]:
    if not isinstance(code, str) or len(code) != 2 or not pycountry.countries.get(alpha_2=code.upper()):
        return [rp.Issue(errors.INVALID, gettext_noop(
            "„%(value)s“ ist kein Ländercode nach ISO 3166-1 alpha-2."), {"value": code}, None, path)]
    if code != code.upper():
        return [_warn(gettext_noop("Ländercode „%(value)s“ in Kleinbuchstaben ist veraltet; "
                                   "bitte „%(upper)s“ schreiben."), path, value=code, upper=code.upper())]
    return []


@cache
def valid_language(tag: str) -> bool:
    match = BCP47.match(tag)
    if not match:
        return False
    primary = match.group("lang").split("-")[0].lower()
    if len(primary) == 2:
        return pycountry.languages.get(alpha_2=primary) is not None
    return len(primary) == 3 and pycountry.languages.get(alpha_3=primary) is not None


def _invalid_language(tag: str, path: str) -> rp.Issue:
    return rp.Issue(errors.INVALID, gettext_noop(
        "„%(value)s“ ist kein Sprachcode nach BCP 47 (z. B. „de“, „en-GB“)."), {"value": tag}, None, path)


def _descriptions(description: dict[str, Any]) -> list[rp.Issue]:
    found = [_invalid_language(lang, f"description.{lang}") for lang in description
             if not valid_language(str(lang))]
    texts = [d for d in description.values() if isinstance(d, dict)]
    first = next(iter(description), "en")
    if texts and not any(d.get("longDescription") for d in texts):
        found.append(rp.Issue(rp.REQUIRED, gettext_noop(
            "Pflichtfeld „%(field)s“ fehlt (in mindestens einer Sprache nötig)."),
            {"field": f"description.{first}.longDescription"}, None, f"description.{first}.longDescription"))
    if texts and not any(d.get("features") for d in texts):
        found.append(rp.Issue(rp.REQUIRED, gettext_noop(
            "Pflichtfeld „%(field)s“ fehlt (in mindestens einer Sprache nötig)."),
            {"field": f"description.{first}.features"}, None, f"description.{first}.features"))
    return found


def _dates(doc: dict[str, Any]) -> list[rp.Issue]:
    candidates = [("releaseDate", doc.get("releaseDate"))]
    maintenance = doc.get("maintenance") if isinstance(doc.get("maintenance"), dict) else {}
    for n, item in enumerate(maintenance.get("contractors") or []):
        if isinstance(item, dict):
            candidates.append((f"maintenance.contractors[{n}].until", item.get("until")))
    found = []
    for path, value in candidates:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                found.append(rp.Issue(errors.INVALID, gettext_noop(
                    "„%(value)s“ in „%(field)s“ ist kein gültiges Datum."),
                    {"value": value, "field": path}, None, path))
    return found


def _support(ident: str, path: str) -> list[rp.Issue]:
    if ident.startswith("alias:"):
        if ident[6:] not in sc.SUPPORT_ALIASES:
            return [rp.Issue(rp.UNKNOWN_VALUE, gettext_noop(
                "Unbekannter Alias „%(value)s“ (bekannt: %(allowed)s)."),
                {"value": ident, "allowed": ", ".join(f"alias:{a}" for a in sc.SUPPORT_ALIASES)}, None, path)]
        return []
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", ident):
        return [rp.Issue(errors.INVALID, gettext_noop(
            "„%(value)s“ ist weder ein bekannter Alias noch eine URI."), {"value": ident}, None, path)]
    return []


def _deprecations(doc: dict[str, Any]) -> list[rp.Issue]:
    found = []
    for key in ("monochromeLogo", "inputTypes", "outputTypes"):
        if key in doc:
            found.append(_deprecated(key))
    legal = doc.get("legal") if isinstance(doc.get("legal"), dict) else {}
    for key in ("repoOwner", "authorsFile"):
        if key in legal:
            found.append(_deprecated(f"legal.{key}"))
    for lang, text in (doc.get("description") or {}).items() if isinstance(doc.get("description"), dict) else []:
        if isinstance(text, dict) and "genericName" in text:
            found.append(_deprecated(f"description.{lang}.genericName"))
    if "it" in doc:
        found.append(_warn(gettext_noop("Der Abschnitt „it“ in Kleinbuchstaben ist veraltet; bitte „IT“ verwenden."), "it"))
    italy = doc.get("IT") or doc.get("it")
    if isinstance(italy, dict) and "conforme" in italy:
        found.append(_deprecated("IT.conforme" if "IT" in doc else "it.conforme"))
    return found


def _deprecated(path: str) -> rp.Issue:
    return _warn(gettext_noop("„%(field)s“ ist veraltet und wird künftig entfernt; es kann entfallen."),
                 path, field=path)


# ---------------------------------------------------------------- lines


def _line_of(root: yaml.Node | None, path: str) -> int | None:
    """The line of the node at `path`, or of its deepest existing ancestor."""
    node, line = root, (root.start_mark.line + 1 if root else None)
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node, line = value, key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and part.startswith("["):
            index = int(part[1:-1])
            if index >= len(node.value):
                return line
            node = node.value[index]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _path_at(lines: list[str], lineno: int) -> str:
    """Best-effort key path of a line, from indentation (for YAML syntax errors)."""
    path: list[str] = []
    limit = None
    for i in range(min(lineno, len(lines)) - 1, -1, -1):
        raw = lines[i]
        stripped = raw.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(stripped)
        match = re.match(r"(?:-\s+)?([A-Za-z0-9_.\-]+)\s*:(\s*(#.*)?$)?", stripped)
        # Above the error line only containers ("key:" with nothing after) are ancestors.
        is_parent = match and (limit is None or match.group(2) is not None)
        if match and is_parent and (limit is None or indent < limit):
            path.insert(0, match.group(1))
            limit = indent
            if indent == 0:
                break
    return ".".join(path)
