#!/usr/bin/env python3
"""Is an own-fit miss Stan stopping early? Refit in Python (a) with tight L-BFGS tolerances,
(b) warm-started from gridcast's parameters; compare lp and yhat with gridcast's own fit.
Usage: refit_tight.py OUT CASE ..."""
import json, sys
import numpy as np, pandas as pd
from prophet import Prophet
from prophet.serialize import model_from_json

OUT = sys.argv[1]
for cid in sys.argv[2:]:
    cfg = json.load(open(f"{OUT}/config/{cid}.json"))
    exp = json.load(open(f"{OUT}/expected/{cid}.json"))
    ys = exp["y_scale"]
    train = pd.read_csv(f"{OUT}/data/{cid}.csv", parse_dates=["ds"])
    fut = pd.read_csv(f"{OUT}/future/{cid}.csv", parse_dates=["ds"])
    py0 = pd.read_csv(f"{OUT}/forecast/{cid}.csv")
    gcm = model_from_json(open(f"{OUT}/own/{cid}.json").read())
    gc_yhat = gcm.predict(fut).yhat.values
    gc_lp = float(np.ravel(gcm.params["lp__"])[0])

    def build():
        kw = {k: v for k, v in cfg.items() if k not in ("regressors", "seasonalities", "country_holidays", "holidays")}
        if "holidays" in cfg:
            kw["holidays"] = pd.DataFrame(cfg["holidays"]).assign(ds=lambda d: pd.to_datetime(d.ds))
        m = Prophet(**kw)
        for r in cfg.get("regressors", []):
            m.add_regressor(**r)
        for s in cfg.get("seasonalities", []):
            m.add_seasonality(**s)
        if "country_holidays" in cfg:
            m.add_country_holidays(country_name=cfg["country_holidays"])
        return m

    print(f"{cid}: python default lp {exp['lp']:.4f}, gridcast lp {gc_lp:.4f}, "
          f"|yhat_py - yhat_gc|/ys {np.max(np.abs(py0.yhat.values - gc_yhat))/ys:.2e}")
    for label, kwargs in (
        ("tight LBFGS", dict(algorithm="LBFGS", tol_rel_grad=1e-14, tol_rel_obj=1e-14, tol_grad=1e-14, tol_obj=1e-14, tol_param=1e-14, iter=100000)),
        ("Newton", dict(algorithm="Newton", iter=100000)),
        ("warm start from gridcast", dict(init={k: (np.ravel(gcm.params[k]) if k in ("delta", "beta") else float(np.ravel(gcm.params[k])[0]))
                                           for k in ("k", "m", "delta", "sigma_obs", "beta")}))):
        m = build()
        try:
            m.fit(train, **kwargs)
        except Exception as e:
            print(f"  {label}: {type(e).__name__}: {e}")
            continue
        yh = m.predict(fut).yhat.values
        print(f"  {label}: lp {float(np.ravel(m.params['lp__'])[0]):.4f}; |yhat - gridcast|/ys {np.max(np.abs(yh - gc_yhat))/ys:.2e}; "
              f"|yhat - python default|/ys {np.max(np.abs(yh - py0.yhat.values))/ys:.2e}", flush=True)
