"""Modbus TCP: a protocol plugin of the IoT service (entry point ``bms.iot_protocols: modbus``).

``registers`` reads register maps and converts values, ``batching`` plans reads,
``client`` is the protocol, ``simulator`` serves simulated devices with pymodbus.
"""
