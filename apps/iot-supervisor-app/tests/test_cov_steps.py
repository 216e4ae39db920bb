"""A subscription to more points than ``cov_steps_at_once`` still watches every one of them:
the steps beyond the limit wait their turn, in order, and none is lost."""

from __future__ import annotations

from collections.abc import Callable

from iot_supervisor.testing import ServiceHandle, SimHandle, SseReader


def test_points_beyond_the_steps_at_once_wait_their_turn_and_all_arrive(
    simulator: SimHandle, service_factory: Callable[..., ServiceHandle]
) -> None:
    service = service_factory(cov_steps_at_once=3)
    assert service.http.post("/discover", json={}).status_code == 200
    points = [
        f"{device.instance}/{obj.type},{obj.instance}/present-value"
        for device in simulator.config.devices
        for obj in device.objects
    ]
    assert len(points) == 102  # 34 times the limit
    sub = service.http.post("/subscriptions", json={"points": points})
    assert sub.status_code == 201, sub.text
    reader = SseReader(service, sub.json()["id"])
    try:
        seen: set[str] = set()

        def every_point_has_a_value(event: dict[str, object]) -> bool:
            seen.add(str(event["point"]))
            return seen >= set(points)

        reader.wait_for(every_point_has_a_value, 60, "a value of each of the 102 points")
        # and the watches go on: a change after the queue drained still comes by COV
        simulator.set_value(1003, "analog-input,1", 31.25)
        event = reader.wait_for(
            lambda e: (
                e["point"] == "1003/analog-input,1/present-value" and e["value"]["value"] == 31.25
            ),  # type: ignore[index]
            10,
            "the change by COV",
        )
        assert event["source"] == "cov"
    finally:
        reader.close()


def test_the_limit_is_a_setting_with_bounds() -> None:
    import pytest
    from pydantic import ValidationError

    from iot_supervisor.settings import Settings

    assert Settings().cov_steps_at_once == 1024
    with pytest.raises(ValidationError, match="cov_steps_at_once"):
        Settings(cov_steps_at_once=0)
