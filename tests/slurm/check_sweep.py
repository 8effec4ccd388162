"""Checks on an fcsweep output folder, for tests/slurm/test_sweep.sh.

  count OUT              number of finished trials (trial_NNNN.h5 files; they appear
                         atomically, by rename, when a trial finishes)
  complete OUT SPEC      sweep.h5 lists every trial of SPEC, each finished (ok or diverged),
                         each with its trial file, which opens; num_done == num_trials
  snapshot OUT SPEC      JSON on stdout: sweep.h5's rows and, for every trial file, its inode,
                         mtime (ns), size and sha256
  describe SNAP          one line about a snapshot
  partial SNAP           the snapshot's sweep.h5 exists, is not complete, and its finished
                         rows match the trial files on disk (a clean, saved stop)
  unchanged SNAP OUT     every trial file of the snapshot is still there with the same inode,
                         mtime and content (so it was neither re-run nor lost), and its row
                         in sweep.h5 still says finished with the same results

Exit status 0 when the check holds; otherwise 1 with the reasons on stderr.
"""
import glob
import hashlib
import json
import os
import re
import sys

import h5py

FINISHED = ("ok", "diverged")
TRIAL_RE = re.compile(r"^trial_(\d+)\.h5$")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def trial_files(out):
    """{trial id: path} for finished trial files (temporaries, *.tmp.<pid>, excluded)."""
    files = {}
    for path in glob.glob(os.path.join(out, "trial_*.h5")):
        m = TRIAL_RE.match(os.path.basename(path))
        if m:
            files[int(m.group(1))] = path
    return files


def expected_trials(spec):
    """Number of trials SPEC expands to, computed here independently of fcsweep; None when
    it cannot be known in advance (random search: de-duplication may give fewer)."""
    try:
        import yaml
    except ImportError:
        return None
    with open(spec) as f:
        s = yaml.safe_load(f)
    cap = s.get("run_cap") or 0
    if s.get("method", "grid") != "grid":
        return None
    n = 1
    for p in (s.get("parameters") or {}).values():
        if "values" in p:
            n *= len(p["values"])
    return min(n, cap) if cap else n


def read_sweep(out):
    """sweep.h5's attributes and rows, as plain Python."""
    with h5py.File(os.path.join(out, "sweep.h5"), "r") as f:
        attrs = {k: (text(v) if isinstance(v, (bytes, str)) else v.item())
                 for k, v in f.attrs.items()}
        table = f["summary"][()]
        names = table.dtype.names
        rows = []
        for r in table:
            row = {n: (text(r[n]) if isinstance(r[n], bytes) else r[n].item()) for n in names
                   if n in ("id", "status", "best_val_acc", "epochs_run", "seconds", "rank",
                            "file")}
            rows.append(row)
        links = sorted(f["trials"].keys()) if "trials" in f else []
    return attrs, rows, links


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(out, spec):
    snap = {"out": out, "expected": expected_trials(spec), "sweep": None, "files": {}}
    if os.path.exists(os.path.join(out, "sweep.h5")):
        attrs, rows, links = read_sweep(out)
        snap["sweep"] = {"attrs": attrs, "rows": rows, "links": links}
    for tid, path in sorted(trial_files(out).items()):
        st = os.stat(path)
        snap["files"][str(tid)] = {"path": path, "inode": st.st_ino, "mtime_ns": st.st_mtime_ns,
                                   "size": st.st_size, "sha256": sha256(path)}
    return snap


def check_complete(out, spec):
    errors = []
    try:
        attrs, rows, links = read_sweep(out)
    except (OSError, KeyError) as e:
        return ["cannot read %s/sweep.h5: %s" % (out, e)]
    if attrs.get("format") != "fcsweep-sweep":
        errors.append("sweep.h5 format attribute is %r" % attrs.get("format"))
    n = attrs.get("num_trials")
    if n != len(rows):
        errors.append("num_trials = %s but the summary has %d rows" % (n, len(rows)))
    want = expected_trials(spec)
    if want is not None and len(rows) != want:
        errors.append("the spec has %d trials, the summary %d rows" % (want, len(rows)))
    if sorted(r["id"] for r in rows) != list(range(len(rows))):
        errors.append("summary ids are not 0..%d" % (len(rows) - 1))
    if attrs.get("num_done") != len(rows):
        errors.append("num_done = %s of %d" % (attrs.get("num_done"), len(rows)))
    files = trial_files(out)
    for r in rows:
        if r["status"] not in FINISHED:
            errors.append("trial %d: status %r" % (r["id"], r["status"]))
            continue
        path = os.path.join(out, r["file"])
        if not r["file"] or r["id"] not in files or not os.path.samefile(path, files[r["id"]]):
            errors.append("trial %d: file %r missing" % (r["id"], r["file"]))
            continue
        try:
            with h5py.File(path, "r"):
                pass
        except OSError as e:
            errors.append("trial %d: %s does not open: %s" % (r["id"], path, e))
    extra = set(files) - {r["id"] for r in rows}
    if extra:
        errors.append("trial files without a row: %s" % sorted(extra))
    if len(links) != len(rows):
        errors.append("%d links under /trials for %d trials" % (len(links), len(rows)))
    leftovers = glob.glob(os.path.join(out, "*.tmp.*"))
    if leftovers:
        errors.append("temporary files left: %s" % leftovers)
    return errors


def check_partial(snap):
    errors = []
    sw = snap["sweep"]
    if sw is None:
        return ["no sweep.h5 after the stop"]
    rows = sw["rows"]
    done = {r["id"] for r in rows if r["status"] in FINISHED}
    files = {int(k) for k in snap["files"]}
    if len(done) >= len(rows):
        errors.append("the sweep had already finished all %d trials: nothing to resume, the "
                      "stop came too late to test it" % len(rows))
    if sw["attrs"].get("num_done") != len(done):
        errors.append("num_done = %s but %d rows finished" % (sw["attrs"].get("num_done"),
                                                             len(done)))
    if done != files:
        errors.append("finished rows %s != trial files %s" % (sorted(done), sorted(files)))
    return errors


def check_unchanged(snap, out):
    errors = []
    try:
        _, rows, _ = read_sweep(out)
    except (OSError, KeyError) as e:
        return ["cannot read %s/sweep.h5: %s" % (out, e)]
    by_id = {r["id"]: r for r in rows}
    before = {r["id"]: r for r in (snap["sweep"] or {"rows": []})["rows"]}
    for tid, f in snap["files"].items():
        tid = int(tid)
        if not os.path.exists(f["path"]):
            errors.append("trial %d: %s lost" % (tid, f["path"]))
            continue
        st = os.stat(f["path"])
        if st.st_ino != f["inode"] or st.st_mtime_ns != f["mtime_ns"]:
            errors.append("trial %d: file rewritten (inode %d -> %d, mtime %d -> %d): re-run"
                          % (tid, f["inode"], st.st_ino, f["mtime_ns"], st.st_mtime_ns))
        elif sha256(f["path"]) != f["sha256"]:
            errors.append("trial %d: file content changed" % tid)
        r = by_id.get(tid)
        if r is None or r["status"] not in FINISHED:
            errors.append("trial %d: finished before, now %s" % (tid, r and r["status"]))
            continue
        b = before.get(tid)
        if b is not None and b["status"] in FINISHED:
            for k in ("status", "best_val_acc", "seconds", "rank", "file"):
                if b[k] != r[k]:
                    errors.append("trial %d: %s %r -> %r" % (tid, k, b[k], r[k]))
    return errors


def describe(snap):
    files = sorted(int(k) for k in snap["files"])
    if snap["sweep"] is None:
        return "no sweep.h5; trial files %s" % files
    rows = snap["sweep"]["rows"]
    status = {}
    for r in rows:
        status[r["status"]] = status.get(r["status"], 0) + 1
    return "sweep.h5: %d trials %s; trial files %s" % (
        len(rows), ", ".join("%s %d" % kv for kv in sorted(status.items())), files)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "count" and len(argv) == 3:
        print(len(trial_files(argv[2])))
        return 0
    if cmd == "snapshot" and len(argv) == 4:
        json.dump(snapshot(argv[2], argv[3]), sys.stdout, indent=1)
        return 0
    if cmd == "describe" and len(argv) == 3:
        with open(argv[2]) as f:
            print(describe(json.load(f)))
        return 0
    if cmd == "complete" and len(argv) == 4:
        errors = check_complete(argv[2], argv[3])
    elif cmd == "partial" and len(argv) == 3:
        with open(argv[2]) as f:
            errors = check_partial(json.load(f))
    elif cmd == "unchanged" and len(argv) == 4:
        with open(argv[2]) as f:
            errors = check_unchanged(json.load(f), argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errors:
        print("check_sweep %s: %s" % (cmd, e), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
