"""Notifications: the events a desk must hear about, sent through apprise, deduplicated and
rate-limited, off the publisher's thread.

The notifier listens to the hub (`Hub.listen`): a failed job, a risk state change, an
alert (liquidation distance, the kill switch) and a rejected order become one message to
every URL of `BASIS_NOTIFY_URLS` (apprise syntax: `json://`, `slack://`, `tgram://`, …).
The URLs carry webhook secrets: they come from the settings only and are never logged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Notice", "Notifier", "NotifyConfig", "notice_of"]

log = logging.getLogger("basis.api.notify")
_STOP: Final = object()


class NotifyConfig(BaseModel):
    """How often the same event may repeat, and how many messages a minute may leave."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repeat_seconds: float = Field(300.0, ge=0, description="same event key: once per window")
    per_minute: int = Field(20, ge=1, description="messages per minute, all events together")


@dataclass(frozen=True, slots=True)
class Notice:
    """One message: `key` identifies the event for deduplication."""

    key: str
    title: str
    body: str
    severity: str = "warning"  # info | warning | failure


def notice_of(topic: str, data: Mapping[str, Any]) -> Notice | None:
    """The notice a hub message deserves, or None (most messages are not news)."""
    if topic == "job" and data.get("state") == "failed":
        error = data.get("error") or {}
        return Notice(
            f"job:{data.get('job_id')}",
            f"basis: {data.get('kind', 'job')} failed",
            f"{data.get('description', '')} (by {data.get('owner', '?')}): "
            f"[{error.get('code', '?')}] {error.get('message', '')}",
            "failure",
        )
    if topic == "risk" and data.get("changed"):
        return Notice(
            f"risk:{data.get('account')}:{data.get('state')}",
            f"basis: risk state {data.get('state')}",
            f"account {data.get('account')}: {data.get('detail', '')}",
        )
    if topic == "alert":
        return Notice(
            f"alert:{data.get('kind', '')}:{data.get('subject', '')}",
            f"basis: {data.get('kind', 'alert')}",
            str(data.get("message", "")),
            str(data.get("severity", "warning")),
        )
    if topic == "order" and data.get("state") == "rejected":
        return Notice(
            f"order:{data.get('client_order_id')}",
            "basis: order rejected",
            f"{data.get('venue')} {data.get('symbol')}: {data.get('reason', '')}",
        )
    return None


Send = Callable[[Notice], bool]


class Notifier:
    """Deduplicate, rate-limit and deliver notices on a worker thread.

    `send` delivers one notice and says whether it went; by default it is apprise over
    `urls`. `clock` is monotonic seconds.
    """

    def __init__(
        self,
        urls: list[str],
        config: NotifyConfig | None = None,
        *,
        send: Send | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config if config is not None else NotifyConfig()
        self._send = send if send is not None else _apprise(urls)
        self._clock = clock
        self._last: dict[str, float] = {}
        self._sent: list[float] = []
        self._lock = threading.Lock()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=1000)
        self._thread = threading.Thread(target=self._deliver, name="basis-notify", daemon=True)
        self._thread.start()
        self.suppressed = 0  # duplicates and over-rate notices, for the logs and tests

    def on_event(self, topic: str, data: Mapping[str, Any]) -> None:
        """A hub listener: notify when the message deserves it; never blocks."""
        notice = notice_of(topic, data)
        if notice is not None:
            self.notify(notice)

    def notify(self, notice: Notice) -> bool:
        """Queue `notice` unless it repeats within the window or the minute is full."""
        now = self._clock()
        with self._lock:
            last = self._last.get(notice.key)
            self._sent = [at for at in self._sent if now - at < 60.0]
            if (last is not None and now - last < self._config.repeat_seconds) or len(
                self._sent
            ) >= self._config.per_minute:
                self.suppressed += 1
                return False
            self._last[notice.key] = now
            self._sent.append(now)
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            self.suppressed += 1
            return False
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued (within `timeout`), then stop the worker."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _deliver(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            if not isinstance(item, Notice):
                continue
            # apprise reports a failed channel by returning False, never with the URL.
            if not self._send(item):
                log.warning("notification %s was not delivered by every channel", item.key)


def _apprise(urls: list[str]) -> Send:
    import apprise

    logging.getLogger("apprise").setLevel(logging.WARNING)  # it may echo URLs at debug
    channels = apprise.Apprise()
    for url in urls:
        if not channels.add(url):
            log.warning("a notification URL was not understood by apprise and is skipped")

    def send(notice: Notice) -> bool:
        kind = {"info": apprise.NotifyType.INFO, "failure": apprise.NotifyType.FAILURE}.get(
            notice.severity, apprise.NotifyType.WARNING
        )
        return bool(channels.notify(body=notice.body, title=notice.title, notify_type=kind))

    return send
