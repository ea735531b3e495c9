"""Expected failures, as data: every one carries a code, a message and the field.

The GraphQL layer turns them into ``userErrors``; nothing else needs to know.
"""


class DomainError(Exception):
    code = "INVALID"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """Also used when the caller may not see the object: existence is not leaked."""

    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class InvalidInput(DomainError):
    code = "INVALID_INPUT"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class Conflict(DomainError):
    code = "CONFLICT"
