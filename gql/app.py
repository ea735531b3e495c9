"""The ASGI application: GraphQL over HTTP and WebSocket, GraphiQL, and /healthz.

Routes are explicit (``Route`` + ``WebSocketRoute``, not ``Mount``) so that
``/graphql`` answers exactly as the GraphQL-over-HTTP spec asks.
"""

import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from domain import health
from domain.ports import Clock, EventBus, TriageQueue
from domain.triage_inputs import Intake
from gql import fast_post
from gql.auth import PrincipalCache, authenticate, with_client
from gql.errors import request_id
from gql.schema import schema
from gql.view import FrontdeskGraphQL, MutationOverGet, method_not_allowed

log = logging.getLogger("frontdesk.http")


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> None:
    """Read the body once, refusing it as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    request._body = b"".join(chunks)  # Starlette's cache: Strawberry reads it from there


def _unauthenticated(message: str) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
    return Response(
        orjson.dumps(body),
        status_code=401,
        media_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="frontdesk"'},
    )


def _unavailable() -> Response:
    body = {
        "errors": [
            {
                "message": "The service is temporarily unavailable; try again shortly.",
                "extensions": {"code": "SERVICE_UNAVAILABLE", "requestId": request_id.get()},
            }
        ]
    }
    return Response(
        orjson.dumps(body),
        status_code=503,
        media_type="application/json",
        headers={"Retry-After": "5"},
    )


def _request_id(given: str | None) -> str:
    """The caller's X-Request-ID when it is sane, else a fresh one."""
    if given and len(given) <= 64 and given.isascii() and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex[:16]


def build_app(
    *,
    clock: Clock,
    max_body_bytes: int,
    intake: Intake | None = None,
    triage: TriageQueue | None = None,
    graphiql: bool = True,
    token_cache_seconds: float = 0,
    bus: EventBus | None = None,
    ws_ping_seconds: float = 15.0,
    ws_init_seconds: float = 5.0,
    ws_buffer_updates: int = 256,
    ws_recheck_seconds: float = 1.0,
    lifespan: Callable[[Starlette], contextlib.AbstractAsyncContextManager[Any]] | None = None,
) -> Starlette:
    principals = PrincipalCache(token_cache_seconds)
    view = FrontdeskGraphQL(
        schema,
        principals=principals,
        bus=bus,
        ping_seconds=ws_ping_seconds,
        init_seconds=ws_init_seconds,
        buffer_updates=ws_buffer_updates,
        recheck_seconds=ws_recheck_seconds,
        clock=clock,
        intake=intake or Intake(clock),
        triage=triage,
        graphql_ide="graphiql" if graphiql else None,
    )

    async def graphql_http(request: Request) -> Response:
        rid = _request_id(request.headers.get("x-request-id"))
        request_id.set(rid)
        response = await _graphql_http(request)
        response.headers["X-Request-ID"] = rid
        return response

    async def admit(request: Request) -> Response | None:
        """Body limit and authentication; a response here refuses the request."""
        if request.method == "POST":
            try:
                await _read_body(request, max_body_bytes)
            except BodyTooLarge:
                return PlainTextResponse(
                    f"Request body is larger than the {max_body_bytes:,}-byte limit.",
                    status_code=413,
                )
        try:
            principal, error = await authenticate(request.headers.get("authorization"), principals)
        except Exception:  # the token store is down: say so, never a bare 500
            log.exception("token lookup failed (request %s)", request_id.get())
            return _unavailable()
        if error:
            return _unauthenticated(error)
        try:
            principal = with_client(principal, request.headers.get("x-client-id"))
        except ValueError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        request.scope["frontdesk.principal"] = principal
        return None

    async def _graphql_http(request: Request) -> Response:
        refused = await admit(request)
        if refused is not None:
            return refused
        if request.method == "POST":
            quick = await fast_post.answer(view, request, await request.body())
            if quick is not None:
                return quick
        try:
            return await view.run(request)
        except MutationOverGet:
            return method_not_allowed()
        except HTTPException as exc:
            # Starlette routes HEAD with GET; Strawberry refuses it, and a 405 must say Allow.
            allow = {"Allow": "GET, POST"} if exc.status_code == 405 else None
            return PlainTextResponse(exc.reason, status_code=exc.status_code, headers=allow)

    async def graphql_ws(websocket: WebSocket) -> None:
        await view.run(websocket)

    async def healthz(_: Request) -> Response:
        if await health.database_answers():
            return JSONResponse({"status": "ok", "database": "ok"})
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)

    app = Starlette(
        routes=[
            Route("/graphql", graphql_http, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql_ws),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.subscription_groups = view.groups  # how many distinct executions run
    return app
