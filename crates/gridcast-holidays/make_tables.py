"""Writes gridcast-holidays' tables from PyPI's `holidays` package.

Python Prophet's `add_country_holidays(country)` takes its holidays from the
`holidays` package (prophet/make_holidays.py); this script records exactly what
that code gets, so the Rust crate answers the same without Python:

- data/<CC>.bin: one country's table (format in src/table.rs): for every year
  of YEARS, the rows `make_holidays_df([year], CC)` has, in its order;
- src/countries.rs: the supported countries, their aliases (every name
  `getattr(holidays, name)` accepts for them), YEARS and the package version;
- tests/python_cases.json: Prophet's own `make_holidays_df` on sample year
  lists and `get_holiday_names`, which tests/python.rs compares the crate with,
  plus CPython's order for sets of years (Prophet passes `list(set)`).

Regenerate (pinned: holidays 0.109, prophet 1.5.0, the versions the fixtures
were made with) from the repository root:

    make deps-python
    ~/.cache/gridcast/prophet-venv/bin/python crates/gridcast-holidays/make_tables.py
"""
import json
import os
import struct
import sys

import holidays
import numpy as np
from holidays import registry
from prophet.make_holidays import (
    get_country_holidays_class,
    get_holiday_names,
    make_holidays_df,
)

HOLIDAYS_VERSION = "0.109"
COUNTRIES = (
    "AT AU BE BR CA CH CZ DE DK ES FI FR GB IE IN IT JP LU MX NL NO NZ PL PT SE US ZA"
).split()
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAGIC = b"GCHOL"
FORMAT_VERSION = 1

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(n):
    """Unsigned LEB128."""
    assert n >= 0
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def text(s):
    raw = s.encode("utf-8")
    return varint(len(raw)) + raw


def year_rows(cls, year):
    """The (date, name) rows of make_holidays_df([year], country), in order."""
    h = cls(expand=False, language="en_US", subdiv=None, years=[year])
    rows = []
    for date in h:
        assert date.year == year, (cls, year, date)  # no year spills into another
        for name in h.get_list(date):
            rows.append((date, name))
    return rows


def aliases(code):
    for names in registry.COUNTRIES.values():
        if code in names:
            return [n for n in names if hasattr(holidays, n)]
    raise SystemExit(f"{code} is not in holidays' registry")


def encode(code, years):
    """One country's blob: header, name table, then per year (day, name) rows."""
    names = []
    index = {}
    for rows in years:
        for _, name in rows:
            if name not in index:
                index[name] = len(names)
                names.append(name)
    out = bytearray(MAGIC)
    out += bytes([FORMAT_VERSION])
    out += text(code) + text(HOLIDAYS_VERSION)
    out += struct.pack("<HH", FIRST_YEAR, len(years))
    out += varint(len(names))
    for name in names:
        out += text(name)
    for year, rows in zip(range(FIRST_YEAR, LAST_YEAR + 1), years):
        out += varint(len(rows))
        jan1 = np.datetime64(f"{year}-01-01")
        for date, name in rows:
            day = int((np.datetime64(date) - jan1).astype(int))
            out += varint(day) + varint(index[name])
    return bytes(out)


def holidays_year_order(years):
    """The order holidays populates `years` in: `HolidayBase.__init__` sets
    `self.years = _normalize_arguments(int, years)` (a set built from the list)
    and `__setattr__` normalizes that set once more (a set built from the set),
    so CPython's set order applies twice."""
    return list({int(v) for v in {int(v) for v in years}})


def check_multi_year(cls, code, per_year):
    """make_holidays_df over several years is the per-year rows in
    holidays_year_order."""
    for years in ([2014, 2015, 2016, 2017, 2018, 2019, 2020], [2000, 2008, 2016, 2024],
                  [1950, 1975, 1990], list(range(1995, 2045))):
        df = make_holidays_df(years, code)
        got = [(d.date(), n) for d, n in zip(df.ds, df.holiday)]
        want = [row for y in holidays_year_order(years) for row in per_year[y - FIRST_YEAR]]
        assert got == want, (code, years)


def python_cases(code):
    """Prophet's own answers on sample year lists, for tests/python.rs."""
    cases = []
    for years in ([2014, 2015, 2016, 2017, 2018, 2019, 2020], [2000, 2008, 2016, 2024],
                  [1900, 1901], [2099, 2100], [1950, 1975, 1990], [2030, 2050, 2080],
                  [2025, 2021, 2023]):
        df = make_holidays_df(years, code)
        rows = [[str(d.date()), n] for d, n in zip(df.ds, df.holiday)]
        cases.append({"years": years, "rows": rows})
    return {"names": sorted(get_holiday_names(code)), "cases": cases}


def year_order_cases():
    """`list({y for y in years})` in CPython, for the crate's set emulation, and
    the order a holidays object populates those years in."""
    sequences = [
        [2021, 2022], [2022, 2023, 2024], list(range(2014, 2021)), list(range(1995, 2045)),
        list(range(1900, 2101)), [2000, 2008, 2016, 2024], [2024, 2016, 2008, 2000],
        [2023, 2021, 2022, 2021, 2023], [2001, 2009, 2017, 2025, 2033, 2041],
        [1950, 1975, 1990], [1990, 1975, 1950],
        [1990, 2000, 2010, 2020, 2030, 2040, 2050, 2060, 2070, 2080],
        list(range(2000, 2101, 4)) + list(range(2001, 2101, 4)), [2100, 1900, 2000],
    ]
    return [{"insert": s, "order": list({int(v) for v in s}),
             "holidays_order": list(holidays.US(expand=False, years=s).years)}
            for s in sequences]


def prophet_frames():
    """Prophet's own `construct_holiday_dataframe(ds)` (country holidays only),
    the whole path from a fit's or forecast's dates to the frame."""
    import pandas as pd
    from prophet import Prophet

    out = []
    for code, ds in [("DE", pd.date_range("2021-01-01", "2022-12-31", freq="D")),
                     ("US", pd.date_range("2022-06-01", "2024-03-01", freq="W-SUN")),
                     ("GB", pd.DatetimeIndex(["1990-06-01", "1950-03-01", "1975-01-01"])),
                     ("FR", pd.date_range("1998-01-01", periods=40, freq="AS"))]:
        m = Prophet()
        m.add_country_holidays(code)
        df = m.construct_holiday_dataframe(pd.Series(ds))
        out.append({"country": code, "ds": [int(t.value // 10**9) for t in ds],
                    "rows": [[str(d.date()), n] for d, n in zip(df.ds, df.holiday)]})
    return out


def rust_countries():
    lines = [
        "// Generated by make_tables.py from holidays " + HOLIDAYS_VERSION + ": do not edit.",
        "",
        "/// The `holidays` release the tables were generated from.",
        f'pub const HOLIDAYS_VERSION: &str = "{HOLIDAYS_VERSION}";',
        "",
        "/// The years every table covers.",
        f"pub const YEARS: std::ops::RangeInclusive<i32> = {FIRST_YEAR}..={LAST_YEAR};",
        "",
        "/// The supported countries' ISO 3166-1 alpha-2 codes, sorted.",
        "pub(crate) const CODES: &[&str] = &[" + ", ".join(f'"{c}"' for c in COUNTRIES) + "];",
        "",
        "/// Every name `getattr(holidays, name)` resolves to a supported country,",
        "/// with its code: the class name, alpha-2 and alpha-3 codes (and `UK`).",
        "pub(crate) const ALIASES: &[(&str, &str)] = &[",
    ]
    pairs = sorted((alias, code) for code in COUNTRIES for alias in aliases(code))
    lines += [f'    ("{a}", "{c}"),' for a, c in pairs]
    lines += ["];", "", "/// The embedded tables, one blob per code in `CODES`' order.",
              '#[cfg(feature = "embedded")]',
              "pub(crate) const BLOBS: &[&[u8]] = &["]
    lines += [f'    include_bytes!("../data/{c}.bin"),' for c in COUNTRIES]
    lines += ["];", ""]
    return "\n".join(lines)


def main():
    assert holidays.__version__ == HOLIDAYS_VERSION, holidays.__version__
    assert COUNTRIES == sorted(COUNTRIES)
    import warnings
    warnings.simplefilter("ignore")  # lunar calendars warn outside their years
    cases = {}
    sizes = []
    for code in COUNTRIES:
        cls = get_country_holidays_class(code)
        per_year = [year_rows(cls, y) for y in range(FIRST_YEAR, LAST_YEAR + 1)]
        for alias in aliases(code):  # every alias answers the same
            other = get_country_holidays_class(alias)
            assert year_rows(other, 2024) == per_year[2024 - FIRST_YEAR], alias
        check_multi_year(cls, code, per_year)
        blob = encode(code, per_year)
        with open(os.path.join(HERE, "data", f"{code}.bin"), "wb") as f:
            f.write(blob)
        sizes.append((code, len(blob)))
        cases[code] = python_cases(code)
    with open(os.path.join(HERE, "src", "countries.rs"), "w") as f:
        f.write(rust_countries())
    doc = {
        "holidays": holidays.__version__,
        "python": sys.version.split()[0],
        "year_orders": year_order_cases(),
        "prophet_frames": prophet_frames(),
        "countries": cases,
    }
    with open(os.path.join(HERE, "tests", "python_cases.json"), "w") as f:
        f.write("{\n")
        f.write(f' "holidays": {json.dumps(doc["holidays"])},\n')
        f.write(f' "python": {json.dumps(doc["python"])},\n')
        for key in ("year_orders", "prophet_frames"):
            rows = ",\n  ".join(json.dumps(c, ensure_ascii=False) for c in doc[key])
            f.write(f' "{key}": [\n  {rows}\n ],\n')
        f.write(' "countries": {\n')
        f.write(",\n".join(f"  {json.dumps(c)}: {json.dumps(v, ensure_ascii=False)}"
                           for c, v in cases.items()))
        f.write("\n }\n}\n")
    for code, size in sizes:
        print(f"{code} {size}", file=sys.stderr)
    print(f"total {sum(s for _, s in sizes)}", file=sys.stderr)


if __name__ == "__main__":
    main()
