"""A real Mosquitto broker and a recording subscriber, for tests and benchmarks.

The broker is Debian's ``mosquitto`` (installed by ``scripts/system-packages.sh``)
on a loopback port, with persistence on, so a stopped and restarted broker
keeps the persistent sessions of its subscribers and the QoS 1 messages queued
for them, as a production broker does.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def mosquitto_binary() -> str | None:
    """The broker's executable, or None when it is not installed."""
    found = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
    return found


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class Mosquitto:
    """One broker process on ``host``; :meth:`stop` and :meth:`start` keep its port and data."""

    def __init__(self, workdir: Path, host: str = "127.0.0.1", port: int | None = None) -> None:
        binary = mosquitto_binary()
        if binary is None:
            raise FileNotFoundError("mosquitto is not installed (scripts/system-packages.sh)")
        self.binary = binary
        self.host = host
        self.port = port or _free_port(host)
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.config = workdir / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} {host}\nallow_anonymous true\n"
            f"persistence true\npersistence_location {workdir}/\n"
            f"user {getpass.getuser()}\nlog_dest file {workdir}/mosquitto.log\n"
            "max_queued_messages 100000\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    log = (self.workdir / "mosquitto.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"mosquitto did not start: {log}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the broker cleanly (it saves its persistent sessions)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool
    at: float

    def json(self) -> Any:
        return json.loads(self.payload)


class Recorder:
    """A subscriber with a persistent session that keeps every message it gets, in order."""

    def __init__(self, broker: Mosquitto, topic: str, client_id: str | None = None) -> None:
        client_id = client_id or f"recorder-{uuid.uuid4().hex[:8]}"
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.topic = topic
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *_args: self._subscribed.set()
        client.on_message = self._on_message
        client.reconnect_delay_set(1, 1)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 3600
        client.connect(broker.host, broker.port, clean_start=False, properties=properties)
        client.loop_start()
        self.client = client
        if not self._subscribed.wait(10):
            raise AssertionError("the recorder did not subscribe")

    def _on_connect(self, client: mqtt.Client, *_args: Any) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(
                Received(
                    message.topic, bytes(message.payload), bool(message.retain), time.monotonic()
                )
            )

    def on(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def wait_for(
        self, predicate: Callable[[Received], bool], timeout: float, what: str
    ) -> Received:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = next((m for m in self.messages if predicate(m)), None)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.05)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


__all__ = ["Mosquitto", "Received", "Recorder", "mosquitto_binary"]
