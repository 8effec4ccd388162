#!/bin/bash
# Installs what the Slurm test needs (Debian 12): slurmctld, slurmd, the Slurm clients,
# OpenMPI and h5py (for the checks). Does nothing when they are already there; needs root and
# apt only otherwise.
# Nothing is configured or started here; tests/slurm/test_sweep.sh does that in a temp folder.
set -euo pipefail

pkgs=(slurmctld slurmd slurm-client openmpi-bin python3-h5py)
missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all present (${pkgs[*]})"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine: update once and retry.
if ! apt-get install -y "${missing[@]}"; then
    apt-get update
    apt-get install -y "${missing[@]}"
fi
