"""GraphQL enums for the hub's choices, named like the domain (UsageStatus, not
HubUsageStatusChoices) so tools read `status: PRODUCTION`."""

from api.fields import choices_enum
from hub import models

UsageStatus = choices_enum("UsageStatus", models.UsageStatus,
                           "Lifecycle of a usage: evaluating → planned → pilot → production → retired.")
UsageSource = choices_enum("UsageSource", models.UsageSource, "Who entered a usage.")
Visibility = choices_enum("Visibility", models.Visibility,
                          "PUBLIC for everyone, MEMBERS for members and the municipality's editors.")
MunicipalityKind = choices_enum("MunicipalityKind", models.MunicipalityKind, "Kind of municipality.")
OrganizationKind = choices_enum("OrganizationKind", models.OrganizationKind, "Kind of organisation.")
MembershipRole = choices_enum("MembershipRole", models.MembershipRole, "Role of a member.")
ServiceKind = choices_enum("ServiceKind", models.ServiceKind, "OZG-Leistung or LeiKa-Leistung.")
CollaborationStatus = choices_enum("CollaborationStatus", models.CollaborationStatus,
                                   "Status of a collaboration.")
CollaborationTopic = choices_enum("CollaborationTopic", models.CollaborationTopic,
                                  "Topic of a collaboration.")
