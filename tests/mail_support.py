"""A real SMTP server in the test process (aiosmtpd), and helpers for the e-mail tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import redis
from aiosmtpd.controller import Controller

REDIS_URL = "redis://127.0.0.1:6379/8"


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingHandler:
    """Keeps every mail it accepts. ``refuse`` maps an address to an RCPT reply (e.g. a 550),
    ``defer_data`` to a number of DATA replies of 451 before the mail is accepted."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.defer_data: dict[str, int] = {}
        self.data_started = threading.Event()
        self.pause_on_data: tuple[int, float] | None = None  # (nth DATA, seconds)
        self.data_count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        recipient = envelope.rcpt_tos[0]
        with self.lock:
            if self.defer_data.get(recipient, 0) > 0:
                self.defer_data[recipient] -= 1
                return "451 4.3.0 Try again later"
            self.data_count += 1
            count = self.data_count
            # The server has the mail from here on, whatever happens to the client.
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.pause_on_data and count == self.pause_on_data[0]:
            self.data_started.set()
            await asyncio.sleep(self.pause_on_data[1])
        return "250 OK queued"

    def to(self, address: str) -> list[EmailMessage]:
        """The mails that arrived for ``address``."""
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """aiosmtpd on a free local port, for as long as the ``with`` block runs."""

    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp+insecure://127.0.0.1:{self.port}"

    def __enter__(self) -> RecordingHandler:
        self.controller.start()
        return self.handler

    def __exit__(self, *exc):
        self.controller.stop()


def unique_queue() -> str:
    """A queue name no other test run uses."""
    return f"test-mail-{uuid.uuid4().hex[:12]}"


def clean_queue(name: str) -> None:
    """Delete the keys this test run made in Redis db 8: its queue and registries, their jobs
    (with results and executions) and the workers that listened to it."""
    connection = redis.Redis.from_url(REDIS_URL)
    job_ids: set[str] = set()
    workers = {w.decode() for w in connection.smembers(f"rq:workers:{name}")}
    for key in connection.scan_iter(f"rq:*{name}*"):
        kind = connection.type(key)
        if kind == b"zset":
            job_ids |= {j.decode() for j in connection.zrange(key, 0, -1)}
        elif kind == b"list":
            job_ids |= {j.decode() for j in connection.lrange(key, 0, -1)}
        connection.delete(key)
    for job_id in {j.split(":")[0] for j in job_ids}:
        for pattern in (f"rq:job:{job_id}*", f"rq:results:{job_id}*", f"rq:execution*{job_id}*"):
            for key in connection.scan_iter(pattern):
                connection.delete(key)
    for worker in workers:
        name_only = worker.removeprefix("rq:worker:")
        for key in connection.scan_iter(f"rq:worker:{name_only}*"):
            connection.delete(key)
        connection.srem("rq:workers", worker)
    for key in connection.scan_iter("rq:worker:*"):
        if (
            connection.type(key) == b"hash"
            and name in (connection.hget(key, "queues") or b"").decode()
        ):
            connection.delete(key)
    connection.srem("rq:queues", f"rq:queue:{name}")


def body_text(message: EmailMessage) -> str:
    """The plain-text part of a mail."""
    return message.get_body(("plain",)).get_content()


def link_in(message: EmailMessage, prefix: str = "/s/") -> str:
    """The path of the first link in the mail's text that contains ``prefix``."""
    for word in body_text(message).split():
        if prefix in word:
            return word[word.index(prefix) :]
    raise AssertionError(f"no {prefix} link in the mail")
