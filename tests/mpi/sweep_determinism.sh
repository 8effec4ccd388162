#!/bin/sh
# The same spec gives bit-identical per-trial histories (loss, train_acc, val_acc) and
# parameters with 1, 2 and 3 ranks: a trial's seed depends on the sweep seed and its id only.
. "$(dirname "$0")/common.sh"
for p in 1 2 3; do
    $MPIEXEC -n $p "$FCSWEEP" sweep "$ROOT/sweeps/smoke.yaml" --out "$WORK/p$p" >"$WORK/log$p" 2>&1 ||
        { cat "$WORK/log$p"; fail "sweep with $p ranks failed"; }
done
grep "^\[" "$WORK/log3"
n=0
for f in "$WORK"/p1/trial_*.h5; do
    b=$(basename "$f")
    for p in 2 3; do
        for d in /history/loss /history/train_acc /history/val_acc /params/W1; do
            h5dump -d $d "$WORK/p1/$b" | tail -n +2 >"$WORK/a"
            h5dump -d $d "$WORK/p$p/$b" | tail -n +2 >"$WORK/b"
            cmp -s "$WORK/a" "$WORK/b" || fail "$b $d differs between 1 and $p ranks"
        done
    done
    n=$((n + 1))
done
[ "$n" = 6 ] || fail "expected 6 trial files, found $n"
# the ranks really shared the work
grep -q "rank 2" "$WORK/log3" || fail "rank 2 trained nothing with 3 ranks"
echo "PASS: $n trials identical with 1, 2 and 3 ranks"
