#!/usr/bin/env bash
# Installs the Debian 12 packages fcsweep needs to build and run (and, with --test, to run
# its whole test suite, Slurm included). Installs only what is missing; needs root for that.
# Usage: scripts/install-deps.sh [--test]
set -euo pipefail

pkgs=(build-essential cmake pkg-config xz-utils
      libopenblas-dev libopenmpi-dev openmpi-bin libhdf5-dev hdf5-tools libyaml-dev
      gnuplot-nox zip)
# libxsmm (x86-64 only): JIT kernels for batch-sized GEMMs; the build uses it when present
[ "$(dpkg --print-architecture)" = amd64 ] && pkgs+=(libxsmm-dev)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcmocka-dev python3 python3-numpy python3-h5py slurmctld slurmd slurm-client)
fi
# build-time only tools are optional in a plain run but cheap; cmocka is needed to configure
# the tests, which the default build does
pkgs+=(libcmocka-dev)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#pkgs[@]} packages present"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
