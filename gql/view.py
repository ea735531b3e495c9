"""Strawberry's ASGI view, adapted to Frontdesk's HTTP contract.

- the context carries the authenticated principal and fresh DataLoaders;
- JSON goes through orjson (several times faster on large pages);
- the answer is ``application/graphql-response+json`` (400 for a request that
  does not parse or validate) when Accept asks for it, else ``application/json``;
- a mutation sent over GET is refused with 405 and ``Allow: POST``, as the
  GraphQL-over-HTTP spec asks (Strawberry alone answers 400);
- a JSON body that is not an object (``"text"``, ``5``, ``null``) is a 400, not
  a crash inside Strawberry;
- WebSocket messages go out as text frames, as graphql-transport-ws requires
  (Strawberry sends orjson's bytes as binary frames, which clients reject).
"""

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from domain.access import Principal
from domain.ports import Clock, EventBus, TriageQueue
from domain.triage_inputs import Intake
from gql import media_types
from gql.auth import PrincipalCache, authenticate
from gql.context import Context, Loaders
from gql.subscription_groups import SubscriptionGroups
from gql.ws import RECHECK_SECONDS, Pinger, PingingTransportWSHandler, TimedGraphQLWSHandler

log = logging.getLogger("frontdesk.graphql")


class MutationOverGet(Exception):
    """Raised out of the view so the route can answer 405 with an Allow header."""


class TextFrames(ASGIWebSocketAdapter):
    """Send every graphql-transport-ws message as a text frame (the protocol's only kind)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        await self.send_text(orjson.dumps(message).decode())

    async def send_text(self, text: str) -> None:
        """A message already serialised (shared subscriptions serialise once)."""
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class FrontdeskGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = TextFrames
    graphql_transport_ws_handler_class = PingingTransportWSHandler
    graphql_ws_handler_class = TimedGraphQLWSHandler

    def __init__(
        self,
        schema: BaseSchema,
        *,
        clock: Clock,
        intake: Intake,
        triage: TriageQueue | None,
        principals: PrincipalCache,
        bus: EventBus | None = None,
        ping_seconds: float = 15.0,
        init_seconds: float = 5.0,
        buffer_updates: int = 256,
        recheck_seconds: float = RECHECK_SECONDS,
        **kwargs: Any,
    ) -> None:
        """``ping_seconds``: how often the server pings (both protocols);
        ``init_seconds``: how long a client may take to send connection_init;
        ``buffer_updates``: how many updates may wait for one subscriber before its
        connection is closed as too slow; ``recheck_seconds``: how often, at most, a
        connection's token is re-checked while updates flow."""
        super().__init__(
            schema,
            keep_alive=True,
            keep_alive_interval=ping_seconds,
            connection_init_wait_timeout=timedelta(seconds=init_seconds),
            **kwargs,
        )
        self.ping_seconds = ping_seconds
        self.pinger = Pinger(ping_seconds)
        self.recheck_seconds = recheck_seconds
        self.groups = SubscriptionGroups(limit=buffer_updates)
        self.clock = clock
        self.intake = intake
        self.triage = triage
        self.principals = principals
        self.bus = bus

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Authenticate in connection_init: ``{"Authorization": "Bearer <token>"}`` (or
        the handshake's own Authorization header). No valid token: closed with 4403."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        given = {str(k).lower(): v for k, v in params.items()}
        header = given.get("authorization") or context.request.headers.get("authorization")
        header = header if isinstance(header, str) else None
        try:
            principal, error = await authenticate(header, self.principals)
        except Exception:  # the token store is down: refuse clearly, log the cause
            log.exception("token lookup failed on a WebSocket connection")
            raise ConnectionRejectionError({"message": "Try again shortly."}) from None
        if principal is None or error or header is None:
            raise ConnectionRejectionError({"message": error or "A token is required."})
        context.principal = principal
        token = header.partition(" ")[2].strip()
        context.recheck = lambda: self.principals.principal_for(token)
        context.loaders = Loaders(include_internal=principal.sees_internal_notes, clock=self.clock)
        unset: UnsetType = UNSET
        return unset

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        principal: Principal | None = request.scope.get("frontdesk.principal")
        include_internal = principal is not None and principal.sees_internal_notes
        return Context(
            request=request,
            principal=principal,
            clock=self.clock,
            loaders=Loaders(include_internal=include_internal, clock=self.clock),
            intake=self.intake,
            triage=self.triage,
            response=response,
            bus=self.bus,
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """Negotiate the response's media type from Accept (gql/media_types.py)."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = media_types.negotiate(request.headers.get("accept"))
        return sub_response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        """As Strawberry's, in the negotiated media type with the status that type gives
        (a status a resolver set on the sub-response still wins). Batches, which
        Strawberry refuses before this point, would pass unchanged."""
        media_type = sub_response.media_type or media_types.JSON
        if isinstance(response_data, dict) and not sub_response.status_code:
            shaped, sub_response.status_code = media_types.shape(response_data, media_type)
            response_data = cast(GraphQLHTTPResponse, shaped)  # the same entries, or fewer
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = media_type
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        parsed = super().parse_json(data)
        if not isinstance(parsed, dict | list):  # a list is a batch, refused further on
            raise HTTPException(400, f"Expected a JSON object, not {_json_kind(parsed)}.")
        return parsed

    async def execute_single(self, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return await super().execute_single(**kwargs)
        except HTTPException as exc:
            cause = exc.__cause__
            if (
                kwargs["request_adapter"].method == "GET"
                and isinstance(cause, InvalidOperationTypeError)
                and cause.operation_type == OperationType.MUTATION
            ):
                raise MutationOverGet from exc
            raise


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a string" if isinstance(value, str) else "a number"


def method_not_allowed() -> Response:
    return Response(
        "Mutations must be sent with POST.",
        status_code=405,
        headers={"Allow": "POST"},
        media_type="text/plain",
    )
