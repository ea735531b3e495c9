"""Which media type and status a GraphQL response gets (gql/media_types.py)."""

import pytest

from gql.media_types import GRAPHQL_RESPONSE, JSON, negotiate, shape


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("text/html", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0.5, application/json", JSON),
        (f"{GRAPHQL_RESPONSE};q=0", JSON),
        (f"{GRAPHQL_RESPONSE};q=oops", JSON),
    ],
)
def test_negotiation(accept: str | None, expected: str) -> None:
    assert negotiate(accept) == expected


PARSE_ERROR = {"data": None, "errors": [{"message": "Syntax Error", "locations": []}]}
CRASH = {
    "data": None,
    "errors": [
        {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    ],
}
NULL_BY_A_FIELD = {"data": None, "errors": [{"message": "Forbidden", "path": ["teams"]}]}


def test_a_request_error_loses_data_and_is_a_400_only_in_the_graphql_response_type() -> None:
    assert shape(PARSE_ERROR, GRAPHQL_RESPONSE) == ({"errors": PARSE_ERROR["errors"]}, 400)
    assert shape(PARSE_ERROR, JSON) == (PARSE_ERROR, 200)


def test_a_crash_before_execution_is_the_servers_fault() -> None:
    assert shape(CRASH, GRAPHQL_RESPONSE) == ({"errors": CRASH["errors"]}, 500)


def test_data_nulled_by_a_field_error_was_executed() -> None:
    assert shape(NULL_BY_A_FIELD, GRAPHQL_RESPONSE) == (NULL_BY_A_FIELD, 200)
