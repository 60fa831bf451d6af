"""Fan-out of events to WebSocket clients: `publish(topic, data)` from any thread.

This is the interface the live runtime publishes through (topics `equity`, `risk`,
`order`, `fill`, `alert`); the job manager publishes `job`. Each client has a bounded
queue: a client that falls `ws_queue` messages behind is dropped (closed with 1013), so
one slow reader never holds up the publisher or the other clients. docs/api.md gives the
message schema.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, Protocol

__all__ = ["TOPICS", "Client", "Hub", "Publisher", "message"]

TOPICS: Final = frozenset({"job", "equity", "risk", "order", "fill", "alert"})
log = logging.getLogger("basis.api.hub")


class Publisher(Protocol):
    """What a producer of events needs: one non-blocking call, safe from any thread."""

    def publish(self, topic: str, data: Mapping[str, Any]) -> None: ...


def message(topic: str, data: Mapping[str, Any], seq: int) -> str:
    """The wire form: `{"type": topic, "seq": n, "at": ISO time, "data": {...}}`."""
    at = datetime.now(UTC).isoformat()
    return json.dumps({"type": topic, "seq": seq, "at": at, "data": dict(data)}, default=str)


class Client:
    """One connected client: its topics and the queue the hub fills and its sender drains."""

    def __init__(self, topics: frozenset[str], capacity: int) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=capacity)
        self.dropped = asyncio.Event()  # set when the hub gives up on this client


class Hub:
    """The clients of one app and the loop their sockets run on."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._clients: set[Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str, Mapping[str, Any]], None]] = []

    def listen(self, listener: Callable[[str, Mapping[str, Any]], None]) -> None:
        """Call `listener(topic, data)` on every publish, in the publisher's thread (it
        must not block: the notifier only queues)."""
        self._listeners.append(listener)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach the event loop the sockets run on (at app start-up)."""
        self._loop = loop

    @property
    def clients(self) -> int:
        """How many clients are connected."""
        return len(self._clients)

    def connect(self, topics: frozenset[str]) -> Client:
        """Register a client (on the loop's thread); the caller sends what its queue gets."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        client = Client(topics, self._capacity)
        self._clients.add(client)
        return client

    def disconnect(self, client: Client) -> None:
        """Forget a client."""
        self._clients.discard(client)

    def publish(self, topic: str, data: Mapping[str, Any]) -> None:
        """Send `data` to every client subscribed to `topic`; never blocks, from any thread.

        Raises ValueError for a topic that is not one of `TOPICS`.
        """
        if topic not in TOPICS:
            raise ValueError(f"unknown topic {topic!r}; expected one of {sorted(TOPICS)}")
        for listener in self._listeners:
            listener(topic, data)
        loop = self._loop
        if loop is None or loop.is_closed() or not self._clients:
            return
        with self._lock:
            text = message(topic, data, next(self._seq))
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(topic, text)
        else:
            loop.call_soon_threadsafe(self._deliver, topic, text)

    def _deliver(self, topic: str, text: str) -> None:
        for client in list(self._clients):
            if topic not in client.topics or client.dropped.is_set():
                continue
            try:
                client.queue.put_nowait(text)
            except asyncio.QueueFull:
                log.warning("dropping a WebSocket client %d messages behind", self._capacity)
                self._clients.discard(client)
                client.dropped.set()
