"""Fuzz the three running services from their own OpenAPI documents (schemathesis).

Starts the demo stack (bench/demo_stack.py, on ports 41120-41129 and
127.11.1.x so it never meets bench/faults.py or the default stack), signs in
to each service (bearer tokens for the IoT service and the engine; session
cookie and CSRF header for the Designer), and sends generated requests to
every operation but the endless streams and the sign-out, until at least
``--requests`` have been sent in all. Prints, per service, the requests sent
and the answers by class; a 5xx is a bug.

    uv run python bench/fuzz.py                   # 10,000 requests
    uv run python bench/fuzz.py --json --requests 2000
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_stack import DemoStack

EXCLUDED = r"/stream$|/ws$|/import$|/api/auth/logout$|/discover$"
"""Streams never end; sign-out would end the session; discovery waits seconds by design."""


class Tally:
    def __init__(self) -> None:
        self.by_class: Counter[str] = Counter()
        self.server_errors: list[str] = []

    def add(self, label: str, status: int, body: str) -> None:
        self.by_class[f"{status // 100}xx"] += 1
        if status >= 500 and len(self.server_errors) < 20:
            self.server_errors.append(f"{label}: {status} {body[:200]}")

    def report(self) -> dict[str, Any]:
        return {
            "requests": sum(self.by_class.values()),
            "2xx": self.by_class["2xx"],
            "3xx": self.by_class["3xx"],
            "4xx": self.by_class["4xx"],
            "5xx": self.by_class["5xx"],
            "server_errors": self.server_errors,
        }


def fuzz_service(url: str, headers: dict[str, str], budget: int) -> dict[str, Any]:
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json").exclude(path_regex=EXCLUDED)
    operations = [r.ok() for r in schema.get_all_operations()]
    per_operation = max(1, math.ceil(budget / max(1, len(operations))))
    tally = Tally()
    # hypothesis stops early on an operation with little to vary (no parameters): go round
    # again with another seed until the budget is spent
    for round_ in range(200):
        if sum(tally.by_class.values()) >= budget:
            break
        for operation in operations:

            @seed(round_)
            @given(case=operation.as_strategy())
            @settings(
                max_examples=per_operation,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def send(case: schemathesis.Case) -> None:
                try:
                    response = case.call(headers=headers, timeout=30)
                except Exception as err:  # no answer at all counts as a server error
                    tally.add(case.operation.label, 599, f"{type(err).__name__}: {err}")
                    return
                tally.add(case.operation.label, response.status_code, response.text)

            send()
    result = tally.report()
    result["operations"] = len(operations)
    return result


def run(total: int) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="bms-fuzz-"))
    stack = DemoStack(data, offset=20)
    started = time.monotonic()
    try:
        stack.start()
        iot_token = (data / "iot" / "token").read_text().strip()
        engine_token = (data / "engine" / "token").read_text().strip()
        session = stack.designer.http.cookies.get("bms_session")
        csrf = stack.designer.http.cookies.get("bms_csrf")
        designer_headers = {
            "cookie": f"bms_session={session}; bms_csrf={csrf}",
            "x-csrf-token": str(csrf),
        }
        # shares of the budget by how many operations each service has (about 1:1:2)
        services = {
            "iot": (stack.config.iot_url, {"authorization": f"Bearer {iot_token}"}, 0.3),
            "engine": (stack.config.engine_url, {"authorization": f"Bearer {engine_token}"}, 0.25),
            "designer": (stack.config.designer_url, designer_headers, 0.45),
        }
        report: dict[str, Any] = {}
        for name, (url, headers, share) in services.items():
            report[name] = fuzz_service(url, headers, math.ceil(total * share))
        report["total"] = {
            "requests": sum(r["requests"] for r in report.values()),
            "5xx": sum(r["5xx"] for r in report.values()),
            "seconds": round(time.monotonic() - started, 1),
        }
        return report
    finally:
        stack.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--requests", type=int, default=10_000, help="requests in all (at least)")
    args = parser.parse_args()
    report = run(args.requests)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for name, r in report.items():
        if name == "total":
            continue
        print(f"{name:9s} {r['requests']:6d} requests  2xx {r['2xx']:6d}  4xx {r['4xx']:6d}  "
              f"5xx {r['5xx']:3d}  ({r['operations']} operations)")  # fmt: skip
        for line in r["server_errors"]:
            print(f"    {line}")
    t = report["total"]
    print(f"total     {t['requests']:6d} requests  5xx {t['5xx']}  in {t['seconds']} s")


if __name__ == "__main__":
    main()
