"""The ``Notifier`` port over the outside world: a Slack incoming webhook and SMTP.

Both raise on any failure; the notification outbox (``domain.notifications``)
decides whether to retry, so nothing here retries or swallows errors.
"""

import asyncio
import smtplib
from email.message import EmailMessage

import httpx

from domain.ports import OutgoingMessage


class NotificationFailed(Exception):
    """The receiving end answered, but not with success."""


class SlackWebhookNotifier:
    """POSTs ``{"text": ...}`` to the message's recipient, a Slack incoming-webhook URL.

    Pass a ``client`` to share its connection pool (and its lifetime is then the
    caller's); without one, each send opens and closes its own.
    """

    def __init__(self, timeout_seconds: float = 10.0, client: httpx.AsyncClient | None = None):
        self._timeout = timeout_seconds
        self._client = client

    async def send(self, message: OutgoingMessage) -> None:
        if self._client is not None:
            await self._post(self._client, message)
            return
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            await self._post(client, message)

    async def _post(self, client: httpx.AsyncClient, message: OutgoingMessage) -> None:
        payload = {"text": f"*{message.subject}*\n{message.body}"}
        response = await client.post(message.recipient, json=payload, timeout=self._timeout)
        if not response.is_success:
            raise NotificationFailed(
                f"Slack webhook answered {response.status_code}: {response.text[:200]}"
            )


class SmtpNotifier:
    """Sends a plain-text email with the standard library's blocking ``smtplib``,
    in a worker thread so the event loop keeps serving."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str = "frontdesk@localhost",
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout_seconds

    def _email(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self.sender
        email["To"] = message.recipient
        email.set_content(message.body)
        return email

    def _send_blocking(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls()
            if self._username:
                smtp.login(self._username, self._password or "")
            smtp.send_message(email)

    async def send(self, message: OutgoingMessage) -> None:
        await asyncio.to_thread(self._send_blocking, self._email(message))
