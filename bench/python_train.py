"""The seed's training loop in Python Prophet 1.5, for timing against `gridcast train`.

For every <id>.csv (seed layout) it does what the seed's training job does per
customer: read the CSV with pandas, fit Prophet (trend only, multiplicative) on
all rows but the last 7, model_to_json, and write <id>.tar.gz holding
model.json and code/. The files are dealt round robin to WORKERS processes, as
SageMaker deals them to instances, so the same number of cores is used.

Usage: python bench/python_train.py DATA_DIR OUT_DIR WORKERS
Prints `python_wall_seconds S models N`.
"""
import logging
import os
import sys
import tarfile
import time
from multiprocessing import Pool
from pathlib import Path

import pandas as pd
from prophet import Prophet
from prophet.serialize import model_to_json

HOLDOUT = 7


def train_share(args):
    files, out_dir, code_dir = args
    logging.getLogger("cmdstanpy").disabled = True
    logging.getLogger("prophet").disabled = True
    for path in files:
        customer = Path(path).name.split(".")[0]
        df = pd.read_csv(path, names=["timestamp", "consumption"])
        df.index = pd.to_datetime(df.timestamp)
        df = df.drop("timestamp", axis=1)
        train = df[:-HOLDOUT].reset_index().rename(columns={"timestamp": "ds", "consumption": "y"})
        model = Prophet(seasonality_mode="multiplicative", yearly_seasonality=False,
                        weekly_seasonality=False, daily_seasonality=False)
        model.fit(train)
        tmp = Path(out_dir) / f".{customer}.model.json"
        tmp.write_text(model_to_json(model))
        with tarfile.open(Path(out_dir) / f"{customer}.tar.gz", "w:gz") as tar:
            tar.add(tmp, "model.json")
            tar.add(Path(code_dir) / "requirements.txt", "code/requirements.txt")
        tmp.unlink()
    return len(files)


if __name__ == "__main__":
    data_dir, out_dir, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out_dir, exist_ok=True)
    code_dir = Path(out_dir) / ".code"
    code_dir.mkdir(exist_ok=True)
    (code_dir / "requirements.txt").write_text("prophet==1.5.0\n")
    files = sorted(str(p) for p in Path(data_dir).glob("*.csv"))
    shares = [(files[i::workers], out_dir, str(code_dir)) for i in range(workers)]
    start = time.perf_counter()
    with Pool(workers) as pool:
        models = sum(pool.map(train_share, shares))
    print(f"python_wall_seconds {time.perf_counter() - start:.3f} models {models}")
