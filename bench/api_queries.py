"""The GraphQL portfolio query that `make bench` times and mirrors with a plain view."""

PORTFOLIO_QUERY = """query Portfolios($state: String!) {
  municipalities(first: 100, state: $state) { totalCount edges { node { ags name
    usages { edges { node { status since software { slug name vendor { name } } } } } } } } }"""

# The floor under any graphene/graphql-core implementation of PORTFOLIO_QUERY: the same
# query text, validated and executed by graphql-core alone over the finished answer held as
# plain dicts (default resolvers, no database, no Django, no graphene), with the real
# schema's nullability. What the API spends above this is ours to optimise.
FLOOR_SDL = """
type Query { municipalities(first: Int, state: String!): MunicipalityConnection }
type MunicipalityConnection { totalCount: Int! edges: [MunicipalityEdge]! }
type MunicipalityEdge { node: Municipality cursor: String! }
type Municipality { ags: String! name: String! usages(first: Int): UsageConnection }
type UsageConnection { totalCount: Int! edges: [UsageEdge]! }
type UsageEdge { node: Usage cursor: String! }
type Usage { status: UsageStatus! since: String software: Software! }
enum UsageStatus { EVALUATING PLANNED PILOT PRODUCTION RETIRED }
type Software { slug: String! name: String! vendor: Organization }
type Organization { name: String! }
"""
