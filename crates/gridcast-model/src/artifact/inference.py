"""SageMaker inference handler shipped in every gridcast artifact (code/inference.py).

It lets the seed's Python multi-model endpoint serve gridcast artifacts unchanged:
the model is Python Prophet's model_to_json document, the request is
{"period": N}, and the answer is the last N rows of predict() as
DataFrame.to_json(), JSON-encoded once more the way the seed's endpoint answers.
"""
import json
import os

from prophet.serialize import model_from_json


def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return model_from_json(f.read())


def input_fn(request_body, request_content_type):
    if request_content_type != "application/json":
        raise ValueError(f"unsupported content type {request_content_type!r}; send application/json")
    body = json.loads(request_body)
    if isinstance(body, str):  # the SageMaker SDK's JSONSerializer given a string
        body = json.loads(body)
    period = int(body["period"])
    if not 1 <= period <= 3650:
        raise ValueError(f"period {period} is outside 1..3650")
    return period


def predict_fn(period, model):
    # The history's most common step (gridcast's rule), so hourly models work too.
    step = model.history_dates.diff().mode()[0]
    future = model.make_future_dataframe(periods=period, freq=step)
    if model.growth == "logistic":
        future["cap"] = model.history["cap"].iloc[-1]
        if model.logistic_floor:
            future["floor"] = model.history["floor"].iloc[-1]
    return model.predict(future)[-period:]


def output_fn(prediction, accept):
    if accept not in ("application/json", "*/*"):
        raise ValueError(f"unsupported accept type {accept!r}; use application/json")
    return json.dumps(prediction.to_json())
