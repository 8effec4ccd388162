#!/bin/sh
# Kill a 2-rank sweep with SIGKILL part way (mpiexec and its ranks, as a node failure or
# scancel --signal=KILL would), rerun the same command: trials finished before the kill are
# not run again (their files keep their inode), the others run, every file opens.
. "$(dirname "$0")/common.sh"
make_spec resume 1
out="$WORK/out"
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/resume.yaml" --out "$out" >"$WORK/log1" 2>&1 &
pid=$!
i=0
while [ "$(ls "$out"/trial_*.h5 2>/dev/null | wc -l)" -lt 2 ]; do
    sleep 0.2
    i=$((i + 1))
    [ $i -lt 600 ] || { kill -9 $pid; fail "no trial finished within 120 s"; }
done
ranks=$(pgrep -P $pid || true)
kill -9 $pid $ranks 2>/dev/null || true
wait $pid 2>/dev/null || true
sleep 0.5
before=$(ls "$out"/trial_*.h5 | wc -l)
[ "$before" -lt 8 ] || fail "the sweep finished before it was killed; make the trials longer"
for f in "$out"/trial_*.h5; do
    echo "$(basename "$f") $(stat -c %i "$f")"
done | sort >"$WORK/inodes_before"
echo "killed with $before of 8 trials done"
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/resume.yaml" --out "$out" >"$WORK/log2" 2>&1 || { cat "$WORK/log2"; fail "rerun failed"; }
cat "$WORK/log2"
grep -q "resuming .*: $before of 8 trials already done" "$WORK/log2" || fail "rerun did not resume $before trials"
grep -q "8 of 8 done" "$WORK/log2" || fail "not all trials done after the rerun"
ran=$(grep -c "^\[" "$WORK/log2")
[ "$ran" = $((8 - before)) ] || fail "rerun ran $ran trials, expected $((8 - before))"
while read -r name inode; do
    [ "$(stat -c %i "$out/$name")" = "$inode" ] || fail "$name was written again"
    grep -q "trial $(echo "$name" | sed 's/trial_0*\([0-9]\)/\1/; s/\.h5//') " "$WORK/log2" && fail "$name ran twice"
done <"$WORK/inodes_before"
for f in "$out"/trial_*.h5 "$out/sweep.h5"; do
    h5dump -H "$f" >/dev/null || fail "$f does not open"
done
ls "$out" | grep -q tmp && fail "temporary files left in $out"
echo PASS
