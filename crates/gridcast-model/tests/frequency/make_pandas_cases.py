"""Writes pandas_cases.json: pandas' own answers for calendar frequencies.

gridcast's `frequency` module (crates/gridcast-model/src/frequency.rs) must
give exactly these answers; tests/frequency.rs reads the JSON. Regenerate with
the pinned Python Prophet venv (pandas 2.0.3, what Prophet 1.5 runs on here):

    ~/.cache/gridcast/prophet-venv/bin/python \
        crates/gridcast-model/tests/frequency/make_pandas_cases.py \
        > crates/gridcast-model/tests/frequency/pandas_cases.json

Three kinds of case, timestamps as whole seconds since the epoch (naive):

- "aliases": `to_offset(alias).freqstr`, or null when pandas rejects the alias;
- "future": Prophet 1.5's `make_future_dataframe(periods, freq,
  include_history=False)` from a last history date: `pd.date_range(start=last,
  periods=periods + 1, freq=freq)`, kept where > last, first `periods`;
- "infer": `pd.infer_freq(dates)`, null when pandas infers nothing, or the
  error pandas raises ("ValueError" for fewer than three dates).
"""
import json
import sys

import numpy as np
import pandas as pd

ALIASES = [
    "D", "d", "3D", "H", "h", "2h", "2H", "T", "min", "Min", "5min", "15min", "30min",
    "90min", "15T", "S", "s", "30S", "W", "w", "2W", "W-SUN", "W-MON", "W-Tue", "W-WED",
    "W-THU", "W-FRI", "W-SAT", "2W-WED", "MS", "2MS", "M", "m", "3M", "ME", "QS",
    "QS-JAN", "QS-FEB", "QS-DEC", "Q", "Q-DEC", "Q-JAN", "Q-NOV", "2Q", "QE", "QE-DEC",
    "YS", "AS", "AS-JAN", "AS-JUL", "YS-JUL", "2YS", "Y", "A", "A-DEC", "A-JUN", "YE",
    "YE-JUN", "Y-JUN", "3A", "B", "5B", "b", "BMS", "BM", "BME", "BQS", "BQS-FEB", "BQ",
    "BQ-NOV", "BAS", "BYS", "BA", "BY", "BA-JUN", "WOM-1MON", "WOM-3FRI", "wom-4sun",
    "2WOM-2TUE", "1D", "01D", "+2D", "24H", "60min", "0D", "-1D", "1.5H", "BH", "C",
    "SM", "L", "ms", "U", "us", "N", "ns", "CBMS", "WOM-5MON", "W-XYZ", "Q-FOO", "", "D2",
    "1D1H", " D", "DD", "5 min",
]

STARTS = [
    "2022-01-01", "2022-01-15 13:30", "2022-01-31", "2022-02-28", "2024-02-28",
    "2024-02-29", "2023-03-31", "2023-06-30 23:00", "2023-12-29", "2023-12-31",
    "2023-07-01", "2023-07-03", "2021-10-02 06:15:30", "1999-12-31 23:59:59",
    "2030-05-05", "1970-01-01", "1965-03-01 12:00",
]

FREQS = [
    "D", "3D", "H", "2H", "T", "5T", "15T", "30T", "90T", "S", "30S",
    "W", "W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI", "W-SAT", "2W-WED",
    "MS", "2MS", "M", "3M", "QS", "QS-FEB", "QS-MAR", "QS-DEC", "Q", "Q-JAN",
    "Q-FEB", "Q-NOV", "2Q", "AS", "AS-JUL", "2AS", "A", "A-JUN", "A-FEB", "3A",
    "B", "5B", "BMS", "BM", "2BM", "BQS", "BQS-FEB", "BQ", "BQ-NOV", "BAS",
    "BAS-JUL", "BA", "BA-JUN", "WOM-1MON", "WOM-2TUE", "WOM-3FRI", "WOM-4SUN",
    "2WOM-1WED",
]


def secs(values):
    return [int(pd.Timestamp(v).value // 10**9) for v in values]


def alias_cases():
    out = []
    for alias in ALIASES:
        try:
            freqstr = pd.tseries.frequencies.to_offset(alias).freqstr
        except Exception:  # pandas rejects it
            freqstr = None
        out.append({"alias": alias, "pandas": freqstr})
    return out


def prophet_future(last, periods, freq):
    """Prophet 1.5's make_future_dataframe without the history."""
    dates = pd.date_range(start=last, periods=periods + 1, freq=freq)
    dates = dates[dates > last]
    return dates[:periods]


def future_cases():
    out = []
    for start in STARTS:
        last = pd.Timestamp(start)
        for freq in FREQS:
            for periods in ([12] if start != STARTS[0] else [0, 1, 12]):
                dates = prophet_future(last, periods, freq)
                out.append({"last": secs([last])[0], "freq": freq, "periods": periods,
                            "dates": secs(dates)})
    return out


def infer(dates):
    try:
        return pd.infer_freq(pd.DatetimeIndex(dates))
    except ValueError:
        return "ValueError"


def infer_cases():
    out = []

    def case(note, dates):
        dates = list(dates)
        out.append({"note": note, "dates": secs(dates), "pandas": infer(dates)})

    # Regular series of every frequency, whole and as Prophet's tail(5).
    for start in STARTS[::3]:
        for freq in FREQS:
            idx = pd.date_range(start, periods=10, freq=freq)
            case(f"{freq} from {start}", idx)
            case(f"{freq} from {start}, tail(5)", idx[-5:])
    rng = np.random.default_rng(2026)
    # Regular series with a gap, a duplicate, out of order, decreasing.
    for freq in ["D", "H", "MS", "M", "W-SUN", "B", "QS", "A", "15T"]:
        idx = list(pd.date_range("2021-03-10", periods=8, freq=freq))
        case(f"{freq} with a gap", idx[:3] + idx[4:])
        case(f"{freq} with a duplicate", idx[:4] + idx[3:])
        shuffled = list(idx)
        shuffled[2], shuffled[5] = shuffled[5], shuffled[2]
        case(f"{freq} out of order", shuffled)
        case(f"{freq} decreasing", idx[::-1])
    # Random picks from daily and hourly series: mostly nothing to infer.
    for i in range(40):
        base = pd.date_range("2020-01-01", periods=60, freq="D" if i % 2 else "H")
        pick = sorted(rng.choice(len(base), size=3 + i % 4, replace=False))
        case(f"random subset {i}", base[pick])
    # Too few dates, and the smallest inferable sets.
    case("one date", pd.date_range("2022-01-01", periods=1))
    case("two dates", pd.date_range("2022-01-01", periods=2))
    case("three dates", pd.date_range("2022-01-01", periods=3))
    # Business days across a weekend; business hours across nights and weekends.
    case("business days", pd.date_range("2023-03-01", periods=12, freq="B"))
    case("business days with a holiday", [d for d in pd.date_range("2023-03-01", periods=12, freq="B")
                                          if d.day != 7])
    case("business hours", pd.date_range("2023-03-02 09:00", periods=20, freq="BH"))
    case("business hours over a weekend", pd.date_range("2023-03-03 09:00", periods=20, freq="BH"))
    # Month positions: Mondays on the 2nd/3rd (business start), Fridays near the end.
    case("business month starts", pd.date_range("2019-01-01", periods=24, freq="BMS"))
    case("business month ends", pd.date_range("2019-01-01", periods=24, freq="BM"))
    case("month starts and business starts", ["2022-01-03", "2022-02-01", "2022-03-01",
                                              "2022-04-01"])
    case("Monday the 4th", ["2021-12-01", "2022-01-01", "2022-02-01", "2022-04-04"])
    case("Friday two days before the end", ["2022-01-31", "2022-02-28", "2022-03-31",
                                            "2022-04-28"])
    case("Friday three days before the end", ["2022-05-31", "2022-06-30", "2022-07-28"])
    case("mid-month monthly", pd.date_range("2021-01-15", periods=8, freq="MS")
         + pd.Timedelta(days=14))
    case("quarter starts from October", pd.date_range("2019-10-01", periods=9, freq="QS-OCT"))
    case("quarterly mid-month", ["2022-01-15", "2022-04-15", "2022-07-15", "2022-10-15"])
    case("yearly mid-year", ["2019-06-15", "2020-06-15", "2021-06-15"])
    case("years with a gap", ["2017-01-01", "2018-01-01", "2020-01-01", "2021-01-01"])
    case("two-year month ends", ["2016-02-29", "2018-02-28", "2020-02-29"])
    case("weekly, time of day", pd.date_range("2022-03-06 18:00", periods=6, freq="W-SUN"))
    case("daily at noon", pd.date_range("2022-03-06 12:00", periods=6, freq="D"))
    case("daily with a DST-like hour", ["2022-03-26", "2022-03-27", "2022-03-27 23:00",
                                        "2022-03-28 23:00"])
    case("hourly and a day", ["2022-01-01 00:00", "2022-01-01 01:00", "2022-01-02 01:00"])
    case("mixed minutes", ["2022-01-01 00:00", "2022-01-01 00:05", "2022-01-01 00:15"])
    case("seconds", pd.date_range("2022-01-01", periods=5, freq="7S"))
    case("weekly Mondays first of month", ["2022-08-01", "2022-08-08", "2022-08-15"])
    case("first Mondays", ["2022-08-01", "2022-09-05", "2022-10-03", "2022-11-07"])
    case("fifth week", ["2022-08-29", "2022-10-31", "2023-01-30"])
    return out


def main():
    doc = {
        "pandas": pd.__version__,
        "aliases": alias_cases(),
        "future": future_cases(),
        "infer": infer_cases(),
    }
    out = sys.stdout
    out.write("{\n")
    out.write(f' "pandas": {json.dumps(doc["pandas"])},\n')
    for i, key in enumerate(["aliases", "future", "infer"]):
        out.write(f' "{key}": [\n')
        rows = doc[key]
        for j, row in enumerate(rows):
            out.write("  " + json.dumps(row) + (",\n" if j + 1 < len(rows) else "\n"))
        out.write(" ]" + (",\n" if i < 2 else "\n"))
    out.write("}\n")


if __name__ == "__main__":
    main()
