"""MQTT telemetry: one publisher per process with an on-disk queue (see docs/mqtt.md).

Each process publishes what it owns (the IoT service point values, writes and
overrides; the engine alarms, status and deployments) under one topic tree,
``<prefix>/<site>/...``; no process forwards another's events.
"""

from bms_telemetry.publisher import MqttPublisher
from bms_telemetry.queue import DiskQueue, Message
from bms_telemetry.settings import MqttSettings
from bms_telemetry.topics import Topics

__all__ = ["DiskQueue", "Message", "MqttPublisher", "MqttSettings", "Topics"]
