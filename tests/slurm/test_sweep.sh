#!/bin/bash
# Runs slurm/sweep.sbatch on a throw-away single-node Slurm cluster (127.0.0.1, everything under
# a temp folder) and checks the three things issue 4 asks for:
#   1. a submitted smoke sweep completes and sweep.h5 lists every trial, all finished;
#   2. scancel part way, submit again: the sweep completes, no finished trial re-run or lost;
#   3. a job with a short --time gets the warning signal, saves, ends COMPLETED (not TIMEOUT),
#      and a resubmission finishes the sweep, again without re-running finished trials.
# "Not re-run" is checked on the trial files: each is written once, atomically (temp + rename),
# so a re-run would give it a new inode and mtime; every file present after the interruption
# must be byte-identical, same inode, same mtime at the end (tests/slurm/check_sweep.py).
#
#   test_sweep.sh FCSWEEP DATA_DIR
#
# Exit 0: all passed; 1: a check failed; 77: skipped (not root, or Slurm not installed: run
# scripts/install-deps.sh --test), which FC_SLURM_REQUIRE=1 turns into a failure. The daemons are
# always stopped (trap on EXIT) through their PID files; FC_SLURM_KEEP=1 keeps the temp folder.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=cluster.sh
source "$here/cluster.sh"

t_start=$(date +%s)
deadline=$((t_start + ${FC_SLURM_BUDGET_S:-230}))   # under ctest's TIMEOUT, so cleanup runs

skip() {
    echo "SKIP: $*"
    if [ "${FC_SLURM_REQUIRE:-0}" = 1 ]; then
        echo "FC_SLURM_REQUIRE=1: a skip is a failure here"
        exit 1
    fi
    exit 77
}
log() { echo "[$(($(date +%s) - t_start)) s] $*"; }

if [ $# -ne 2 ]; then
    echo "usage: $0 FCSWEEP DATA_DIR" >&2
    exit 2
fi
[ "$(id -u)" -eq 0 ] || skip "needs root for the throw-away Slurm cluster (SlurmUser=root)"
for c in slurmctld slurmd sbatch srun scancel squeue sinfo scontrol; do
    command -v "$c" > /dev/null || skip "$c not installed; run: bash scripts/install-deps.sh --test"
done
[ -x "$1" ] || { echo "FAIL: fcsweep binary $1 not found or not executable" >&2; exit 1; }
[ -d "$2" ] || { echo "FAIL: data folder $2 not found (scripts/setup-data.sh)" >&2; exit 1; }
# A Python with h5py (python3-h5py): the one on PATH, else the system one (pyenv shims hide it).
py=
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import h5py' 2> /dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "FAIL: python3-h5py is needed (apt-get install python3-h5py)" >&2; exit 1; }
export FCSWEEP CIFAR10_DIR
FCSWEEP=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CIFAR10_DIR=$(cd "$2" && pwd)
check=("$py" "$here/check_sweep.py")

work=$(mktemp -d "${TMPDIR:-/tmp}/fcsweep-slurm.XXXXXX")
mkdir -p "$work/cluster" "$work/jobs"
failed=0

cleanup() {
    local rc=$?
    slurm_cluster_stop "$work/cluster" || rc=1
    if [ $failed -ne 0 ] || [ $rc -ne 0 ]; then
        for f in "$work"/jobs/*.out "$work"/cluster/log/*.log; do
            [ -f "$f" ] || continue
            echo "----- tail of $f"
            grep -v 'debug2:' "$f" | tail -n 40
        done
    fi
    if [ "${FC_SLURM_KEEP:-0}" = 1 ]; then
        echo "kept $work"
    else
        rm -rf "$work"
    fi
    log "done"
    [ $failed -ne 0 ] && rc=1
    exit $rc
}
trap cleanup EXIT
trap 'echo "interrupted"; failed=1; exit 1' INT TERM HUP

fail() { echo "FAIL: $*"; failed=1; }
pass() { echo "ok: $*"; }

# Waits until job $1 has ended; prints its final state (COMPLETED, CANCELLED, TIMEOUT, ...).
wait_job() {
    local id=$1 state
    while :; do
        state=$(scontrol show job -o "$id" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
        case $state in
            PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | "") ;;
            *) echo "$state"; return 0 ;;
        esac
        if [ "$(date +%s)" -ge $deadline ]; then
            echo "DEADLINE"
            return 1
        fi
        sleep 0.5
    done
}

# Waits until at least $2 trials of output folder $1 are finished (trial files present), or
# until job $3 ends. Fails at the deadline.
wait_trials() {
    local out=$1 k=$2 id=$3 n
    while :; do
        n=$("${check[@]}" count "$out")
        [ "$n" -ge "$k" ] && return 0
        squeue -h -j "$id" 2> /dev/null | grep -q . || return 1
        [ "$(date +%s)" -ge $deadline ] && return 1
        sleep 0.3
    done
}

# submit NAME SPEC OUT [sbatch options...]: submits slurm/sweep.sbatch from $work/jobs, log in
# $work/jobs/NAME.out; prints the job id.
submit() {
    local name=$1 spec=$2 out=$3
    shift 3
    sbatch --parsable --chdir="$work/jobs" --output="$work/jobs/$name.out" \
        --ntasks="$ntasks" --mem-per-cpu=500M --time=10 "$@" \
        "$root/slurm/sweep.sbatch" "$spec" "$out"
}

log "starting a Slurm cluster in $work/cluster"
slurm_cluster_start "$work/cluster" || { fail "cluster did not start"; exit 1; }
cpus=$(sinfo -h -N -o '%c' | head -n 1)
ntasks=$((cpus >= 2 ? 2 : 1))
log "node has $cpus CPUs; jobs use $ntasks ranks"

smoke=${FC_SLURM_SMOKE_SPEC:-$root/sweeps/smoke.yaml}   # overrides for development
cancel=${FC_SLURM_CANCEL_SPEC:-$here/cancel.yaml}
timelimit=${FC_SLURM_TIMELIMIT_SPEC:-$here/timelimit.yaml}
[ -f "$smoke" ] || fail "missing $smoke"

# ---- 1. a complete sweep ---------------------------------------------------------------------
out1=$work/out/smoke
id=$(submit smoke "$smoke" "$out1") || fail "sbatch refused the smoke job"
log "1. submitted smoke sweep as job $id"
state=$(wait_job "$id")
log "1. job $id ended: $state"
if [ "$state" = COMPLETED ] && "${check[@]}" complete "$out1" "$smoke"; then
    pass "1. smoke sweep completed and sweep.h5 lists every trial"
else
    fail "1. smoke sweep: job $state, see $work/jobs/smoke.out"
fi

# ---- 2. scancel part way, then resubmit ------------------------------------------------------
out2=$work/out/cancel
id=$(submit cancel "$cancel" "$out2") || fail "sbatch refused the cancel job"
log "2. submitted job $id; cancelling once 2 trials are done"
if wait_trials "$out2" 2 "$id"; then
    scancel "$id"
    state=$(wait_job "$id")
    log "2. job $id ended after scancel: $state"
    "${check[@]}" snapshot "$out2" "$cancel" > "$work/cancel.snap" ||
        fail "2. sweep folder unreadable after scancel"
    log "2. $("${check[@]}" describe "$work/cancel.snap")"
    id=$(submit cancel-resume "$cancel" "$out2") || fail "sbatch refused the resubmission"
    state=$(wait_job "$id")
    log "2. resubmitted job $id ended: $state"
    if [ "$state" = COMPLETED ] && "${check[@]}" complete "$out2" "$cancel" &&
        "${check[@]}" unchanged "$work/cancel.snap" "$out2"; then
        pass "2. scancel + resubmit: sweep complete, no finished trial re-run or lost"
    else
        fail "2. scancel + resubmit (job $state), see $work/jobs/cancel*.out"
    fi
else
    fail "2. job $id ended or timed out before 2 trials were done"
fi

# ---- 3. time limit: warning signal, clean save, resubmit -------------------------------------
# --time=1 with the warning 59 s before the end: Slurm sends it at its first periodic limit
# check (every 30 s) after the job's first second. Submitting 6-12 s before such a check makes
# the signal come that long into the job, whatever the machine's speed: some trials done, most
# pending.
out3=$work/out/timelimit
next=$(slurm_next_limit_check "$work/cluster")
if [ -n "$next" ]; then
    until_check=$((next - $(date +%s)))
    if [ $until_check -gt 12 ]; then
        pause=$((until_check - 8))
    elif [ $until_check -lt 6 ]; then
        pause=$((until_check + 30 - 8))
    else
        pause=0
    fi
    log "3. next time-limit check in $until_check s; submitting in $pause s"
    sleep $pause
else
    log "3. cannot tell when Slurm checks time limits; the warning may come up to 30 s late"
fi
id=$(submit timelimit "$timelimit" "$out3" --time=1 --signal=B:USR1@59) ||
    fail "sbatch refused the time-limit job"
log "3. submitted job $id with --time=1 --signal=B:USR1@59"
state=$(wait_job "$id")
log "3. job $id ended: $state"
"${check[@]}" snapshot "$out3" "$timelimit" > "$work/timelimit.snap" ||
    fail "3. sweep folder unreadable after the warning signal"
log "3. $("${check[@]}" describe "$work/timelimit.snap")"
if [ "$state" = COMPLETED ] && grep -q 'got SIGUSR1' "$work/jobs/timelimit.out" &&
    grep -q 'sweep stopped early on SIGUSR1' "$work/jobs/timelimit.out" &&
    "${check[@]}" partial "$work/timelimit.snap"; then
    pass "3. warning signal reached the sweep; it saved and the job ended COMPLETED"
else
    fail "3. time-limit job: $state, see $work/jobs/timelimit.out"
fi
id=$(submit timelimit-resume "$timelimit" "$out3") || fail "sbatch refused the resubmission"
state=$(wait_job "$id")
log "3. resubmitted job $id ended: $state"
if [ "$state" = COMPLETED ] && "${check[@]}" complete "$out3" "$timelimit" &&
    "${check[@]}" unchanged "$work/timelimit.snap" "$out3"; then
    pass "3. resubmission finished the sweep, no finished trial re-run or lost"
else
    fail "3. resubmission after the time limit (job $state), see $work/jobs/timelimit-resume.out"
fi

if [ $failed -eq 0 ]; then
    log "all Slurm checks passed"
fi
