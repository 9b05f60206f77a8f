#!/usr/bin/env bash
# Sets kam up in .venv and runs its main job on the bundled example:
# imports examples/customers.xlsx into a throw-away database and prints
# `kam due` (and `kam risk`) as of 2026-11-23, the day the example's dates
# are relative to.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q -e . 2>&1 | grep -v '^WARNING: Location' || true
demo=$(mktemp -d)
export KAM_DB="$demo/kam.json" KAM_CONFIG=examples/kam.yaml KAM_TODAY=2026-11-23
.venv/bin/kam import examples/customers.xlsx >/dev/null
echo
.venv/bin/kam due
echo
.venv/bin/kam risk
echo
echo "The example database is $KAM_DB; try: KAM_DB=$KAM_DB KAM_CONFIG=examples/kam.yaml .venv/bin/kam score --explain"
