"""schema.graphql is the checked-in contract: it must equal the running schema."""

from pathlib import Path

from gql.schema import schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_checked_in_sdl_matches_the_running_schema() -> None:
    assert SDL.read_text(encoding="utf-8") == schema.as_str() + "\n", (
        "schema.graphql is stale: run `make schema` and review the diff"
    )


def test_root_fields_clients_rely_on_exist() -> None:
    graphql_schema = schema._schema
    assert graphql_schema.query_type is not None
    assert graphql_schema.mutation_type is not None
    query = set(graphql_schema.query_type.fields)
    mutation = set(graphql_schema.mutation_type.fields)
    assert {
        "ticket",
        "tickets",
        "node",
        "me",
        "agents",
        "teams",
        "customers",
        "categories",
    } <= query
    assert {
        "createTicket",
        "addMessage",
        "changeTicketStatus",
        "assignTicket",
        "updateTicket",
        "setAgentAvailability",
    } <= mutation
