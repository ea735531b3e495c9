"""Real servers on 127.0.0.1 for the notifiers to talk to: an SMTP sink and a webhook.

Each listens on an ephemeral port, records what it received, and is just enough
of its protocol for the standard clients (smtplib, httpx) to be satisfied.
"""

import asyncio
import email
import email.policy
import json
from collections.abc import Iterable
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self


class _Server:
    """An asyncio TCP server on an ephemeral local port, as an async context manager."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self.port = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


class SmtpSink(_Server):
    """Accepts every message; ``received`` holds them parsed, in arrival order."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[EmailMessage] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await reply("220 sink ready")
        while line := await reader.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "DATA":
                await reply("354 end with <CRLF>.<CRLF>")
                self.received.append(await self._read_data(reader))
                await reply("250 queued")
            elif verb == "QUIT":
                await reply("221 bye")
                return
            else:  # EHLO, HELO, MAIL, RCPT, RSET, NOOP: all fine by us
                await reply("250 ok")

    @staticmethod
    async def _read_data(reader: asyncio.StreamReader) -> EmailMessage:
        lines: list[bytes] = []
        while (line := await reader.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        parsed = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class WebhookReceiver(_Server):
    """Records each POST as (path, JSON body) and answers with scripted statuses.

    ``statuses`` are used in order, then 200 forever; ``delay_seconds`` makes it slow.
    """

    def __init__(self, statuses: Iterable[int] = (), delay_seconds: float = 0) -> None:
        super().__init__()
        self._statuses = list(statuses)
        self._delay = delay_seconds
        self.received: list[tuple[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = await reader.readline()
        if not request_line:
            return
        _, path, _ = request_line.decode("ascii").split(" ", 2)
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.received.append((path, json.loads(body) if body else None))
        await asyncio.sleep(self._delay)
        status = self._statuses.pop(0) if self._statuses else 200
        text = b"ok" if status < 400 else b"server on fire"
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Length: {len(text)}\r\n"
            "Content-Type: text/plain\r\nConnection: close\r\n\r\n".encode()
            + text
        )
        await writer.drain()
