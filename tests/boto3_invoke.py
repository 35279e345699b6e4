"""boto3 — a client nobody here wrote — against `gridcast serve`.

Starts the server on a free port with a fixture model as 42.tar.gz, then calls
sagemaker-runtime invoke_endpoint unchanged (endpoint_url pointed at us), the
double-encoded body the SageMaker Python SDK's JSONSerializer sends given a
string, and two failures that boto3 must surface with SageMaker's error codes;
then a model Python Prophet fitted with regressors (prophet-ext's temp_regressor) invoked
with its future rows as pandas writes them (`to_json(orient="records")`, epoch-ms dates,
and the default `to_json()`), answering Python's own predict, and a body lacking a
regressor refused with a ValidationError naming it.

Usage: python tests/boto3_invoke.py GRIDCAST_BIN FIXTURES_DIR
"""
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
import pandas as pd
from botocore.config import Config
from botocore.exceptions import ClientError

gridcast, fixtures = sys.argv[1], Path(sys.argv[2])
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f" {detail}"))


with tempfile.TemporaryDirectory() as tmp:
    models = Path(tmp) / "models"
    models.mkdir()
    shutil.copy(fixtures / "models" / "seed_trend_only.tar.gz", models / "42.tar.gz")
    ext = fixtures.parent / "prophet-ext"
    shutil.copy(ext / "models" / "temp_regressor.tar.gz", models / "temp.tar.gz")
    auth = Path(tmp) / "auth.json"
    auth.write_text(json.dumps({"principals": [
        {"access_key_id": "AKIDADMIN", "secret_access_key": "admin-secret", "target_models": ["*"]},
        {"access_key_id": "AKIDC7", "secret_access_key": "c7-secret", "session_token": "c7-token",
         "target_models": ["7.tar.gz"]}]}))
    server = subprocess.Popen([gridcast, "serve", "--port", "0", "--models", str(models), "--auth", str(auth)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = server.stdout.readline().split()[-1]

        def client(key, secret, token=None):
            return boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                                aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                                config=Config(retries={"max_attempts": 1}))

        admin = client("AKIDADMIN", "admin-secret")
        r = admin.invoke_endpoint(EndpointName="gridcast", TargetModel="42.tar.gz", Body=b'{"period": 7}',
                                  ContentType="application/json")
        body = json.loads(r["Body"].read())
        check("invoke_endpoint answers 7 rows", list(body["ds"].keys()) == [str(i) for i in range(358, 365)], body)
        check("invoked variant", r["InvokedProductionVariant"] == "AllTraffic", r.get("InvokedProductionVariant"))
        check("content type", r["ContentType"] == "application/json", r["ContentType"])

        # What the SageMaker Python SDK sends when its JSONSerializer is given a string.
        r = admin.invoke_endpoint(EndpointName="gridcast", TargetModel="42.tar.gz",
                                  Body=json.dumps('{"period": 3}'), ContentType="application/json")
        inner = json.loads(r["Body"].read())
        check("double-encoded in, double-encoded out", isinstance(inner, str) and len(json.loads(inner)["yhat"]) == 3)

        for name, c, target, code in [
            ("missing model is a ValidationError", admin, "99.tar.gz", "ValidationError"),
            ("scoped credentials get AccessDeniedException", client("AKIDC7", "c7-secret", "c7-token"), "42.tar.gz",
             "AccessDeniedException"),
            ("wrong secret gets InvalidSignatureException", client("AKIDADMIN", "nope"), "42.tar.gz",
             "InvalidSignatureException"),
        ]:
            try:
                c.invoke_endpoint(EndpointName="gridcast", TargetModel=target, Body=b'{"period": 7}',
                                  ContentType="application/json")
                check(name, False, "no error")
            except ClientError as e:
                check(name, e.response["Error"]["Code"] == code, e.response["Error"])

        # Future regressor values, as pandas writes them; Python's predict is the answer.
        future = pd.read_csv(ext / "future" / "temp_regressor.csv", parse_dates=["ds"])
        expected = json.loads((ext / "expected" / "temp_regressor.json").read_text())
        for form, body in [("records", future.to_json(orient="records")), ("pandas' default", future.to_json())]:
            r = admin.invoke_endpoint(EndpointName="gridcast", TargetModel="temp.tar.gz",
                                      Body=json.dumps({"future": json.loads(body)}).encode(),
                                      ContentType="application/json")
            yhat = list(json.loads(r["Body"].read())["yhat"].values())
            worst = max(abs(a - b) / abs(b) for a, b in zip(yhat, expected["yhat"]))
            check(f"future rows ({form}) answer Python's predict", len(yhat) == len(future) and worst < 1e-6, worst)
        try:
            lacking = future.drop(columns=["heating"]).to_json(orient="records")
            admin.invoke_endpoint(EndpointName="gridcast", TargetModel="temp.tar.gz",
                                  Body=('{"future": %s}' % lacking).encode(), ContentType="application/json")
            check("a body lacking a regressor is refused", False, "no error")
        except ClientError as e:
            error = e.response["Error"]
            check("a body lacking a regressor is a ValidationError naming it",
                  error["Code"] == "ValidationError" and "heating" in error["Message"], error)
    finally:
        server.terminate()
        server.wait()

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
