"""The exported schema stays current, and other domains can extend the schema."""

from __future__ import annotations

import graphene

from api import schema as api_schema
from api.hub_mutations import HubMutations
from api.hub_types import HubQuery


def test_exported_schema_file_is_current():
    """Run `make schema` after changing the API; the diff of api/schema.graphql shows the
    change in review."""
    assert api_schema.export_schema(write=False) is False, "api/schema.graphql is stale: make schema"


def test_every_list_is_a_connection_with_total_count():
    text = api_schema.sdl()
    connections = {line.split()[1] for line in text.splitlines()
                   if line.startswith("type ") and line.split()[1].endswith("Connection")}
    assert {"MunicipalityConnection", "UsageConnection", "SoftwareConnection"} <= connections
    for name in connections:
        body = text.split(f"type {name} {{", 1)[1].split("}", 1)[0]
        assert "totalCount: Int!" in body, name


def test_mutations_take_one_input_and_return_errors():
    mutation = api_schema.schema.graphql_schema.mutation_type
    for name, field in mutation.fields.items():
        assert list(field.args) == ["input"], name
        assert "errors" in field.type.fields, name


def test_other_domains_add_root_fields_and_fields_on_existing_types():
    class Greeting(graphene.ObjectType):
        text = graphene.String()

    class ExtraQuery(graphene.ObjectType):
        greeting = graphene.Field(Greeting)

        def resolve_greeting(root, info):
            return {"text": "Moin"}

    class Target(graphene.ObjectType):
        name = graphene.String()

    class TargetQuery(graphene.ObjectType):
        target = graphene.Field(Target)

        def resolve_target(root, info):
            return {"name": "Erkrath"}

    class Shout:
        shout = graphene.String()

        def resolve_shout(root, info):
            return root["name"].upper()

    api_schema.extend_type(Target, Shout)
    built = api_schema.build_schema([HubQuery, ExtraQuery, TargetQuery], [HubMutations], [])
    result = built.execute("{ greeting { text } target { name shout } }")
    assert result.errors is None
    assert result.data == {"greeting": {"text": "Moin"}, "target": {"name": "Erkrath", "shout": "ERKRATH"}}
