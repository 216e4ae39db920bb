"""The simulated building's controls, served only while the simulator runs in this process.

``PUT /simulator/holds`` holds (or releases) a simulated object's present value over the plant
model; ``GET /simulator/holds`` lists the holds. A service without ``--simulate`` answers 404:
these routes never touch a real device. The same bearer token as every other route.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Request

from bms_schemas import PointRef
from bms_schemas.points import BACNET
from bms_schemas.simulator import SimulatorHold, SimulatorHolds
from iot_supervisor.api import _ERRORS, caller, require_token
from iot_supervisor.errors import InvalidValueError, NotFoundError, UnknownPointError

if TYPE_CHECKING:  # the simulator's modules load only in a service started with --simulate
    from iot_supervisor.simulator import Simulator

log = logging.getLogger(__name__)

simulator_router = APIRouter(
    prefix="/simulator",
    tags=["simulator"],
    dependencies=[Depends(require_token)],
    responses=_ERRORS,
)


class NoSimulatorError(NotFoundError):
    code = "no_simulator"


def _simulator(request: Request) -> Simulator:
    simulator: Simulator | None = getattr(request.app.state, "simulator", None)
    if simulator is None:
        raise NoSimulatorError("this service runs no simulator (start it with --simulate)")
    return simulator


def _holds(simulator: Simulator) -> SimulatorHolds:
    return SimulatorHolds(
        holds=tuple(
            SimulatorHold(point=PointRef.parse(f"{device}/{obj}"), value=value)
            for (device, obj), value in sorted(simulator.holds.items())
        )
    )


@simulator_router.get("/holds", response_model=SimulatorHolds)
async def holds(request: Request) -> SimulatorHolds:
    """The simulated objects' values held by hand now."""
    return _holds(_simulator(request))


@simulator_router.put("/holds", response_model=SimulatorHolds)
async def hold(request: Request, body: SimulatorHold) -> SimulatorHolds:
    """Hold a simulated object's present value over the plant model (null releases it)."""
    simulator = _simulator(request)
    point = body.point
    if point.protocol != BACNET or point.property != "present-value" or point.index is not None:
        raise InvalidValueError(
            f"{point}: only a simulated BACnet object's present-value can be held",
            details={"field": "point"},
        )
    try:
        simulator.hold(point.device, f"{point.object_type},{point.instance}", body.value)
    except KeyError as err:
        raise UnknownPointError(
            f"{point}: the simulator has no such device or object", details={"field": "point"}
        ) from err
    except (ValueError, TypeError) as err:
        raise InvalidValueError(f"{point}: {err}", details={"field": "value"}) from err
    log.info("simulator hold by %s: %s = %r", caller(request), point, body.value)
    return _holds(simulator)
