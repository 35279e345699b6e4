"""Times Python Prophet 1.5 fits on the reference cases (median of N runs),
fitting exactly what gridcast fits: all rows but the last `period`, the case's
arguments. Prints `case ms` lines."""
import json
import logging
import sys
import time
from pathlib import Path

import pandas as pd
from prophet import Prophet

logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").disabled = True
fixtures, runs = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5
for path in sorted((fixtures / "expected").glob("*.json")):
    case = json.loads(path.read_text())
    df = pd.read_csv(fixtures / "data" / f"{case['id']}.csv", header=None, names=["ds", "y"])
    df = df.iloc[: len(df) - case["period"]]
    if case["extra"] == "cap":
        df["cap"] = case["cap"]
    times = []
    for _ in range(runs):
        m = Prophet(**case["kwargs"])
        if case["extra"] == "monthly":
            m.add_seasonality(name="monthly", period=30.5, fourier_order=5)
        t = time.perf_counter()
        m.fit(df)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"{case['id']} {times[len(times) // 2] * 1000:.2f}", flush=True)
