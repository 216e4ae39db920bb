"""NetPlan: each plan's addresses and UDP ports are its own, against other plans and other sockets."""

from __future__ import annotations

import random
import socket

from supervisor_engine.testing import NetPlan


def test_a_held_block_is_not_handed_out_again() -> None:
    first = NetPlan.allocate(random.Random(1))
    try:
        # The same random sequence would pick the same block first: the lock sends it on.
        second = NetPlan.allocate(random.Random(1))
        second.release()
        assert second.device_port != first.device_port
        assert abs(second.device_port - first.device_port) >= 8  # the blocks do not overlap
    finally:
        first.release()


def test_a_block_with_a_port_someone_else_has_bound_is_skipped() -> None:
    taken = NetPlan.allocate(random.Random(2))
    taken.release()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
        other.bind(("127.0.0.1", taken.device_port + 3))  # not a plan: a process of its own
        plan = NetPlan.allocate(random.Random(2))
        plan.release()
    assert plan.device_port != taken.device_port


def test_addresses_are_on_the_plans_block() -> None:
    plan = NetPlan.allocate()
    plan.release()
    octets = plan.ip_prefix.rstrip(".").split(".")
    assert octets[0] == "127"
    assert 20 <= int(octets[1]) <= 254
    assert 1 <= int(octets[2]) <= 254
    assert plan.service_address == f"{plan.ip_prefix}1/8:{plan.device_port + 1}"
    assert plan.broadcast == f"127.255.255.255:{plan.device_port}"
    assert plan.move("127.0.217.30/8:47808") == f"{plan.ip_prefix}30/8:{plan.device_port}"
    assert plan.move("127.0.0.5:47808", port=7) == f"{plan.ip_prefix}5:7"
    assert plan.device_port >= 20000
    assert plan.device_port + 7 < 32000  # 32000-32759: the Playwright stack's
