"""The floor for bench/subscriptions.py: a bare graphql-transport-ws endpoint.

One Starlette ``WebSocketRoute`` at ``/graphql``: it accepts with the
``graphql-transport-ws`` subprotocol, answers ``connection_init`` with
``connection_ack`` and ``ping`` with ``pong``, and otherwise only reads (a
``subscribe`` is read and ignored). No database, no GraphQL, no event bus: what
an idle connection costs on Starlette + uvicorn before Frontdesk adds anything.
``/healthz`` answers so the bench can wait for the process as for ``frontdesk serve``.

Served by ``floor_ws_server.py`` with the WebSocket settings of ``frontdesk serve``.
"""

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

SUBPROTOCOL = "graphql-transport-ws"
ACK = '{"type":"connection_ack"}'
PONG = '{"type":"pong"}'


async def graphql_ws(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol=SUBPROTOCOL)
    try:
        while True:
            kind = orjson.loads(await websocket.receive_text()).get("type")
            if kind == "connection_init":
                await websocket.send_text(ACK)
            elif kind == "ping":
                await websocket.send_text(PONG)
    except WebSocketDisconnect:
        return


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(routes=[WebSocketRoute("/graphql", graphql_ws), Route("/healthz", healthz)])
