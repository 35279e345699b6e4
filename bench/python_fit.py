"""Times Python Prophet 1.5 fits (median of N runs), fitting exactly what
gridcast fits. Two layouts:
- prophet/ (reference cases): all rows but the last `period`, the case's
  arguments (`expected/<id>.json`);
- prophet-ext/ and the long case: `data/<id>.csv` with `config/<id>.json`
  (Prophet's arguments by name, as gridcast's prophet.json). MCMC configs are
  skipped: gridcast fits MAP only.
Prints `case wall_ms cpu_ms` lines: the median wall time, and the median CPU
time of this process and of the CmdStan process each fit runs (on a shared
machine the second is the steadier)."""
import json
import logging
import resource
import sys
import time
from pathlib import Path

import pandas as pd
from prophet import Prophet

logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").disabled = True
METHODS = ("holidays", "country_holidays", "regressors", "seasonalities", "cap", "floor")


def cpu_seconds():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def median_fit(make, df, runs):
    wall, cpu = [], []
    for _ in range(runs):
        m = make()
        t, c = time.perf_counter(), cpu_seconds()
        m.fit(df)
        wall.append(time.perf_counter() - t)
        cpu.append(cpu_seconds() - c)
    wall.sort()
    cpu.sort()
    return f"{wall[len(wall) // 2] * 1000:.2f} {cpu[len(cpu) // 2] * 1000:.2f}"


def reference_cases(fixtures, runs):
    for path in sorted((fixtures / "expected").glob("*.json")):
        case = json.loads(path.read_text())
        df = pd.read_csv(fixtures / "data" / f"{case['id']}.csv", header=None, names=["ds", "y"])
        df = df.iloc[: len(df) - case["period"]]
        if case["extra"] == "cap":
            df["cap"] = case["cap"]

        def make():
            m = Prophet(**case["kwargs"])
            if case["extra"] == "monthly":
                m.add_seasonality(name="monthly", period=30.5, fourier_order=5)
            return m
        yield case["id"], median_fit(make, df, runs)


def config_cases(fixtures, runs):
    for path in sorted((fixtures / "config").glob("*.json")):
        cid, cfg = path.stem, json.loads(path.read_text())
        if cfg.get("mcmc_samples"):
            continue
        df = pd.read_csv(fixtures / "data" / f"{cid}.csv")
        for column in ("cap", "floor"):
            if column in cfg:
                df[column] = cfg[column]

        def make():
            kwargs = {k: v for k, v in cfg.items() if k not in METHODS}
            if "holidays" in cfg:
                kwargs["holidays"] = pd.DataFrame(cfg["holidays"])
            m = Prophet(**kwargs)
            if "country_holidays" in cfg:
                m.add_country_holidays(country_name=cfg["country_holidays"])
            for s in cfg.get("seasonalities", []):
                m.add_seasonality(**s)
            for r in cfg.get("regressors", []):
                m.add_regressor(**r)
            return m
        yield cid, median_fit(make, df, runs)


fixtures, runs = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5
cases = config_cases if (fixtures / "config").is_dir() else reference_cases
for cid, ms in cases(fixtures, runs):
    print(f"{cid} {ms}", flush=True)
