"""``python -m iot_supervisor``, the same as the ``iot-supervisor`` command."""

from iot_supervisor.cli import main

main()
