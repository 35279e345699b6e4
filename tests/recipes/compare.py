#!/usr/bin/env python3
"""Compare gridcast with Python Prophet on make_recipes.py cases.
Usage: compare.py GRIDCAST OUT [CASE ...]   (run with the Prophet 1.5 venv's python)"""
import io, json, subprocess, sys, tarfile, os
import numpy as np, pandas as pd
from prophet.serialize import model_from_json

GC, OUT = sys.argv[1], sys.argv[2]
ONLY = sys.argv[3:]
TOL = 0.005
cases = ONLY or sorted(f[:-5] for f in os.listdir(f"{OUT}/config"))
os.makedirs(f"{OUT}/own", exist_ok=True)


def gc_forecast(model, future):
    p = subprocess.run(["nice", "-n", "10", GC, "forecast", "--model", model, "--future", future, "--seed", "7"],
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"gridcast forecast exit {p.returncode}: {p.stderr.strip()[:600]}")
    d = json.loads(p.stdout)
    return pd.DataFrame({k: list(v.values()) for k, v in d.items()})


def diffs(py, gc, ys):
    out = {}
    for c in py.columns:
        if c == "ds" or c.endswith("_lower") or c.endswith("_upper"):
            continue
        if c not in gc.columns:
            out[c] = "MISSING in gridcast"
            continue
        out[c] = float(np.nanmax(np.abs(py[c].values - gc[c].values.astype(float)))) / ys
    extra = [c for c in gc.columns if c not in py.columns]
    if extra:
        out["_extra_in_gridcast"] = extra
    return out


def width_ratio(py, gc):
    if "yhat_upper" not in py:
        return float("nan") if "yhat_upper" not in gc else float("inf")
    return float(np.mean(gc.yhat_upper - gc.yhat_lower) / np.mean(py.yhat_upper - py.yhat_lower))


rows = []
for cid in cases:
    r = {"case": cid}
    exp = json.load(open(f"{OUT}/expected/{cid}.json"))
    ys = exp["y_scale"]
    py = pd.read_csv(f"{OUT}/forecast/{cid}.csv")
    fut = f"{OUT}/future/{cid}.csv"
    # (i) gridcast forecasts from Python's model.json
    try:
        gc = gc_forecast(f"{OUT}/models/{cid}.json", fut)
        assert len(gc) == len(py), f"rows {len(gc)} vs {len(py)}"
        assert (pd.to_datetime(gc.ds, unit="ms").values == pd.to_datetime(py.ds).values).all(), "ds differ"
        d = diffs(py, gc, ys)
        r["i_cols"] = d
        r["i_max"] = max(v for v in d.values() if isinstance(v, float))
        r["i_worst"] = max((k for k, v in d.items() if isinstance(v, float)), key=lambda k: d[k])
        r["i_width"] = width_ratio(py, gc)
    except Exception as e:
        r["i_error"] = str(e)
    # (ii) gridcast fits the same CSV + config
    try:
        own = f"{OUT}/own/{cid}.tar.gz"
        p = subprocess.run(["nice", "-n", "10", GC, "fit", "--data", f"{OUT}/data/{cid}.csv", "--config",
                            f"{OUT}/config/{cid}.json", "--out", own], capture_output=True, text=True)
        r["fit_msg"] = (p.stdout + p.stderr).strip()[-400:]
        if p.returncode:
            raise RuntimeError(f"gridcast fit exit {p.returncode}: {p.stderr.strip()[:600]}")
        with tarfile.open(own) as t:
            mj = t.extractfile("model.json").read().decode()
        open(f"{OUT}/own/{cid}.json", "w").write(mj)
        gco = gc_forecast(f"{OUT}/own/{cid}.json", fut)
        r["ii_yhat"] = float(np.max(np.abs(gco.yhat - py.yhat))) / ys
        r["ii_trend"] = float(np.max(np.abs(gco.trend - py.trend))) / ys
        r["ii_width"] = width_ratio(py, gco)
        mo = model_from_json(mj)
        pp = mo.params
        r["lp_gc"] = float(np.ravel(pp["lp__"])[0]) if "lp__" in pp else None
        r["lp_py"] = exp["lp"]
        pym = model_from_json(open(f"{OUT}/models/{cid}.json").read())
        pv = {k: np.ravel(pym.params[k]) for k in ("k", "m", "delta", "sigma_obs", "beta")}
        gv = {k: np.ravel(mo.params[k]) for k in pv}
        r["param_maxdiff"] = {k: float(np.max(np.abs(pv[k] - gv[k]))) if pv[k].shape == gv[k].shape
                              else f"shape {pv[k].shape} vs {gv[k].shape}" for k in pv}
        # round trip: Python loads gridcast's model.json and predicts
        f = pd.read_csv(fut, parse_dates=["ds"])
        pr = mo.predict(f)
        r["rt_maxdiff"] = float(np.max(np.abs(pr.yhat.values - gco.yhat.values))) / ys
        rd = diffs(pr, gco, ys)
        r["rt_worst"] = max((k for k, v in rd.items() if isinstance(v, float)), key=lambda k: rd[k])
        r["rt_cols_missing"] = [k for k, v in rd.items() if not isinstance(v, float)]
    except Exception as e:
        r["ii_error"] = f"{type(e).__name__}: {e}"
    ok_i = "i_max" in r and r["i_max"] < 1e-6 and (abs(r["i_width"] - 1) < 0.1 or np.isnan(r["i_width"]))
    ok_ii = "ii_yhat" in r and r["ii_yhat"] < TOL and r.get("rt_maxdiff", 1) < 1e-6
    r["pass"] = ok_i and ok_ii
    rows.append(r)
    print(json.dumps(r, default=str), flush=True)

print()
print("| case | (i) max diff / y_scale (worst col) | (i) band width ratio | (ii) own-fit yhat / y_scale (tol 0.005) | lp gc vs py | round-trip Python predict vs gridcast | pass |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    i = f"{r['i_max']:.2e} ({r['i_worst']})" if "i_max" in r else "ERROR " + r.get("i_error", "")[:80]
    ii = f"{r['ii_yhat']:.2e}" if "ii_yhat" in r else "ERROR " + r.get("ii_error", "")[:80]
    lp = f"{r.get('lp_gc')} vs {r.get('lp_py')}" if "lp_py" in r else "-"
    rt = f"{r['rt_maxdiff']:.2e}" if "rt_maxdiff" in r else "-"
    print(f"| {r['case']} | {i} | {r.get('i_width', float('nan')):.3f} | {ii} | {lp} | {rt} | {'PASS' if r['pass'] else 'FAIL'} |")
