#!/bin/sh
# SIGUSR1 to mpiexec (which forwards it to the ranks) stops a 2-rank sweep cleanly: exit 0,
# a line saying how to resume, sweep.h5 readable and consistent; SIGTERM sent to the ranks
# themselves (as scancel does) likewise; the rerun then completes the sweep.
. "$(dirname "$0")/common.sh"
make_spec stop 1
out="$WORK/out"
for sig in USR1 TERM; do
    $MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/stop.yaml" --out "$out" >"$WORK/log_$sig" 2>&1 &
    pid=$!
    i=0
    while ! grep -q "^\[" "$WORK/log_$sig" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
        [ $i -lt 1200 ] || { kill -9 $pid; fail "no trial finished within 120 s"; }
    done
    if [ $sig = USR1 ]; then
        kill -USR1 $pid
    else
        kill -TERM $(pgrep -P $pid)
    fi
    rc=0
    wait $pid || rc=$?
    cat "$WORK/log_$sig"
    [ $rc = 0 ] || fail "SIG$sig: exit status $rc, expected 0"
    grep -q "resume with" "$WORK/log_$sig" || fail "SIG$sig: no resume line"
    h5dump -H "$out/sweep.h5" >/dev/null || fail "SIG$sig: sweep.h5 does not open"
    ls "$out" | grep -q tmp && fail "SIG$sig: temporary files left"
    grep -q "8 of 8 done" "$WORK/log_$sig" && break
done
$MPIEXEC -n 2 "$FCSWEEP" sweep "$WORK/stop.yaml" --out "$out" >"$WORK/log_end" 2>&1 || { cat "$WORK/log_end"; fail "rerun failed"; }
grep -q "8 of 8 done" "$WORK/log_end" || fail "rerun did not complete the sweep"
echo PASS
