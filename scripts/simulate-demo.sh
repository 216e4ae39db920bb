#!/usr/bin/env bash
# The engine library alone: runs the zone demo on the
# virtual clock (2 simulated hours in well under a second) after building,
# signing, verifying and validating its bundle, exactly as a deploy would.
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

DATA="${BMS_DATA_DIR:-$ROOT/var/demo}"
mkdir -p "$DATA"
SE=(uv run --frozen supervisor-engine)
DEMO="$ROOT/examples/zone-demo"

if [ ! -f "$DATA/signing.key" ]; then
  "${SE[@]}" keygen --private "$DATA/signing.key" --public "$DATA/signing.pub"
fi
"${SE[@]}" bundle "$DEMO/graph.json" --version 1.0.0 --created-by demo -o "$DATA/bundle.json"
"${SE[@]}" sign "$DATA/bundle.json" --key "$DATA/signing.key" -o "$DATA/bundle.signed.json"
"${SE[@]}" verify "$DATA/bundle.signed.json" --public-key "$DATA/signing.pub"
"${SE[@]}" validate "$DATA/bundle.signed.json"
"${SE[@]}" simulate "$DATA/bundle.signed.json" --inputs "$DEMO/trace.csv" --duration 2h \
  --watch error.out -o "$DATA/trace.out.csv"
uv run --frozen python - "$DATA/trace.out.csv" <<'PY'
import csv, sys
from rich.console import Console
from rich.table import Table
rows = list(csv.reader(open(sys.argv[1])))
table = Table(title="Zone demo: every 10 simulated minutes")
for name in ("minute", "cooling valve % (1001/analog-output,1)", "error K"):
    table.add_column(name, justify="right")
for row in rows[1::10]:
    table.add_row(f"{float(row[0]) / 60:.0f}", f"{float(row[1]):.1f}", f"{float(row[2]):+.1f}")
Console().print(table)
print(f"full trace: {sys.argv[1]}")
PY
