"""Round trip through Python Prophet 1.5: every model.json gridcast writes must
load with prophet.serialize.model_from_json and forecast what gridcast forecasts.

Usage: python tests/python_roundtrip.py GRIDCAST_BIN FIXTURES_DIR
Prints one line per check and a closing `K cases: N passed, M failed` line;
fails when a check fails or no reference case was found.
"""
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from monte_carlo import band_problems
from prophet.serialize import model_from_json, model_to_json

gridcast, fixtures = sys.argv[1], Path(sys.argv[2])
passed = failed = cases = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


with tempfile.TemporaryDirectory() as tmp:
    for expected_path in sorted((fixtures / "expected").glob("*.json")):
        case = json.loads(expected_path.read_text())
        cid, period = case["id"], case["period"]
        config = dict(case["kwargs"])
        if case["extra"] == "monthly":
            config["seasonalities"] = [{"name": "monthly", "period": 30.5, "fourier_order": 5}]
        if case["extra"] == "cap":
            config["cap"] = case["cap"]
        cfg = Path(tmp) / f"{cid}.json"
        cfg.write_text(json.dumps(config))
        artifact = Path(tmp) / f"{cid}.tar.gz"
        subprocess.run([gridcast, "fit", "--data", str(fixtures / "data" / f"{cid}.csv"), "--holdout", str(period),
                        "--config", str(cfg), "--out", str(artifact)], check=True, capture_output=True)
        ours = json.loads(subprocess.run([gridcast, "forecast", "--model", str(artifact), "--period", str(period),
                                          "--seed", "1"], check=True, capture_output=True).stdout)
        import tarfile
        model_json = tarfile.open(artifact).extractfile("model.json").read().decode()
        m = model_from_json(model_json)
        future = m.make_future_dataframe(periods=period, freq=case["freq"])
        if case["extra"] == "cap":
            future["cap"] = case["cap"]
        np.random.seed(1)  # Python's draws, reproducible
        fc = m.predict(future).tail(period)
        tol = 1e-6 * m.y_scale
        for col in ("trend", "yhat", "additive_terms", "multiplicative_terms"):
            theirs = fc[col].to_numpy()
            mine = np.array([ours[col][str(i)] for i in fc.index])
            diff = float(np.max(np.abs(theirs - mine)))
            check(f"{cid} {col}", diff < tol, f"max diff {diff} > {tol}")
        # The band: each row's edges and their means within the Monte-Carlo error of both sides' draws.
        band = band_problems([ours["yhat_lower"][str(i)] for i in fc.index], [ours["yhat_upper"][str(i)] for i in fc.index],
                             fc["yhat_lower"], fc["yhat_upper"], m.interval_width, m.uncertainty_samples)
        check(f"{cid} yhat_lower/yhat_upper", not band, "; ".join(band))
        check(f"{cid} columns", list(fc.columns) == list(ours.keys()), f"{list(fc.columns)} vs {list(ours.keys())}")
        check(f"{cid} index", [str(i) for i in fc.index] == list(ours["ds"].keys()))
        # The artifact's own code/inference.py serves it as the seed's endpoint would.
        served = Path(tmp) / f"{cid}.served"
        tarfile.open(artifact).extractall(served)
        spec = importlib.util.spec_from_file_location(f"inference_{cid}", served / "code" / "inference.py")
        handler = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(handler)
        model = handler.model_fn(str(served))
        body = handler.output_fn(handler.predict_fn(handler.input_fn(json.dumps({"period": period}), "application/json"),
                                                    model), "application/json")
        answer = json.loads(json.loads(body))
        diff = max(abs(answer["yhat"][k] - ours["yhat"][k]) for k in ours["yhat"])
        check(f"{cid} code/inference.py", list(answer["ds"]) == list(ours["ds"]) and diff < tol, f"yhat diff {diff}")
        # Python writes it back and the result loads in gridcast again.
        again = Path(tmp) / f"{cid}.again.json"
        again.write_text(model_to_json(m))
        back = subprocess.run([gridcast, "forecast", "--model", str(again), "--period", str(period), "--seed", "1"],
                              capture_output=True)
        check(f"{cid} python re-save loads", back.returncode == 0 and json.loads(back.stdout) == ours,
              back.stderr.decode()[:300])
        cases += 1

# The rest of Prophet (prophet-ext beside prophet/): models gridcast fits with holidays, country
# holidays, regressors, conditions, cap/floor columns, missing values and calendar frequencies load
# in Python and predict Python's future rows as gridcast does; Python re-saves them and gridcast
# forecasts the same again. Python's own MCMC model forecasts the same in both.
ext = fixtures.parent / "prophet-ext"
if (ext / "expected").is_dir():
    import pandas as pd
    import tarfile

    def compare(cid, ours, fc, m, what):
        tol = 1e-6 * m.y_scale
        check(f"{cid} {what} columns", ["ds"] + list(fc.columns.drop("ds")) == list(ours.keys()),
              f"{list(fc.columns)} vs {list(ours.keys())}")
        for col in fc.columns:
            if col == "ds" or col.startswith("yhat_") or col.startswith("trend_"):
                continue
            mine = np.array([ours[col][str(i)] for i in fc.index], dtype=float)
            diff = float(np.max(np.abs(fc[col].to_numpy(dtype=float) - mine)))
            check(f"{cid} {what} {col}", diff < tol, f"max diff {diff} > {tol}")
        draws = len(np.atleast_1d(m.params["k"]).reshape(-1)) if m.mcmc_samples else 1
        samples = -(-m.uncertainty_samples // draws) * draws
        band = band_problems([ours["yhat_lower"][str(i)] for i in fc.index],
                             [ours["yhat_upper"][str(i)] for i in fc.index],
                             fc["yhat_lower"], fc["yhat_upper"], m.interval_width, samples)
        check(f"{cid} {what} yhat_lower/yhat_upper", not band, "; ".join(band))

    with tempfile.TemporaryDirectory() as tmp:
        for expected_path in sorted((ext / "expected").glob("*.json")):
            cid = json.loads(expected_path.read_text())["id"]
            future_csv = ext / "future" / f"{cid}.csv"
            future = pd.read_csv(future_csv)
            if cid == "mcmc_small":
                model_json = tarfile.open(ext / "models" / f"{cid}.tar.gz").extractfile("model.json").read().decode()
                path = Path(tmp) / f"{cid}.json"
                path.write_text(model_json)
            else:
                path = Path(tmp) / f"{cid}.tar.gz"
                subprocess.run([gridcast, "fit", "--data", str(ext / "data" / f"{cid}.csv"), "--config",
                                str(ext / "config" / f"{cid}.json"), "--out", str(path)], check=True, capture_output=True)
                model_json = tarfile.open(path).extractfile("model.json").read().decode()
            ours = json.loads(subprocess.run([gridcast, "forecast", "--model", str(path), "--future", str(future_csv),
                                              "--seed", "1"], check=True, capture_output=True).stdout)
            m = model_from_json(model_json)
            np.random.seed(1)
            compare(cid, ours, m.predict(future), m, "predict")
            again = Path(tmp) / f"{cid}.again.json"
            again.write_text(model_to_json(m))
            back = subprocess.run([gridcast, "forecast", "--model", str(again), "--future", str(future_csv),
                                   "--seed", "1"], capture_output=True)
            check(f"{cid} python re-save loads", back.returncode == 0 and json.loads(back.stdout) == ours,
                  back.stderr.decode()[:300])
            cases += 1

if cases == 0:
    check(f"reference cases in {fixtures / 'expected'}", False, "none found: the round trip compared nothing")

print(f"{cases} cases: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
