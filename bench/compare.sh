#!/usr/bin/env bash
# One run, side by side: fcsweep's training epoch (bench_epoch: sgemm peak, s/epoch, img/s,
# GFLOP/s, fraction of peak) and, when Debian's python3-torch is installed, the PyTorch
# anchor (../shared/anchors/anchor_torch.py) on the same configs, one thread each, with the
# same OpenBLAS kernel fcsweep selected. Prints the time ratio fcsweep / PyTorch.
# Usage: bench/compare.sh [BUILD_DIR] [DATA_DIR] [CONFIG ...]   (default: all four)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
data=${2:-${CIFAR10_DIR:-$repo/data/cifar-10-batches-bin}}
shift $(( $# > 2 ? 2 : $# ))
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(two five100 seedbest bn)
anchor=$repo/../shared/anchors/anchor_torch.py

out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$build/bench/bench_epoch" "$data" "${configs[@]}" | tee "$out"
core=$(sed -n 's/^OpenBLAS core \([A-Za-z0-9]*\).*/\1/p' "$out")

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || [ ! -f "$anchor" ]; then
    echo "PyTorch anchor skipped (needs python3-torch and $anchor)"
    exit 0
fi
echo
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), OPENBLAS_CORETYPE=$core, 1 thread:"
printf '%-9s %12s %12s %8s\n' config fcsweep_s torch_s ratio
for c in "${configs[@]}"; do
    ours=$(awk -v c="$c" '$1 == c {print $2}' "$out")
    theirs=$(OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
             /usr/bin/python3 "$anchor" "$data" "$c" 1 1 | sed -n 's/.*sec_per_epoch=\([0-9.]*\).*/\1/p')
    awk -v c="$c" -v a="$ours" -v b="$theirs" 'BEGIN {printf "%-9s %12.3f %12.3f %8.2f\n", c, a, b, a / b}'
done
