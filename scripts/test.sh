#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine (as root): install what is missing
# (Slurm included), build with warnings as errors, unpack CIFAR-10, run every ctest test
# (labels fast, slow, mpi, slurm), then the fast tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh [ctest arguments, e.g. -L fast]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/install-deps.sh --test
bash scripts/setup-data.sh
. scripts/mpi-env.sh
export FC_SLURM_REQUIRE=1   # CI must really run the Slurm test, not skip it

FC_BUILD_DIR=build bash scripts/build.sh -DFC_WERROR=ON
(cd build && ctest --output-on-failure --timeout 900 "$@")

if [ $# -eq 0 ]; then
    FC_BUILD_DIR=build-asan bash scripts/build.sh -DFC_WERROR=ON -DFC_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -L fast)
fi
