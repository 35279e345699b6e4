"""Python Prophet 1.5's backtest of each customer, for timing against
`gridcast train --cross-validate` on the same files and settings.

Per <id>.csv (seed layout), what a Prophet user does: read it with pandas, fit
Prophet (trend only, multiplicative: the seed's model) on all rows but the
last 7, then `cross_validation(m, horizon, period, initial,
parallel="processes")` (the cutoffs on every core) and `performance_metrics`.

Usage: python bench/python_cv.py DATA_DIR HORIZON PERIOD INITIAL
Prints `python_wall_seconds S customers N cutoffs C` (wall from the first read
to the last metrics; imports excluded).
"""
import logging
import sys
import time
from pathlib import Path

import pandas as pd
from prophet import Prophet
from prophet.diagnostics import cross_validation, performance_metrics

HOLDOUT = 7

if __name__ == "__main__":
    data_dir, horizon, period, initial = sys.argv[1:5]
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").disabled = True
    files = sorted(Path(data_dir).glob("*.csv"))
    start = time.perf_counter()
    cutoffs = 0
    for path in files:
        df = pd.read_csv(path, names=["ds", "y"])
        df["ds"] = pd.to_datetime(df.ds)
        model = Prophet(seasonality_mode="multiplicative", yearly_seasonality=False,
                        weekly_seasonality=False, daily_seasonality=False)
        model.fit(df[:-HOLDOUT])
        cv = cross_validation(model, horizon=horizon, period=period, initial=initial,
                              parallel="processes", disable_tqdm=True)
        performance_metrics(cv)
        cutoffs += cv.cutoff.nunique()
    wall = time.perf_counter() - start
    print(f"python_wall_seconds {wall:.3f} customers {len(files)} cutoffs {cutoffs}")
