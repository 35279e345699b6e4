#!/usr/bin/env python3
"""Prophet documentation recipes as parity cases (issue 12), laid out as prophet-ext/ (make_fixtures.py):
data/ future/ config/ models/ expected/ plus forecast/<id>.csv (Python's predict on the future frame).
Usage: make_recipes.py OUT SEED [CASE ...]"""
import io, json, math, os, random, sys, tarfile, time
import numpy as np
import pandas as pd
from prophet import Prophet
from prophet.serialize import model_to_json

OUT, SEED = sys.argv[1], int(sys.argv[2])
ONLY = set(sys.argv[3:])
rng = random.Random(SEED)
nrng = np.random.default_rng(SEED)


# --- copied from ../shared/fixtures/prophet-ext/make_fixtures.py (it runs its loop on import) ---
def days_since_epoch(ds):
    return (ds - pd.Timestamp("1970-01-01")).total_seconds().values / 86400.0


def temperature(ds):
    d = days_since_epoch(ds)
    return np.round(11 - 9 * np.cos(2 * math.pi * (d - 15) / 365.25) + 2.5 * nrng.standard_normal(len(d)), 2)


def energy(ds, temp=None, weekly=0.05, daily=0.0, noise=0.03, trend=0.0):
    base = rng.uniform(500, 1000)
    d = days_since_epoch(ds)
    y = np.full(len(d), base)
    if temp is not None:
        y = y + 14 * np.maximum(0, 15 - temp) + 20 * np.maximum(0, temp - 22)
    y = y * (1 + weekly * np.sin(2 * math.pi * d / 7 + 1.0) + daily * np.sin(2 * math.pi * d + 0.5))
    y = y + trend * base * (d - d[0]) / 365.25
    return np.round(np.maximum(y * (1 + noise * nrng.standard_normal(len(d))), 0.0), 4)
# ---------------------------------------------------------------------------------------------------


def case_a_playoffs_superbowl():
    """docs 'Modeling Holidays and Special Events': playoffs/superbowl frame, windows, per-holiday prior_scale."""
    ds = pd.date_range("2013-01-01", periods=3 * 365 + 20, freq="D")
    y = energy(ds, temperature(ds))
    playoffs = pd.to_datetime(["2013-01-12", "2014-01-12", "2014-01-19", "2014-02-02", "2015-01-11",
                               "2016-01-17", "2016-01-24", "2016-02-07"])
    superbowls = pd.to_datetime(["2014-02-02", "2016-02-07"])
    for d in playoffs:
        y[(ds >= d) & (ds <= d + pd.Timedelta(days=1))] *= 1.25
    for d in superbowls:
        y[(ds >= d - pd.Timedelta(days=1)) & (ds <= d + pd.Timedelta(days=1))] *= 1.3
    hol = pd.concat([
        pd.DataFrame({"holiday": "playoff", "ds": playoffs, "lower_window": 0, "upper_window": 1, "prior_scale": 10.0}),
        pd.DataFrame({"holiday": "superbowl", "ds": superbowls, "lower_window": -1, "upper_window": 1, "prior_scale": 0.5}),
    ])
    df = pd.DataFrame({"ds": ds, "y": y})
    m = Prophet(holidays=hol)
    cfg = {"holidays": [{"holiday": r.holiday, "ds": r.ds.strftime("%Y-%m-%d"), "lower_window": int(r.lower_window),
                         "upper_window": int(r.upper_window), "prior_scale": float(r.prior_scale)} for r in hol.itertuples()]}
    return df, ("D", 60), m, cfg, ["holidays frame playoffs/superbowl, windows, per-holiday prior_scale"]


def case_b_monthly_fourier():
    """docs 'Seasonality': add_seasonality('monthly', 30.5, 5) with weekly off; yearly_seasonality=20."""
    ds = pd.date_range("2019-01-01", periods=3 * 365, freq="D")
    d = days_since_epoch(ds)
    y = energy(ds, temperature(ds)) * (1 + 0.04 * np.sin(2 * math.pi * d / 30.5))
    df = pd.DataFrame({"ds": ds, "y": np.round(y, 4)})
    m = Prophet(weekly_seasonality=False, yearly_seasonality=20)
    m.add_seasonality(name="monthly", period=30.5, fourier_order=5)
    cfg = {"weekly_seasonality": False, "yearly_seasonality": 20,
           "seasonalities": [{"name": "monthly", "period": 30.5, "fourier_order": 5}]}
    return df, ("D", 90), m, cfg, ["add_seasonality monthly 30.5/5", "yearly_seasonality=20"]


def case_c_changepoints():
    """docs 'Trend Changepoints': explicit changepoints list, changepoint_prior_scale=0.5."""
    ds = pd.date_range("2020-01-01", periods=800, freq="D")
    y = energy(ds, trend=0.0)
    t = np.arange(len(ds))
    y = y + np.where(t > 300, 0.6 * (t - 300), 0) - np.where(t > 550, 1.2 * (t - 550), 0)
    df = pd.DataFrame({"ds": ds, "y": np.round(y, 4)})
    cps = ["2020-06-01", "2020-10-27", "2021-03-01", "2021-07-04"]
    m = Prophet(changepoints=cps, changepoint_prior_scale=0.5)
    cfg = {"changepoints": cps, "changepoint_prior_scale": 0.5}
    return df, ("D", 30), m, cfg, ["explicit changepoints", "changepoint_prior_scale=0.5"]


def case_c2_changepoint_range():
    """docs 'Trend Changepoints': changepoint_range=0.9, changepoint_prior_scale=0.5."""
    ds = pd.date_range("2020-01-01", periods=700, freq="D")
    y = energy(ds, temperature(ds))
    t = np.arange(len(ds))
    y = y - np.where(t > 600, 1.5 * (t - 600), 0)
    df = pd.DataFrame({"ds": ds, "y": np.round(y, 4)})
    m = Prophet(changepoint_range=0.9, changepoint_prior_scale=0.5)
    cfg = {"changepoint_range": 0.9, "changepoint_prior_scale": 0.5}
    return df, ("D", 30), m, cfg, ["changepoint_range=0.9", "changepoint_prior_scale=0.5"]


def case_d_mult_additive_regressor():
    """docs 'Multiplicative Seasonality' + 'Additional regressors': mode=additive regressor on multiplicative model."""
    ds = pd.date_range("2021-01-01", periods=2 * 365 + 30, freq="D")
    t = temperature(ds)
    y = energy(ds, t, weekly=0.08, trend=0.3)
    df = pd.DataFrame({"ds": ds, "y": y, "temperature": t})
    train, fut = df.iloc[:-30], df.drop(columns="y")
    m = Prophet(seasonality_mode="multiplicative")
    m.add_regressor("temperature", mode="additive", prior_scale=0.5, standardize=False)
    cfg = {"seasonality_mode": "multiplicative",
           "regressors": [{"name": "temperature", "mode": "additive", "prior_scale": 0.5, "standardize": False}]}
    return train, fut, m, cfg, ["multiplicative seasonality", "add_regressor additive prior_scale=0.5 standardize=False"]


def case_e_logistic_floor():
    """docs 'Saturating Forecasts' / 'Saturating Minimum': df['cap']=c; df['floor']=f; growth='logistic'."""
    ds = pd.date_range("2021-01-01", periods=600 + 60, freq="D")
    x = np.arange(len(ds))
    cap, floor = 1200.0, 250.0
    y = floor + (cap - floor) / (1 + np.exp((x - 300) / 70))     # declining toward the floor
    d = days_since_epoch(ds)
    y = y * (1 + 0.04 * np.sin(2 * math.pi * d / 7 + 1.0)) * (1 + 0.03 * nrng.standard_normal(len(ds)))
    df = pd.DataFrame({"ds": ds, "y": np.round(y, 4), "cap": cap, "floor": floor})
    train = df.iloc[:-60]
    fut = df.drop(columns="y")
    m = Prophet(growth="logistic")
    return train, fut, m, {"growth": "logistic"}, ["logistic growth, constant cap and floor (saturating minimum)"]


def case_f_country_gb():
    """docs 'Built-in Country Holidays': add_country_holidays('GB'), holidays_mode additive, seasonality multiplicative."""
    ds = pd.date_range("2021-01-01", periods=2 * 365 + 60, freq="D")
    y = energy(ds, temperature(ds), weekly=0.08)
    df = pd.DataFrame({"ds": ds, "y": y})
    import holidays as H
    gb = H.country_holidays("GB", years=[2021, 2022, 2023])
    for day in gb:
        y[ds == pd.Timestamp(day)] *= 0.8
    df["y"] = y
    m = Prophet(seasonality_mode="multiplicative", holidays_mode="additive")
    m.add_country_holidays(country_name="GB")
    cfg = {"seasonality_mode": "multiplicative", "holidays_mode": "additive", "country_holidays": "GB"}
    return df.iloc[:-60], ("D", 60), m, cfg, ["add_country_holidays GB", "holidays_mode additive on multiplicative"]


def case_g_holidays_prior_interval():
    """docs: holidays_prior_scale=0.05 (no per-row prior_scale), add_seasonality(mode='multiplicative', prior_scale=0.1)
    in an additive model, interval_width=0.95."""
    ds = pd.date_range("2021-01-01", periods=2 * 365 + 45, freq="D")
    d = days_since_epoch(ds)
    y = energy(ds, temperature(ds)) * (1 + 0.05 * np.sin(2 * math.pi * d / 30.5))
    events = pd.to_datetime(["2021-04-10", "2021-10-10", "2022-04-10", "2022-10-10", "2023-04-10"])
    for e in events:
        y[(ds >= e - pd.Timedelta(days=2)) & (ds <= e)] *= 1.2
    hol = pd.DataFrame({"holiday": "event", "ds": events, "lower_window": -2, "upper_window": 0})
    df = pd.DataFrame({"ds": ds, "y": np.round(y, 4)})
    m = Prophet(holidays=hol, holidays_prior_scale=0.05, interval_width=0.95)
    m.add_seasonality(name="monthly", period=30.5, fourier_order=5, prior_scale=0.1, mode="multiplicative")
    cfg = {"holidays_prior_scale": 0.05, "interval_width": 0.95,
           "holidays": [{"holiday": "event", "ds": e.strftime("%Y-%m-%d"), "lower_window": -2, "upper_window": 0} for e in events],
           "seasonalities": [{"name": "monthly", "period": 30.5, "fourier_order": 5, "prior_scale": 0.1, "mode": "multiplicative"}]}
    return df.iloc[:-45], ("D", 45), m, cfg, ["holidays_prior_scale", "multiplicative seasonality in additive model", "interval_width 0.95"]


def case_h_no_uncertainty():
    """docs: uncertainty_samples=0 (no intervals, faster predict)."""
    ds = pd.date_range("2022-01-01", periods=500, freq="D")
    df = pd.DataFrame({"ds": ds, "y": energy(ds, temperature(ds))})
    m = Prophet(uncertainty_samples=0)
    return df, ("D", 30), m, {"uncertainty_samples": 0}, ["uncertainty_samples=0"]


CASES = {name[5:]: fn for name, fn in sorted(globals().items()) if name.startswith("case_")}
for d in ("data", "future", "config", "models", "expected", "forecast"):
    os.makedirs(f"{OUT}/{d}", exist_ok=True)

for cid, build in CASES.items():
    if ONLY and cid not in ONLY:
        continue
    train, fut, m, cfg, exercises = build()
    train.to_csv(f"{OUT}/data/{cid}.csv", index=False)
    t0 = time.perf_counter()
    m.fit(train)
    fit_s = time.perf_counter() - t0
    if isinstance(fut, tuple):
        freq, n = fut
        fut = m.make_future_dataframe(periods=n, freq=freq)   # docs: include_history=True
    else:
        freq = pd.infer_freq(train.ds.dropna())
    fut.to_csv(f"{OUT}/future/{cid}.csv", index=False)
    fc = m.predict(fut)
    fc.to_csv(f"{OUT}/forecast/{cid}.csv", index=False)
    json.dump(cfg, open(f"{OUT}/config/{cid}.json", "w"), indent=1)
    mj = model_to_json(m)
    open(f"{OUT}/models/{cid}.json", "w").write(mj)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("model.json", mj.encode()), ("code/requirements.txt", b"prophet==1.5.0\n")):
            info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    open(f"{OUT}/models/{cid}.tar.gz", "wb").write(buf.getvalue())
    lp = m.params.get("lp__")
    exp = {"id": cid, "prophet_version": "1.5.0", "exercises": exercises, "config": cfg, "freq": freq,
           "train_rows": int(train["y"].notna().sum()), "fit_seconds": fit_s,
           "lp": float(np.mean(lp)) if lp is not None else None, "y_scale": float(m.y_scale),
           "columns": {c: fc[c].tolist() for c in fc.columns if c != "ds"},
           "ds": [d.isoformat() for d in fc.ds]}
    for c in ("trend", "yhat", "yhat_lower", "yhat_upper"):
        if c in fc:   # uncertainty_samples=0: no intervals
            exp[c] = fc[c].tolist()
    json.dump(exp, open(f"{OUT}/expected/{cid}.json", "w"), indent=1)
    print(f"{cid}: {exp['train_rows']} rows, fit {fit_s:.2f} s, lp {exp['lp']}", flush=True)
