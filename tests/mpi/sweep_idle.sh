#!/bin/sh
# A rank that runs out of trials sleeps until the others finish instead of spinning in an
# MPI call: two trials, 1 and 15 epochs, on 2 ranks; the rank with the short trial must
# have used well under half the CPU time of the one with the long trial (a spinning rank
# uses as much as the busy one). Reads the sweep's "CPU seconds per rank" line.
. "$(dirname "$0")/common.sh"
cat >"$WORK/idle.yaml" <<EOS
name: idle
method: grid
seed: 3
data: {num_train: 3000, num_val: 200, num_test: 100}
parameters:
  hidden_dims:   {value: [300]}
  update_rule:   {value: adam}
  learning_rate: {value: 1.0e-3}
  num_epochs:    {values: [1, 15]}
  batch_size:    {value: 50}
EOS
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/idle.yaml" --out "$WORK/out" >"$WORK/log" 2>&1 || { cat "$WORK/log"; fail "sweep failed"; }
cat "$WORK/log"
grep -q "2 of 2 done" "$WORK/log" || fail "not both trials done"
line=$(sed -n 's/^CPU seconds per rank: //p' "$WORK/log")
[ -n "$line" ] || fail "no 'CPU seconds per rank' line"
echo "$line" | awk -F', ' '{
    for (i = 1; i <= NF; i++) { split($i, kv, ": "); v[i] = kv[2] + 0 }
    lo = v[1] < v[2] ? v[1] : v[2]; hi = v[1] < v[2] ? v[2] : v[1]
    printf "CPU seconds: idle-at-the-end rank %.1f, busy rank %.1f (ratio %.2f)\n", lo, hi, lo / hi
    exit !(hi > 0 && lo < 0.5 * hi)
}' || fail "the rank with the short trial used about as much CPU as the busy one: it spins while waiting"
