"""MQTT telemetry: one publisher per process with an on-disk queue (see docs/mqtt.md).

Each process publishes what it owns (the IoT service point values, writes and
overrides; the engine alarms, status and deployments) under one topic tree,
``<prefix>/<site>/...``; no process forwards another's events.

The publisher is imported from ``bms_telemetry.publisher``, not from here: a
process whose settings name no broker (``MqttSettings`` lives here) never loads
aiomqtt and paho, about 5.5 MB of RSS in each service.
"""

from bms_telemetry.queue import DiskQueue, Message
from bms_telemetry.settings import MqttSettings
from bms_telemetry.topics import Topics

__all__ = ["DiskQueue", "Message", "MqttSettings", "Topics"]
