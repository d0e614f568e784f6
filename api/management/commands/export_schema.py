"""`manage.py export_schema [--check]`: write the GraphQL schema to api/schema.graphql, so
schema changes show up in review (a test fails while the file is stale)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.schema import SCHEMA_FILE, export_schema


class Command(BaseCommand):
    help = "Schreibt das GraphQL-Schema nach api/schema.graphql / writes the GraphQL schema."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="only check that the file is current (exit 1 if not)")

    def handle(self, *args, check: bool, **options) -> None:
        changed = export_schema(write=not check)
        if check and changed:
            raise CommandError(f"{SCHEMA_FILE} ist veraltet / is stale: make schema")
        self.stdout.write(f"{SCHEMA_FILE.name}: {'updated' if changed else 'up to date'}")
