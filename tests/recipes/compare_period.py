#!/usr/bin/env python3
"""gridcast forecast --period N (future rows only) from Python's model.json vs Python's last N rows.
Usage: compare_period.py GRIDCAST OUT CASE:N ..."""
import json, subprocess, sys
import numpy as np, pandas as pd
GC, OUT = sys.argv[1], sys.argv[2]
for spec in sys.argv[3:]:
    cid, n = spec.split(":"); n = int(n)
    ys = json.load(open(f"{OUT}/expected/{cid}.json"))["y_scale"]
    py = pd.read_csv(f"{OUT}/forecast/{cid}.csv").iloc[-n:].reset_index(drop=True)
    p = subprocess.run(["nice", "-n", "10", GC, "forecast", "--model", f"{OUT}/models/{cid}.json", "--period", str(n), "--seed", "7"],
                       capture_output=True, text=True)
    if p.returncode:
        print(f"{cid} --period {n}: exit {p.returncode}: {p.stderr.strip()[:500]}"); continue
    d = json.loads(p.stdout); gc = pd.DataFrame({k: list(v.values()) for k, v in d.items()})
    same_ds = len(gc) == n and (pd.to_datetime(gc.ds, unit="ms").values == pd.to_datetime(py.ds).values).all()
    cols = [c for c in ("trend", "yhat") if c in gc]
    print(f"{cid} --period {n}: rows {len(gc)}, ds equal {same_ds}, " + ", ".join(
        f"{c} max diff/ys {np.max(np.abs(gc[c].values - py[c].values))/ys:.2e}" for c in cols))
