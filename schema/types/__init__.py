"""GraphQL object types, by area: ``common`` (Relay plumbing), ``graph`` (nodes and their
relationship connections), ``payloads`` (mutation results)."""
