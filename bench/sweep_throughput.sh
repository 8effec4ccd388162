#!/bin/sh
# Sweep throughput: trials per minute on a fixed grid (8 equal-cost trials) with 1 rank and
# with 2 ranks, their ratio, and each rank's peak RSS (as the sweep reports it, getrusage).
#
#   bench/sweep_throughput.sh [FCSWEEP] [DATA_DIR] [RANKS...]
#     FCSWEEP   default build/src/fcsweep;  DATA_DIR default $CIFAR10_DIR or data/cifar-10-batches-bin
#     RANKS     default "1 2"
#
# The time per run is the training phase the sweep reports ("N trials this run in X s":
# from the first hand-out to the last result, after every rank loaded the data), and the
# wall time of the whole mpiexec. Run it on an otherwise idle machine: with P ranks on P
# cores every core trains, so any other load shows up directly in the ratio.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FCSWEEP=${1:-$ROOT/build/src/fcsweep}
DATA=${2:-${CIFAR10_DIR:-$ROOT/data/cifar-10-batches-bin}}
shift 2 2>/dev/null || shift $#
RANKS=${*:-1 2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
WORK=$(mktemp -d /tmp/fcsweep_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/bench.yaml" <<EOS
name: bench
method: grid
seed: 1
data: {num_train: 10000, num_val: 1000, num_test: 100}
parameters:
  hidden_dims:   {value: [300, 200, 150, 80, 50]}
  update_rule:   {value: adam}
  learning_rate: {values: [1.0e-4, 2.0e-4, 3.0e-4, 5.0e-4, 7.0e-4, 1.0e-3, 2.0e-3, 3.0e-3]}
  weight_scale:  {value: 0.02}
  num_epochs:    {value: 3}
  batch_size:    {value: 100}
EOS
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(basename "$FCSWEEP") on $DATA"
echo "grid: 8 trials of [300,200,150,80,50] adam, 10000 images, 3 epochs"
printf '%6s %7s %10s %10s %12s  %s\n' ranks trials train_s wall_s trials/min "peak RSS per rank"
base=
for p in $RANKS; do
    t0=$(date +%s.%N)
    mpiexec --oversubscribe --allow-run-as-root -n "$p" "$FCSWEEP" sweep "$WORK/bench.yaml" \
        --out "$WORK/out$p" --data "$DATA" >"$WORK/log$p" 2>&1 || { cat "$WORK/log$p"; exit 1; }
    t1=$(date +%s.%N)
    line=$(grep "^sweep: " "$WORK/log$p")
    n=$(echo "$line" | sed 's/^sweep: \([0-9]*\) trials this run in \([0-9.]*\) s.*/\1/')
    secs=$(echo "$line" | sed 's/^sweep: \([0-9]*\) trials this run in \([0-9.]*\) s.*/\2/')
    rss=$(sed -n 's/^peak RSS per rank: //p' "$WORK/log$p")
    tpm=$(echo "$n $secs" | awk '{ printf "%.2f", 60 * $1 / $2 }')
    wall=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
    printf '%6s %7s %10s %10s %12s  %s\n' "$p" "$n" "$secs" "$wall" "$tpm" "$rss"
    [ -n "$base" ] || base=$tpm
    last=$tpm
done
echo "$base $last" | awk '{ printf "throughput ratio (last / first): %.2fx\n", $2 / $1 }'
