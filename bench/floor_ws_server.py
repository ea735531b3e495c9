"""Serve ``floor_ws_app`` on uvicorn exactly as ``frontdesk serve`` speaks WebSocket.

``python bench/floor_ws_server.py --port P``: the WebSocket implementation and its
options come from ``app.runtime.UVICORN_WEBSOCKETS``, the dict ``frontdesk serve``
passes to ``uvicorn.run``, so a change there changes the floor too. The event loop
and HTTP parser are uvicorn's defaults, as for ``frontdesk serve``; the open-file
limit is inherited from the bench, which raised it before starting any server.
"""

import argparse

import uvicorn
from floor_ws_app import app as floor_app

from app.runtime import UVICORN_WEBSOCKETS


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    uvicorn.run(
        floor_app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        **UVICORN_WEBSOCKETS,
    )


if __name__ == "__main__":
    main()
