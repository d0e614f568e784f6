"""The GraphQL portfolio query that `make bench` times and mirrors with a plain view."""

PORTFOLIO_QUERY = """query Portfolios($state: String!) {
  municipalities(first: 100, state: $state) { totalCount edges { node { ags name
    usages { edges { node { status since software { slug name vendor { name } } } } } } } } }"""
