"""Writes the long benchmark case in prophet-ext's layout: seven years of daily
energy-like readings (2,557 rows: a yearly cycle, a weekly one, dips on US
public holidays, noise), fitted with yearly + weekly seasonality and
add_country_holidays("US"). Deterministic (numpy seed 2026).

Usage: make_long_case.py OUT   (writes OUT/{data,future,config}/long_daily.*)"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
from prophet.make_holidays import make_holidays_df

out = sys.argv[1]
rng = np.random.default_rng(2026)
ds = pd.date_range("2016-01-01", "2022-12-31", freq="D")
d = (ds - pd.Timestamp("1970-01-01")).days.values.astype(float)
y = 800 + 0.02 * (d - d[0])
y = y * (1 + 0.15 * np.cos(2 * math.pi * (d - 15) / 365.25)) * (1 + 0.05 * np.sin(2 * math.pi * d / 7 + 1.0))
holidays = set(make_holidays_df(list(range(2016, 2024)), "US")["ds"].dt.normalize())
y = y * np.where(ds.isin(holidays), 0.8, 1.0)
y = np.round(y * (1 + 0.03 * rng.standard_normal(len(d))), 4)
for sub in ("data", "future", "config"):
    os.makedirs(f"{out}/{sub}", exist_ok=True)
pd.DataFrame({"ds": ds, "y": y}).to_csv(f"{out}/data/long_daily.csv", index=False, date_format="%Y-%m-%d")
pd.DataFrame({"ds": pd.date_range("2023-01-01", periods=30, freq="D")}).to_csv(
    f"{out}/future/long_daily.csv", index=False, date_format="%Y-%m-%d")
json.dump({"country_holidays": "US"}, open(f"{out}/config/long_daily.json", "w"))
print(f"{out}: {len(ds)} rows")
