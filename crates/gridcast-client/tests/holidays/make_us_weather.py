"""Python Prophet's answer for a model like the weather preset's: a temperature regressor, a
weekly cycle and US holidays (add_country_holidays("US")), history to 2023-12-20, forecast over
Christmas and New Year's. Writes, beside this script:

  us_weather.tar.gz   the artifact (model.json from model_to_json, as the seed's layout)
  us_weather.json     {"future": {"ds": [...], "temperature": [...]}, "yhat": [...]} for the 30
                      days after the history (Python's predict on those rows)

Run in the Prophet venv (`make deps-python`): ~/.cache/gridcast/prophet-venv/bin/python make_us_weather.py
"""
import io, json, math, os, tarfile

import numpy as np
import pandas as pd
from prophet import Prophet
from prophet.serialize import model_to_json

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(13)

ds = pd.date_range("2022-01-01", "2024-01-19", freq="D")
d = (ds - pd.Timestamp("1970-01-01")).days.values
t = np.round(11 - 9 * np.cos(2 * math.pi * (d - 15) / 365.25) + 2.5 * rng.standard_normal(len(d)), 2)
y = 600 + 14 * np.maximum(0, 15 - t) + 20 * np.maximum(0, t - 22)
y = y * (1 + 0.05 * np.sin(2 * math.pi * d / 7 + 1.0))
holiday = ds.isin(pd.to_datetime(["2022-07-04", "2022-11-24", "2022-12-25", "2022-12-26", "2023-01-01",
                                  "2023-01-02", "2023-07-04", "2023-11-23", "2023-12-25", "2024-01-01"]))
y = np.round(y * np.where(holiday, 0.8, 1.0) * (1 + 0.02 * rng.standard_normal(len(d))), 4)
df = pd.DataFrame({"ds": ds, "y": y, "temperature": t})
train, future = df.iloc[:-30], df.iloc[-30:].drop(columns="y")

m = Prophet(yearly_seasonality=False, daily_seasonality=False)
m.add_regressor("temperature")
m.add_country_holidays(country_name="US")
m.fit(train)
forecast = m.predict(future)

mj = model_to_json(m).encode()
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    for name, data in (("model.json", mj), ("code/requirements.txt", b"prophet==1.5.0\n")):
        info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
open(os.path.join(HERE, "us_weather.tar.gz"), "wb").write(buf.getvalue())
json.dump({"future": {"ds": [x.strftime("%Y-%m-%d") for x in future.ds], "temperature": future.temperature.tolist()},
           "yhat": forecast.yhat.tolist(),
           "holidays": forecast.holidays.tolist()},
          open(os.path.join(HERE, "us_weather.json"), "w"), indent=1)
print("trained through", train.ds.iloc[-1].date(), "holiday effect", [round(h, 1) for h in forecast.holidays if h])
