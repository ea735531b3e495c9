"""GraphQL's GetOperation rule, which Strawberry skips.

A document holding several operations must say which one to run
(``operationName``). Strawberry instead runs the first one, so a client that
sent two mutations without a name would see one of them applied silently.
"""

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

MESSAGE = "Must provide operation name if query contains multiple operations."


class RequireOperationName(SchemaExtension):
    """Refuse, before execution, a multi-operation document sent without a name.

    Listed after ``ValidationCache``, whose errors it extends (never mutates:
    that list is cached and shared).
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        # Strawberry fills ``operation_name`` with the first operation's name;
        # only the private field tells whether the client gave one.
        if document is not None and context._provided_operation_name is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [
                    *(context.pre_execution_errors or []),
                    GraphQLError(MESSAGE, nodes=operations),
                ]
        yield
