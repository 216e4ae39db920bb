"""Prometheus metrics of one service instance, in a registry of its own (no module globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.points_read = Counter("iot_points_read", "Points read through the API.", registry=r)
        self.writes = Counter("iot_writes", "Write attempts by outcome.", ["outcome"], registry=r)
        self.value_changes = Counter(
            "iot_value_changes", "Value changes observed, by source.", ["source"], registry=r
        )
        self.read_seconds = Histogram(
            "iot_read_batch_seconds", "Duration of a batch read.", registry=r
        )
        self.devices = Gauge("iot_devices", "Known devices by status.", ["status"], registry=r)
        self.stream_clients = Gauge("iot_stream_clients", "Connected stream clients.", registry=r)
        self.subscriptions = Gauge("iot_subscriptions", "Live subscriptions.", registry=r)
        self.bacnet_requests = Gauge(
            "iot_bacnet_requests",
            "Confirmed BACnet requests sent, by outcome.",
            ["outcome"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
