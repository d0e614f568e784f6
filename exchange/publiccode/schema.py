"""The publiccode.yml standard (versions 0.2 to 0.7, and "0" for "latest 0.x") as a JSON Schema.

No maintained Python validator exists on PyPI (the reference parser is Go), so the structure is
checked with `jsonschema` against this schema, written from the standard's documentation
(publiccodeyml/publiccode.yml, docs/standard) and the official parser's test data; the checks
a schema cannot express (SPDX expressions, ISO country and language codes, dates, aliases,
deprecations) live in `validate.py`.
"""

from __future__ import annotations

from typing import Any

VERSIONS = ["0", "0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0", "0.5",
            "0.5.0", "0.6", "0.6.0", "0.7", "0.7.0"]
LATEST = "0.7"
# Before 0.4 `categories` was mandatory.
CATEGORIES_REQUIRED = {"0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0"}

CATEGORIES = [
    "accounting", "agile-project-management", "applicant-tracking", "application-development",
    "appointment-scheduling", "backup", "billing-and-invoicing", "blog", "budgeting",
    "business-intelligence", "business-process-management", "cad", "call-center-management",
    "cloud-management", "collaboration", "communications", "compliance-management",
    "contact-management", "content-management", "crm", "customer-service-and-support",
    "data-analytics", "data-collection", "data-visualization", "design", "design-system",
    "digital-asset-management", "digital-citizenship", "document-management",
    "donor-management", "e-commerce", "e-signature", "educational-content", "email-management",
    "email-marketing", "employee-management", "enterprise-project-management",
    "enterprise-social-networking", "erp", "event-management", "facility-management",
    "feedback-and-reviews-management", "financial-reporting", "fleet-management", "fundraising",
    "gamification", "geographic-information-systems", "grant-management", "graphic-design",
    "help-desk", "hr", "ide", "identity-management", "instant-messaging",
    "integrated-library-system", "inventory-management", "it-asset-management",
    "it-development", "it-management", "it-security", "it-service-management",
    "knowledge-management", "learning-management-system", "marketing", "mind-mapping",
    "mobile-marketing", "mobile-payment", "network-management", "office", "online-booking",
    "online-community", "payment-gateway", "payroll", "predictive-analysis", "procurement",
    "productivity-suite", "project-collaboration", "project-management", "property-management",
    "real-estate-management", "regulations-and-directives", "remote-support",
    "resource-management", "sales-management", "seo", "service-desk",
    "social-media-management", "survey", "talent-management", "task-management",
    "taxes-management", "test-management", "time-management", "time-tracking", "translation",
    "video-conferencing", "video-editing", "visitor-management", "voip",
    "warehouse-management", "web-collaboration", "web-conferencing", "website-builder",
    "whistleblowing", "workflow-management", "other",
]
SCOPES = [
    "agriculture", "culture", "defence", "education", "emergency-services", "employment",
    "energy", "environment", "finance-and-economic-development", "foreign-affairs",
    "government", "healthcare", "infrastructures", "justice", "local-authorities",
    "manufacturing", "research", "science-and-technology", "security", "society", "sport",
    "tourism", "transportation", "welfare",
]
DEVELOPMENT_STATUS = ["concept", "development", "beta", "stable", "obsolete"]
SOFTWARE_TYPES = ["standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
                  "standalone/backend", "standalone/other", "addon", "library",
                  "configurationFiles"]
MAINTENANCE_TYPES = ["internal", "contract", "community", "none"]
SUPPORT_ALIASES = ["gdpr", "eidas", "nis2", "cra", "spid", "cie", "anpr", "pagopa", "io"]
PLATFORMS = ["web", "windows", "mac", "linux", "ios", "android"]

# Keys the standard marks deprecated: accepted with a warning.
DEPRECATED = ["monochromeLogo", "inputTypes", "outputTypes", "legal.repoOwner",
              "legal.authorsFile", "description.*.genericName", "IT.conforme", "it"]


def _str(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _list(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or [],
            "additionalProperties": False, **extra}


NONEMPTY = _str(minLength=1)
URL = _str(pattern=r"^(https?|git|ssh|svn|ftp)://[^\s/]+\S*$|^git@[^\s:]+:\S+$")
HTTP_URL = _str(pattern=r"^https?://[^\s/]+\S*$")
DATE = _str(pattern=r"^\d{4}-\d{2}-\d{2}$")
EMAIL = _str(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FLAG = {"type": ["boolean", "null"]}

DEPENDENCY = _obj({"name": NONEMPTY, "versionMin": _str(), "versionMax": _str(),
                   "version": _str(), "optional": {"type": "boolean"}}, ["name"])
CONTACT = _obj({"name": NONEMPTY, "email": EMAIL, "phone": _str(), "affiliation": _str()},
               ["name"])
CONTRACTOR = _obj({"name": NONEMPTY, "until": DATE, "email": EMAIL, "website": HTTP_URL},
                  ["name", "until"])
DESCRIPTION = _obj({
    "localisedName": _str(),
    "genericName": _str(maxLength=35),
    "shortDescription": _str(minLength=1, maxLength=150),
    "longDescription": _str(minLength=150, maxLength=10000),
    "documentation": HTTP_URL,
    "apiDocumentation": HTTP_URL,
    "features": _list(_str(), minItems=1),
    "screenshots": _list(_str()),
    "videos": _list(HTTP_URL),
    "awards": _list(_str()),
}, ["shortDescription"])
ITALY = _obj({
    "countryExtensionVersion": _str(),
    "conforme": _obj({k: FLAG for k in ["lineeGuidaDesign", "modelloInteroperabilita",
                                        "misureMinimeSicurezza", "gdpr"]}),
    "riuso": _obj({"codiceIPA": _str()}),
    "piattaforme": _obj({k: FLAG for k in ["spid", "pagopa", "cie", "anpr", "io"]}),
})

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "publiccode.yml 0.2–0.7",
    **_obj({
        "publiccodeYmlVersion": {"type": "string", "enum": VERSIONS},
        "name": NONEMPTY,
        "applicationSuite": _str(),
        "url": URL,
        "landingURL": HTTP_URL,
        "isBasedOn": {"anyOf": [URL, _list(URL)]},
        "organizationUri": _str(),
        "softwareVersion": _str(),
        "releaseDate": DATE,
        "logo": _str(),
        "monochromeLogo": _str(),
        "inputTypes": _list(_str()),
        "outputTypes": _list(_str()),
        "platforms": {"anyOf": [NONEMPTY, _list(NONEMPTY, minItems=1)]},
        "categories": _list({"enum": CATEGORIES}, minItems=1),
        "usedBy": _list(NONEMPTY),
        "roadmap": HTTP_URL,
        "developmentStatus": {"enum": DEVELOPMENT_STATUS},
        "softwareType": {"enum": SOFTWARE_TYPES},
        "supports": _list(_obj({"id": NONEMPTY}, ["id"])),
        "intendedAudience": _obj({"countries": _list(_str()),
                                  "unsupportedCountries": _list(_str()),
                                  "scope": _list({"enum": SCOPES})}),
        "description": {"type": "object", "minProperties": 1, "additionalProperties": DESCRIPTION},
        "legal": _obj({"license": NONEMPTY, "mainCopyrightOwner": _str(), "repoOwner": _str(),
                       "authorsFile": _str()}, ["license"]),
        "maintenance": _obj(
            {"type": {"enum": MAINTENANCE_TYPES}, "contractors": _list(CONTRACTOR),
             "contacts": _list(CONTACT)}, ["type"],
            allOf=[
                {"if": {"properties": {"type": {"const": "contract"}}},
                 "then": {"required": ["contractors"]}},
                {"if": {"properties": {"type": {"enum": ["internal", "community"]}}},
                 "then": {"required": ["contacts"]}},
            ]),
        "localisation": _obj({"localisationReady": {"type": "boolean"},
                              "availableLanguages": _list(NONEMPTY, minItems=1)},
                             ["localisationReady", "availableLanguages"]),
        "dependsOn": _obj({k: _list(DEPENDENCY) for k in ["open", "proprietary", "hardware"]}),
        "organisation": _obj({"name": _str(), "uri": NONEMPTY}, ["uri"]),
        "fundedBy": _list({"type": "object", "properties": {"name": _str(), "uri": _str()},
                           "additionalProperties": False,
                           "anyOf": [{"required": ["name"]}, {"required": ["uri"]}]}),
        "IT": ITALY,
        "it": ITALY,
    }, ["publiccodeYmlVersion", "name", "url", "platforms", "developmentStatus",
        "softwareType", "description", "legal", "maintenance", "localisation"]),
}
