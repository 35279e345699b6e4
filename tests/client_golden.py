"""The client's golden files (crates/gridcast-client/tests/data), which the
native and browser builds must reproduce, checked against code we did not
write: botocore's SigV4 signer makes the same Authorization headers from the
same inputs, and Python Prophet's predict on the same model.json gives the
same days and yhat (to 1e-6 of y_scale) and the same band (within the
Monte-Carlo error of both sides' 1,000 draws).

Usage: python tests/client_golden.py FIXTURES_DIR
"""
import datetime
import json
import sys
import tarfile
from pathlib import Path
from unittest import mock

import numpy as np
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from monte_carlo import band_problems
from prophet.serialize import model_from_json

fixtures = Path(sys.argv[1])
golden = Path(__file__).resolve().parent.parent / "crates" / "gridcast-client" / "tests" / "data"
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f" {detail}"))


def botocore_authorization(signing, request):
    """botocore's Authorization for `request`, signed at the golden time."""
    headers = {n: v for n, v in request["headers"] if n not in ("authorization", "x-amz-date", "x-amz-security-token")}
    aws = AWSRequest(method=request["method"], url=request["url"], data=request["body"].encode(), headers=headers)
    credentials = Credentials(signing["access_key_id"], signing["secret_access_key"], signing["session_token"])
    at = datetime.datetime.fromtimestamp(signing["time"], datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=at):
        SigV4Auth(credentials, signing["service"], signing["region"]).add_auth(aws)
    return aws.headers["Authorization"]


signed = json.loads((golden / "signed-requests.json").read_text())
for which in ("invocation", "download"):
    request = signed[which]
    ours = dict(request["headers"])["authorization"]
    theirs = botocore_authorization(signed["signing"], request)
    check(f"{which}: botocore signs it the same", ours == theirs, f"\n  ours     {ours}\n  botocore {theirs}")

forecast_files = sorted(golden.glob("forecast-*.json"))
check("golden forecasts found", len(forecast_files) > 0, f"none in {golden}")
for path in forecast_files:
    # forecast-<fixture>-<periods>-seed<seed>.json
    fixture, periods, _ = path.stem.removeprefix("forecast-").rsplit("-", 2)
    ours = json.loads(path.read_text())
    model_json = tarfile.open(fixtures / "models" / f"{fixture}.tar.gz").extractfile("model.json").read().decode()
    m = model_from_json(model_json)
    np.random.seed(1)
    fc = m.predict(m.make_future_dataframe(periods=int(periods), include_history=False))
    days = [int(d.timestamp()) for d in fc["ds"]]
    check(f"{path.name}: Python's days", days == ours["ds"], f"{days} vs {ours['ds']}")
    gap = float(np.max(np.abs(fc["yhat"].to_numpy() - np.array(ours["yhat"]))))
    check(f"{path.name}: Python's yhat", gap < 1e-6 * m.y_scale, f"max diff {gap}")
    band = band_problems(ours["yhat_lower"], ours["yhat_upper"], fc["yhat_lower"], fc["yhat_upper"],
                         m.interval_width, m.uncertainty_samples)
    check(f"{path.name}: Python's band", not band, "; ".join(band))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
