#!/bin/sh
# Python Prophet 1.5's cross_validation and performance_metrics on more cases than
# ../shared/fixtures/prophet-ext/cv has, with that folder's make_cv.py, into python_cv/.
# Usage (from the repository root, after `make deps-python`):
#   sh crates/gridcast-model/tests/diagnostics/make_python_cv.sh
set -eu
here=crates/gridcast-model/tests/diagnostics
ext=../shared/fixtures/prophet-ext
py=${PY:-$HOME/.cache/gridcast/prophet-venv/bin/python}
"$py" "$here/make_idle_meter.py"
"$py" "$ext/make_cv.py" "$here/python_cv" \
  holidays_country "$ext/data/holidays_country.csv" "$ext/config/holidays_country.json" "180 days" "60 days" "30 days" \
  conditional_winter "$ext/data/conditional_winter.csv" "$ext/config/conditional_winter.json" "400 days" "60 days" "21 days" \
  logistic_columns "$ext/data/logistic_columns.csv" "$ext/config/logistic_columns.json" "300 days" "45 days" "30 days" \
  hourly_temp "$ext/data/hourly_temp.csv" "$ext/config/hourly_temp.json" "28 days" "5 days" "2 days" \
  weekly_sunday "$ext/data/weekly_sunday.csv" "$ext/config/weekly_sunday.json" "730 days" "180 days" "91 days" \
  monthly_start "$ext/data/monthly_start.csv" "$ext/config/monthly_start.json" "1825 days" "180 days" "365 days" \
  idle_meter "$here/idle_meter.csv" "$here/idle_meter.json" "120 days" "14 days" "14 days" \
  2>&1 | grep -v 'Importing plotly failed'
