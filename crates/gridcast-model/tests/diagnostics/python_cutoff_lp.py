#!/usr/bin/env python3
"""Per cutoff, the log density (Stan's lp__) Python Prophet's refit reaches, as
single_cutoff_forecast fits it (prophet_copy + fit on the history up to the cutoff),
for every case in python_cv/ and ../shared/fixtures/prophet-ext/cv/: python_cv/<id>.lp.json.
Usage (from the repository root): PY crates/gridcast-model/tests/diagnostics/python_cutoff_lp.py"""
import json, logging, sys
from pathlib import Path
import pandas as pd
from prophet import Prophet
from prophet.diagnostics import prophet_copy
logging.getLogger("cmdstanpy").disabled = True
here = Path(__file__).parent
ext = Path("../shared/fixtures/prophet-ext")
cases = sorted(p for p in list((ext / "cv").glob("*.json")) + list((here / "python_cv").glob("*.json"))
               if not p.name.endswith(".lp.json"))
for cv_path in cases:
    cid = cv_path.stem
    data, cfgp = ((here / "idle_meter.csv", here / "idle_meter.json") if cid == "idle_meter"
                  else (ext / f"data/{cid}.csv", ext / f"config/{cid}.json"))
    df = pd.read_csv(data); df["ds"] = pd.to_datetime(df["ds"])
    cfg = json.load(open(cfgp))
    kw = {k: v for k, v in cfg.items() if k not in ("regressors", "seasonalities", "holidays", "country_holidays", "cap", "floor")}
    if "holidays" in cfg:
        kw["holidays"] = pd.DataFrame(cfg["holidays"]).assign(ds=lambda d: pd.to_datetime(d.ds))
    m = Prophet(**kw)
    for r in cfg.get("regressors", []): m.add_regressor(**r)
    for s in cfg.get("seasonalities", []): m.add_seasonality(**s)
    if "country_holidays" in cfg: m.add_country_holidays(country_name=cfg["country_holidays"])
    m.fit(df)
    cutoffs = json.load(open(cv_path))["cutoffs"]
    lps = []
    for c in cutoffs:
        cut = pd.Timestamp(c)
        m2 = prophet_copy(m, cut)
        m2.fit(m.history[m.history["ds"] <= cut], **m.fit_kwargs)
        lps.append(float(m2.params["lp__"][0][0]))
    json.dump({"cutoffs": cutoffs, "lp": lps}, open(here / "python_cv" / f"{cid}.lp.json", "w"), indent=1)
    print(cid, [round(x, 3) for x in lps])
