#!/usr/bin/env python3
"""A household sub-meter with idle days: 300 daily readings, weekly cycle,
zero on idle days (about one in six, and two idle weeks). Writes
idle_meter.csv (ds,y) and idle_meter.json (Prophet's arguments) here."""
import json, math, random
from datetime import date, timedelta
from pathlib import Path
here = Path(__file__).parent
rng = random.Random(14)
rows = []
for d in range(300):
    day = date(2022, 1, 1) + timedelta(days=d)
    idle = rng.random() < 0.16 or 150 <= d < 164
    y = 0.0 if idle else round(6.0 + 2.5 * math.sin(2 * math.pi * d / 7) + rng.gauss(0, 0.8), 3)
    rows.append(f"{day.isoformat()},{max(y, 0.0)}")
(here / "idle_meter.csv").write_text("ds,y\n" + "\n".join(rows) + "\n")
(here / "idle_meter.json").write_text(json.dumps({"yearly_seasonality": False}) + "\n")
