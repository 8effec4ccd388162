#!/usr/bin/env bash
# Side by side, config by config: fcsweep's training epoch (bench_epoch: sgemm peak, s/epoch,
# img/s, GFLOP/s, fraction of peak) and, when Debian's python3-torch is installed, the
# PyTorch anchor (../shared/anchors/anchor_torch.py) on the same config right after it, one
# thread each, with the same OpenBLAS kernel fcsweep selected. Both train 2 epochs; the
# ratio is fcsweep's mean epoch over the anchor's mean epoch. Running the two back to back
# per config keeps them in the same state of a shared, noisy host.
# REPS=N (default 1) repeats the whole round N times, configs interleaved, and reports each
# config's ratios with their median and maximum, so one noisy pair cannot decide the result.
# Usage: [REPS=N] bench/compare.sh [BUILD_DIR] [DATA_DIR] [CONFIG ...]   (default: all four)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build}
data=${2:-${CIFAR10_DIR:-$repo/data/cifar-10-batches-bin}}
shift $(( $# > 2 ? 2 : $# ))
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(two five100 seedbest bn)
reps=${REPS:-1}
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "REPS must be a positive integer, got '$reps'" >&2; exit 2; }
anchor=$repo/../shared/anchors/anchor_torch.py
EPOCHS=2 # bench_epoch's EPOCHS

torch=1
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null || [ ! -f "$anchor" ]; then
    echo "PyTorch anchor skipped (needs python3-torch and $anchor)"
    torch=0
fi
out=$(mktemp)
rows=$(mktemp)
trap 'rm -f "$out" "$rows"' EXIT
for ((r = 1; r <= reps; r++)); do
    [ "$reps" = 1 ] || echo "== round $r of $reps"
    for c in "${configs[@]}"; do
        "$build/bench/bench_epoch" "$data" "$c" | tee "$out"
        [ "$torch" = 1 ] || continue
        core=$(sed -n 's/^OpenBLAS core \([A-Za-z0-9]*\).*/\1/p' "$out")
        ours=$(sed -n "s/^$c .*| mean \([0-9.]*\) s.*/\1/p" "$out")
        theirs=$(OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \
                 /usr/bin/python3 "$anchor" "$data" "$c" "$EPOCHS" 1 | sed -n 's/.*sec_per_epoch=\([0-9.]*\).*/\1/p')
        echo "PyTorch anchor ($c, $EPOCHS epochs, OPENBLAS_CORETYPE=$core, 1 thread): $theirs s/epoch"
        echo "$c $ours $theirs" >>"$rows"
    done
done
[ "$torch" = 1 ] || exit 0
echo
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), mean of $EPOCHS epochs each, $reps round(s):"
printf '%-9s %-8s %12s %12s %8s\n' config round fcsweep_s torch_s ratio
for c in "${configs[@]}"; do
    awk -v c="$c" '$1 == c {
        n++; a[n] = $2; b[n] = $3; q[n] = $2 / $3
        printf "%-9s %-8d %12.3f %12.3f %8.3f\n", c, n, $2, $3, q[n]
    } END {
        if (n < 2) exit
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
        med = (n % 2) ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
        printf "%-9s %-8s %12s %12s %8.3f  (max %.3f)\n", c, "median", "", "", med, q[n]
    }' "$rows"
done
