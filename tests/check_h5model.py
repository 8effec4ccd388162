#!/usr/bin/env python3
"""torture_io_h5py: a model file written by fcsweep opens with h5py and h5dump and no code
of ours, holds exactly what doc/hdf5-layout.md says, and files damaged with h5py are
rejected with a message naming what is wrong.

Usage: check_h5model.py TORTURE_IO
  TORTURE_IO --write-sample FILE writes the sample model of tests/torture_io.c (every value a
  formula, recomputed here: keep the two in sync); TORTURE_IO --load FILE loads a file and
  exits 0 when it loads."""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def load(torture, path):
    p = subprocess.run([torture, "--load", path], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def sample_param(t, n):
    e = np.arange(n, dtype=np.int64)
    return (((t * 7919 + e * 104729) % 2001 - 1000).astype(np.float64) * 5e-5).astype(np.float32)


def check_sample(path):
    with h5py.File(path, "r") as f:
        a = f.attrs
        check(a["format"] == "fcsweep-model", "format attribute")
        check(a["format_version"] == 1, "format_version")
        check(a["dtype"] == "float32", "dtype")
        check(isinstance(a["fcsweep_version"], str) and a["fcsweep_version"] != "", "fcsweep_version")
        check(int(a["seed"]) == 12345678901234567 and a["seed"].dtype == np.uint64, "seed (uint64)")
        check(a["trial_id"] == -1, "trial_id")
        check(a["status"] == "ok" and a["message"] == "", "status / message")
        check(a["best_val_acc"] == 0.1 + 0.15 * 2 and a["best_epoch"] == 2, "best_val_acc / best_epoch")
        check(a["test_acc"] == 0.35 and a["seconds"] == 1.5, "test_acc / seconds")
        check(a["epochs_run"] == 2 and a["num_iterations"] == 7, "epochs_run / num_iterations")

        c = f["config"].attrs
        want = {
            "model": "fc", "input_dim": 12, "num_classes": 4, "weight_scale": 0.02,
            "reg": 0.123, "dropout": 0.75, "normalization": "batchnorm", "update_rule": "adam",
            "learning_rate": 5.123456789e-4, "momentum": 0.9, "decay_rate": 0.99, "beta1": 0.9,
            "beta2": 0.9990000000000001, "epsilon": 1e-8, "lr_decay": 0.95, "num_epochs": 2,
            "batch_size": 3, "num_train_samples": 10, "num_val_samples": 0, "print_every": 1,
            "seed": 12345678901234567, "num_train": 20, "num_val": 5, "num_test": 5,
        }
        check(set(c.keys()) == set(want) | {"hidden_dims"}, "config keys: %s" % sorted(c.keys()))
        for k, v in want.items():
            check(k in c and c[k] == v, "config %s = %r, expected %r" % (k, c.get(k), v))
        check(list(c["hidden_dims"]) == [6, 5] and c["hidden_dims"].dtype == np.int64, "hidden_dims")

        names = ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
        shapes = [(12, 6), (6,), (6,), (6,), (6, 5), (5,), (5,), (5,), (5, 4), (4,)]
        check(sorted(f["params"].keys()) == sorted(names), "params: %s" % list(f["params"].keys()))
        for t, (name, shape) in enumerate(zip(names, shapes)):
            d = f["params"][name]
            check(d.shape == shape and d.dtype == np.float32, "%s shape %s dtype %s" % (name, d.shape, d.dtype))
            check(np.array_equal(d[()].ravel(), sample_param(t, int(np.prod(shape)))), "%s values" % name)

        for i, n in enumerate([6, 5]):
            e = np.arange(n)
            rm = f["bn"]["running_mean%d" % (i + 1)][()]
            rv = f["bn"]["running_var%d" % (i + 1)][()]
            check(np.array_equal(rm, ((e % 17) * 0.125 - 1 + i).astype(np.float32)), "running_mean%d" % (i + 1))
            check(np.array_equal(rv, (1 + (e % 13) * 0.0625 + i).astype(np.float32)), "running_var%d" % (i + 1))

        e = np.arange(12)
        check(np.array_equal(f["data/mean_image"][()], ((e % 256) * 0.5 + 0.25).astype(np.float32)), "mean_image")
        cn = list(f["data/class_names"].asstr()[()])
        want_cn = ["class-%d" % k for k in range(10)]
        want_cn[3] = "caf\u00e9"
        check(cn == want_cn, "class_names %r" % cn)

        k = np.arange(7)
        check(np.array_equal(f["history/loss"][()], 2.3 - 0.01 * k), "history/loss")
        k = np.arange(3)
        check(np.array_equal(f["history/train_acc"][()], 0.1 + 0.2 * k), "history/train_acc")
        check(np.array_equal(f["history/val_acc"][()], 0.1 + 0.15 * k), "history/val_acc")
        check(f["history/loss"].dtype == np.float64, "history dtype")


def damage(src, dst, fn):
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        fn(f)


def replace(f, name, data):
    del f[name]
    f[name] = data


def rewrite_fixed_strings(src, dst):
    """Copy src into a new file as another writer might: fixed-length byte strings and int32
    integers. It must still load."""
    with h5py.File(src, "r") as s, h5py.File(dst, "w") as d:
        def conv(v):
            if isinstance(v, str):
                return np.bytes_(v.encode())
            if isinstance(v, np.ndarray) and v.dtype == np.int64:
                return v.astype(np.int32)
            if isinstance(v, np.integer) and v.dtype == np.int64:
                return np.int32(v)
            return v
        for k, v in s.attrs.items():
            d.attrs[k] = conv(v)
        for g in s.keys():
            dg = d.create_group(g)
            for k, v in s[g].attrs.items():
                dg.attrs[k] = conv(v)
            for k in s[g].keys():
                if k == "class_names":
                    dg[k] = np.array([x.encode() for x in s[g][k].asstr()[()]], dtype="S32")
                else:
                    dg[k] = s[g][k][()]


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    torture = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="check_h5model.")
    try:
        path = os.path.join(tmp, "sample.h5")
        p = subprocess.run([torture, "--write-sample", path], capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stdout, p.stderr)
            return 1
        check_sample(path)

        if shutil.which("h5dump"):
            for args in (["-H"], ["-d", "/params/W1"], ["-A"]):
                r = subprocess.run(["h5dump"] + args + [path], capture_output=True, text=True)
                check(r.returncode == 0, "h5dump %s exits 0: %s" % (" ".join(args), r.stderr))
                if args == ["-A"]:
                    check('"fcsweep-model"' in r.stdout, "h5dump -A shows the format attribute")
        else:
            print("h5dump not installed: skipped that check")

        rc, out = load(torture, path)
        check(rc == 0, "the sample loads: %s" % out)

        fixed = os.path.join(tmp, "fixed.h5")
        rewrite_fixed_strings(path, fixed)
        rc, out = load(torture, fixed)
        check(rc == 0, "fixed-length strings and int32 attributes load: %s" % out)

        cases = [
            ("missing parameter", lambda f: f.__delitem__("params/b2"), "/params/b2"),
            ("wrong shape", lambda f: replace(f, "params/W1", np.zeros((6, 12), np.float32)), "shape"),
            ("missing config key", lambda f: f["config"].attrs.__delitem__("reg"), "/config/reg"),
            ("invalid config", lambda f: f["config"].attrs.__setitem__("dropout", 1.5), "dropout"),
            ("unknown enum", lambda f: f["config"].attrs.__setitem__("update_rule", "adagrad"), "update_rule"),
            ("history length", lambda f: replace(f, "history/loss", np.zeros(3)), "/history"),
            ("missing bn", lambda f: f.__delitem__("bn/running_var2"), "/bn/running_var2"),
            ("mean size", lambda f: replace(f, "data/mean_image", np.zeros(11, np.float32)), "mean_image"),
            ("class names", lambda f: replace(f, "data/class_names", np.array([b"a"] * 9)), "class_names"),
            ("other format", lambda f: f.attrs.__setitem__("format", "something-else"), "not an fcsweep model"),
            ("string version", lambda f: f.attrs.__setitem__("format_version", "1"), "format_version"),
            ("missing group", lambda f: f.__delitem__("history"), "/history"),
        ]
        for i, (what, fn, needle) in enumerate(cases):
            bad = os.path.join(tmp, "bad%d.h5" % i)
            damage(path, bad, fn)
            rc, out = load(torture, bad)
            check(rc == 1 and needle in out and bad in out and "HDF5-DIAG" not in out,
                  "%s: rejected with a message naming %r and the file (rc %d): %s" % (what, needle, rc, out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all h5py checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
