"""The GraphQL API: types, schema, context, extensions and the ASGI app."""
