"""``GET /metrics``: the engine's figures in the Prometheus text format."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from headless_engine.runtime import EngineRuntime


class RuntimeCollector(Collector):
    """Reads the runtime's figures at scrape time (nothing is counted twice)."""

    def __init__(self, runtime: EngineRuntime) -> None:
        self.runtime = runtime

    def collect(self):  # type: ignore[no-untyped-def]
        status = self.runtime.status()
        info = InfoMetricFamily("bms_engine_bundle", "The active bundle.")
        info.add_metric(
            [],
            {
                "version": status.version or "",
                "hash": status.hash or "",
                "state": status.state.value,
            },
        )
        yield info
        per_flow = {
            "ticks": CounterMetricFamily("bms_engine_ticks", "Periodic runs.", labels=["flow"]),
            "overruns": CounterMetricFamily("bms_engine_overruns", "Late runs.", labels=["flow"]),
            "missed": CounterMetricFamily(
                "bms_engine_missed_ticks", "Skipped slots.", labels=["flow"]
            ),
            "triggered_runs": CounterMetricFamily(
                "bms_engine_triggered_runs", "On-change runs.", labels=["flow"]
            ),
            "errors": CounterMetricFamily(
                "bms_engine_tick_errors", "Runs that raised.", labels=["flow"]
            ),
        }
        duration = GaugeMetricFamily(
            "bms_engine_last_tick_seconds", "Duration of the last run.", labels=["flow"]
        )
        lateness = GaugeMetricFamily(
            "bms_engine_max_lateness_seconds", "Latest start so far.", labels=["flow"]
        )
        for flow in status.flows:
            for name, family in per_flow.items():
                family.add_metric([flow.id], getattr(flow, name))
            duration.add_metric([flow.id], flow.last_duration_ms / 1000)
            lateness.add_metric([flow.id], flow.max_lateness_ms / 1000)
        yield from per_flow.values()
        yield duration
        yield lateness
        yield GaugeMetricFamily(
            "bms_engine_faulted_nodes", "Nodes faulted now.", value=len(status.faults)
        )
        iot = status.iot
        yield GaugeMetricFamily(
            "bms_engine_iot_connected", "1 when the IoT service answers.", value=int(iot.connected)
        )
        yield GaugeMetricFamily(
            "bms_engine_pending_writes", "Commands waiting.", value=iot.pending_writes
        )
        yield CounterMetricFamily(
            "bms_engine_writes_sent", "Commands delivered.", value=iot.writes_sent
        )
        yield CounterMetricFamily(
            "bms_engine_writes_refused", "Commands refused.", value=iot.writes_refused
        )
        active, unacked = self.runtime.alarms.counts
        yield GaugeMetricFamily("bms_engine_alarms_active", "Open alarm records.", value=active)
        yield GaugeMetricFamily(
            "bms_engine_alarms_unacked", "Alarms waiting for acknowledgement.", value=unacked
        )
        yield CounterMetricFamily(
            "bms_engine_iot_reconnects", "Stream reconnects.", value=iot.reconnects
        )


def metrics_registry(runtime: EngineRuntime) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RuntimeCollector(runtime))
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
