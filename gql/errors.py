"""Unexpected errors are masked for clients and logged with the request id."""

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("frontdesk.graphql")


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("unexpected error in %s", error.path, exc_info=original)
    return True


def masked_errors() -> MaskErrors:
    return MaskErrors(
        should_mask_error=_should_mask,
        error_message="Internal server error; it has been logged.",
    )
