#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (as root): install what is missing, build,
# unpack CIFAR-10, and run the default hyperparameter sweep on all cores. Ends with the
# best trial and its model file.
# Usage: scripts/run.sh [SPEC.yaml]     (default sweeps/default.yaml)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh
bash scripts/build.sh
bash scripts/setup-data.sh
. scripts/mpi-env.sh
spec=${1:-sweeps/default.yaml}
exec mpirun -np "$(nproc)" build/src/fcsweep sweep "$spec"
