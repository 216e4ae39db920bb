"""The topic tree, ``<prefix>/<site>/...`` (docs/mqtt.md). One place builds every topic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topics:
    prefix: str
    site: str

    @property
    def root(self) -> str:
        return f"{self.prefix}/{self.site}"

    def status(self, process: str) -> str:
        """Retained 'online' / 'offline' (the last will) of one process."""
        return f"{self.root}/status/{process}"

    def point(self, point: str) -> str:
        """Retained last value of a point; the canonical reference's '/' make its levels."""
        return f"{self.root}/points/{point}"

    def event(self, kind: str) -> str:
        """QoS 1 events: 'alarm', 'override', 'audit'."""
        return f"{self.root}/events/{kind}"

    def engine(self, what: str) -> str:
        """'status' (retained), 'events', 'deployments'."""
        return f"{self.root}/engine/{what}"

    def command(self, point: str) -> str:
        return f"{self.root}/commands/{point}"

    @property
    def commands(self) -> str:
        return f"{self.root}/commands/#"

    def command_point(self, topic: str) -> str | None:
        """The point a command topic names, or None when it is not one."""
        head = f"{self.root}/commands/"
        return topic[len(head) :] if topic.startswith(head) else None


__all__ = ["Topics"]
