"""Writes the long benchmark cases in prophet-ext's layout, deterministic
(numpy seed 2026):

- long_daily: seven years of daily energy-like readings (2,557 rows: a yearly
  cycle, a weekly one, dips on US public holidays, noise), fitted with yearly +
  weekly seasonality and add_country_holidays("US");
- daily_3y: the same recipe over three years (2020-2022, 1,096 rows);
- hourly_year: one year of hourly readings (8,760 rows: daily and weekly
  cycles, noise), fitted with daily + weekly seasonality.

Usage: make_long_case.py OUT   (writes OUT/{data,future,config}/<case>.*)"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
from prophet.make_holidays import make_holidays_df

out = sys.argv[1]
rng = np.random.default_rng(2026)
for sub in ("data", "future", "config"):
    os.makedirs(f"{out}/{sub}", exist_ok=True)


def write(cid, ds, y, future, config, date_format):
    pd.DataFrame({"ds": ds, "y": y}).to_csv(f"{out}/data/{cid}.csv", index=False, date_format=date_format)
    pd.DataFrame({"ds": future}).to_csv(f"{out}/future/{cid}.csv", index=False, date_format=date_format)
    json.dump(config, open(f"{out}/config/{cid}.json", "w"))
    print(f"{out}/{cid}: {len(ds)} rows")


def daily(cid, start, end):
    ds = pd.date_range(start, end, freq="D")
    d = (ds - pd.Timestamp("1970-01-01")).days.values.astype(float)
    y = 800 + 0.02 * (d - d[0])
    y = y * (1 + 0.15 * np.cos(2 * math.pi * (d - 15) / 365.25)) * (1 + 0.05 * np.sin(2 * math.pi * d / 7 + 1.0))
    holidays = set(make_holidays_df(list(range(ds[0].year, ds[-1].year + 2)), "US")["ds"].dt.normalize())
    y = y * np.where(ds.isin(holidays), 0.8, 1.0)
    y = np.round(y * (1 + 0.03 * rng.standard_normal(len(d))), 4)
    future = pd.date_range(ds[-1] + pd.Timedelta(days=1), periods=30, freq="D")
    write(cid, ds, y, future, {"country_holidays": "US"}, "%Y-%m-%d")


def hourly(cid, start):
    ds = pd.date_range(start, periods=8760, freq="h")
    h = (ds - pd.Timestamp("1970-01-01")).total_seconds().values / 3600.0
    y = 40 + 0.0005 * (h - h[0])
    y = y * (1 + 0.3 * np.sin(2 * math.pi * (h - 7) / 24)) * (1 + 0.1 * np.sin(2 * math.pi * h / 168))
    y = np.round(y * (1 + 0.05 * rng.standard_normal(len(h))), 4)
    future = pd.date_range(ds[-1] + pd.Timedelta(hours=1), periods=48, freq="h")
    config = {"yearly_seasonality": False, "weekly_seasonality": True, "daily_seasonality": True}
    write(cid, ds, y, future, config, "%Y-%m-%d %H:%M:%S")


daily("long_daily", "2016-01-01", "2022-12-31")
daily("daily_3y", "2020-01-01", "2022-12-31")
hourly("hourly_year", "2022-01-01")
