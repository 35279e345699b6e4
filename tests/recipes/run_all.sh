#!/bin/sh
# Prophet's documentation recipes as parity cases (issue 12), outside CI: Python Prophet makes
# each case (make_recipes.py, laid out as ../shared/fixtures/prophet-ext), then compare.py checks
# gridcast's forecast from Python's model.json and gridcast's own fit against Python, and
# refit_tight.py refits in Stan (Newton, and warm-started from gridcast's parameters) where a
# fit differs. Usage: tests/recipes/run_all.sh (after `make deps-python` and `cargo build -p gridcast`)
set -e
cd "$(dirname "$0")"
PY=${PY:-$HOME/.cache/gridcast/prophet-venv/bin/python}
GC=${GC:-../../target/debug/gridcast}
OUT=${OUT:-../../target/recipes}
nice -n 10 $PY make_recipes.py $OUT/docs 2026 a_playoffs_superbowl b_monthly_fourier c_changepoints c2_changepoint_range d_mult_additive_regressor e_logistic_floor f_country_gb
nice -n 10 $PY make_recipes.py $OUT/extra 2026 g_holidays_prior_interval h_no_uncertainty
nice -n 10 $PY compare.py $GC $OUT/docs
nice -n 10 $PY compare.py $GC $OUT/extra
nice -n 10 $PY compare_period.py $GC $OUT/docs a_playoffs_superbowl:60 b_monthly_fourier:90 c_changepoints:30 c2_changepoint_range:30 f_country_gb:60 e_logistic_floor:60 d_mult_additive_regressor:30
nice -n 10 $PY refit_tight.py $OUT/docs d_mult_additive_regressor f_country_gb a_playoffs_superbowl
nice -n 10 $PY refit_tight.py $OUT/extra g_holidays_prior_interval
