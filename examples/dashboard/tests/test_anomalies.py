"""Anomaly detection: hand-made series with known answers, any-input robustness and a small
evaluation on panel households with injected anomalies."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st
from zoneinfo import ZoneInfo

from dashboard.analytics.anomalies import KINDS, Anomaly, Scan, Settings, scan

BERLIN = ZoneInfo("Europe/Berlin")
ZURICH = ZoneInfo("Europe/Zurich")
Q = 900


def local_ts(zone: ZoneInfo, y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> int:
    """Unix seconds of a local wall time (not ambiguous in these tests)."""
    return int(datetime(y, m, d, hh, mm, tzinfo=zone).timestamp())


def grid(start: int, days: int) -> np.ndarray:
    return start + Q * np.arange(days * 96, dtype=np.int64)


def watts_to_wh(w: np.ndarray) -> np.ndarray:
    return w * (Q / 3600.0)


def of_kind(s: Scan, kind: str) -> List[Anomaly]:
    return [a for a in s.anomalies if a.kind == kind]


def daily_pattern(times: np.ndarray, zone: ZoneInfo, base: float = 100.0) -> np.ndarray:
    """A deterministic household: ``base`` W, plus 1 kW from 07:00 to 07:30 and 18:00 to 19:00."""
    hours = np.array([datetime.fromtimestamp(int(t), timezone.utc).astimezone(zone).hour * 60
                      + datetime.fromtimestamp(int(t), timezone.utc).astimezone(zone).minute for t in times])
    w = np.full(len(times), base)
    w[(hours >= 7 * 60) & (hours < 7 * 60 + 30)] += 1000.0
    w[(hours >= 18 * 60) & (hours < 19 * 60)] += 1000.0
    return w


# --- spikes ----------------------------------------------------------------------------------


def test_flat_series_with_one_3kw_hour_gives_exactly_one_spike() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 70)
    w = np.full(len(t), 100.0)
    s0 = local_ts(BERLIN, 2021, 3, 3, 14)  # a Wednesday, week 9
    i = int((s0 - start) // Q)
    w[i:i + 4] = 3000.0
    res = scan(t, watts_to_wh(w), zone=BERLIN)
    spikes = of_kind(res, "spike")
    assert len(spikes) == 1
    sp = spikes[0]
    assert (sp.start, sp.end) == (s0, s0 + 3600)
    assert sp.value == pytest.approx(3000.0)
    assert sp.expected == pytest.approx(100.0)
    assert sp.unit == "W"
    assert sp.score == pytest.approx((3000.0 - 100.0) / 50.0)  # scale floored at min_scale_w
    assert "Wed 03 Mar 2021 from 14:00 to 15:00" in sp.message
    assert "3.0 kW" in sp.message
    assert sp.key == f"spike:{s0}"
    assert sp.details == {"template": "spike", "peak_w": pytest.approx(3000.0), "usual_w": pytest.approx(100.0),
                          "z": pytest.approx(58.0)}
    assert sp.to_json()["details"]["template"] == "spike"
    assert of_kind(res, "high_load") == [] and of_kind(res, "gap") == []


def test_no_alert_without_reference_in_the_first_weeks() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 10)
    w = np.full(len(t), 100.0)
    w[300:304] = 5000.0  # day 3: no reference yet
    res = scan(t, watts_to_wh(w), zone=BERLIN)
    assert of_kind(res, "spike") == []
    assert of_kind(res, "standby_increase") == []
    assert len(res.base_load) == 10
    assert res.base_load_change_w is None


def test_a_spike_in_the_weeks_reference_does_not_hide_a_later_one() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 70)
    w = daily_pattern(t, BERLIN)
    s0 = local_ts(BERLIN, 2021, 3, 2, 3)  # 03:00, usually 100 W
    i = int((s0 - start) // Q)
    w[i:i + 2] += 2000.0
    res = scan(t, watts_to_wh(w), zone=BERLIN)
    spikes = of_kind(res, "spike")
    assert [(a.start, a.end) for a in spikes] == [(s0, s0 + 1800)]
    # the daily cooking hours are the usual profile, never a spike
    assert spikes[0].value == pytest.approx(2100.0)


# --- standby ---------------------------------------------------------------------------------


def test_standby_step_from_80_to_130_w() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 90)
    w = daily_pattern(t, BERLIN, base=80.0)
    step_day = date(2021, 2, 23)
    s0 = local_ts(BERLIN, 2021, 2, 23)
    w[t >= s0] += 50.0
    res = scan(t, watts_to_wh(w), zone=BERLIN)
    inc = of_kind(res, "standby_increase")
    assert len(inc) == 1
    a = inc[0]
    assert a.start == s0
    assert a.value == pytest.approx(50.0, abs=1.0)
    assert a.expected == pytest.approx(80.0, abs=1.0)
    assert "rose by 50 W since 23 February 2021" in a.message
    by_day = {b.day: b.watts for b in res.base_load}
    assert len(by_day) == 90
    assert by_day[date(2021, 2, 22)] == pytest.approx(80.0)
    assert by_day[step_day] == pytest.approx(130.0)
    assert by_day[date(2021, 4, 3)] == pytest.approx(130.0)
    # last 30 days all at 130 W; the 30 before: 20 days at 80 W, 10 at 130 W
    assert res.base_load_change_w == pytest.approx(50.0)
    assert of_kind(res, "spike") == []


def test_standby_without_step_is_quiet() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 90)
    res = scan(t, watts_to_wh(daily_pattern(t, BERLIN, base=80.0)), zone=BERLIN)
    assert res.anomalies == []
    assert res.base_load_change_w == pytest.approx(0.0)


# --- high load, night --------------------------------------------------------------------------


def test_continuous_2_2_kw_for_6_hours_is_high_load() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 20)
    w = np.full(len(t), 100.0)
    s0 = local_ts(BERLIN, 2021, 1, 20, 9)
    i = int((s0 - start) // Q)
    w[i:i + 24] = 2200.0
    res = scan(t, watts_to_wh(w), zone=BERLIN)
    hl = of_kind(res, "high_load")
    assert len(hl) == 1
    a = hl[0]
    assert (a.start, a.end) == (s0, s0 + 6 * 3600)
    assert a.value == pytest.approx(2200.0)
    assert a.score == pytest.approx(6.0)
    assert a.severity == "warning"
    assert "drawing 2.2 kW for 6.0 hours on Wed 20 Jan 2021 from 09:00 to 15:00" in a.message
    assert a.details == {"template": "high_load", "power_w": pytest.approx(2200.0), "hours": 6.0}
    # 4.75 hours is not enough
    w2 = np.full(len(t), 100.0)
    w2[i:i + 19] = 2200.0
    assert of_kind(scan(t, watts_to_wh(w2), zone=BERLIN), "high_load") == []


def test_sustained_night_load_is_night_use() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 50)
    w = daily_pattern(t, BERLIN)
    n0 = local_ts(BERLIN, 2021, 2, 10, 1)
    i = int((n0 - start) // Q)
    w[i:i + 16] += 400.0  # 01:00 to 05:00
    res = scan(t, watts_to_wh(w), zone=BERLIN)
    nights = of_kind(res, "night_use")
    assert [(a.start, a.end) for a in nights] == [(n0, n0 + 4 * 3600)]
    assert nights[0].value == pytest.approx(400.0)
    assert nights[0].expected == pytest.approx(0.0)
    assert "+1.60 kWh" in nights[0].message
    d = nights[0].details
    assert d["template"] == "night_use" and d["excess_w"] == pytest.approx(400.0)
    assert d["usual_w"] == pytest.approx(0.0) and d["extra_kwh"] == pytest.approx(1.6)
    assert d["z"] == pytest.approx(nights[0].score)


def test_night_use_needs_load_that_stays_on_through_the_night() -> None:
    """A car charged from 01:00 to 03:00 at 3.7 kW, or a 2 kW heater cycling on and off every
    quarter-hour, leaves the night's low level alone; 200 W on all night does not."""
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 50)
    w = daily_pattern(t, BERLIN)
    car = int((local_ts(BERLIN, 2021, 2, 3, 1) - start) // Q)
    w[car:car + 8] += 3700.0  # half the night window
    cycling = int((local_ts(BERLIN, 2021, 2, 6, 1) - start) // Q)
    w[cycling:cycling + 16:2] += 2000.0  # every other quarter-hour
    n0 = local_ts(BERLIN, 2021, 2, 10, 1)
    on = int((n0 - start) // Q)
    w[on:on + 16] += 200.0
    nights = of_kind(scan(t, watts_to_wh(w), zone=BERLIN), "night_use")
    assert [(a.start, a.end) for a in nights] == [(n0, n0 + 4 * 3600)]
    assert nights[0].value == pytest.approx(200.0)
    # the median of the night (the detector before) takes both the car and the heater for load
    # left on
    median = of_kind(scan(t, watts_to_wh(w), zone=BERLIN, settings=Settings(night_quantile=0.5)), "night_use")
    assert [a.start for a in median] == [
        local_ts(BERLIN, 2021, 2, 3, 1), local_ts(BERLIN, 2021, 2, 6, 1), n0,
    ]


# --- DST -------------------------------------------------------------------------------------


@pytest.mark.parametrize("first,day,quarters", [
    ((2021, 2, 1), date(2021, 3, 28), 92),
    ((2021, 9, 1), date(2021, 10, 31), 100),
])
def test_dst_days(first: Tuple[int, int, int], day: date, quarters: int) -> None:
    start = local_ts(ZURICH, *first)
    end = local_ts(ZURICH, 2021, first[1] + 2, 15)
    t = np.arange(start, end, Q, dtype=np.int64)
    d0 = local_ts(ZURICH, day.year, day.month, day.day)
    nxt = day + timedelta(days=1)
    d1 = local_ts(ZURICH, nxt.year, nxt.month, nxt.day)
    assert (d1 - d0) // Q == quarters
    w = daily_pattern(t, ZURICH, base=90.0)
    # a spike at 02:30 local: on the autumn day, in the second (CET) occurrence of 02:30
    if quarters == 100:
        s0 = d0 + 3 * 3600 + 1800  # 00:00 CEST + 3.5 h = 02:30 CET
    else:
        s0 = d0 + 3600 * 3 + 1800  # 00:00 CET + 3.5 h = 04:30 CEST
    i = int((s0 - start) // Q)
    w[i] += 3000.0
    res = scan(t, watts_to_wh(w), zone=ZURICH)
    assert of_kind(res, "gap") == []
    spikes = of_kind(res, "spike")
    assert [(a.start, a.end) for a in spikes] == [(s0, s0 + Q)]
    hhmm = "02:30" if quarters == 100 else "04:30"
    assert f"from {hhmm} to" in spikes[0].message
    by_day = {b.day: b.watts for b in res.base_load}
    assert by_day[day] == pytest.approx(90.0)
    assert len(by_day) == len({datetime.fromtimestamp(int(x), ZURICH).date() for x in t})
    assert of_kind(res, "night_use") == [] and of_kind(res, "standby_increase") == []


# --- export, voltage, gaps, clock ------------------------------------------------------------


def test_export_when_none_expected() -> None:
    start = local_ts(BERLIN, 2021, 6, 1)
    t = grid(start, 3)
    imp = watts_to_wh(np.full(len(t), 200.0))
    exp = np.zeros(len(t))
    exp[50:53] = 100.0
    exp[80] = 3.0  # below export_min_wh
    res = scan(t, imp, export_wh=exp, zone=BERLIN, settings=Settings(expect_export=False))
    ex = of_kind(res, "unexpected_export")
    assert len(ex) == 1
    assert (ex[0].start, ex[0].end) == (int(t[50]), int(t[53]))
    assert ex[0].value == pytest.approx(300.0)
    assert ex[0].unit == "Wh"
    assert ex[0].details == {"template": "unexpected_export", "energy_wh": pytest.approx(300.0),
                             "peak_w": pytest.approx(400.0)}
    assert of_kind(scan(t, imp, export_wh=exp, zone=BERLIN, settings=Settings(expect_export=True)),
                   "unexpected_export") == []


def test_export_of_a_solar_house_is_expected_after_a_few_days() -> None:
    """Automatic expectation: export on 3 of the 28 days before makes it the house's routine."""
    start = local_ts(BERLIN, 2021, 6, 1)
    t = grid(start, 10)
    imp = watts_to_wh(np.full(len(t), 200.0))
    exp = np.zeros(len(t))
    for d in range(10):
        exp[d * 96 + 48:d * 96 + 52] = 100.0  # 12:00-13:00 every day
    found = of_kind(scan(t, imp, export_wh=exp, zone=BERLIN), "unexpected_export")
    # the first three days are new export; from the fourth day on it is expected
    assert [a.start for a in found] == [int(t[d * 96 + 48]) for d in range(3)]
    always = of_kind(scan(t, imp, export_wh=exp, zone=BERLIN, settings=Settings(expect_export=False)),
                     "unexpected_export")
    assert len(always) == 10


def test_standby_of_a_solar_house_comes_from_the_night() -> None:
    """On days with export the import reads 0 at noon; the standby is the night's 120 W."""
    start = local_ts(BERLIN, 2021, 6, 1)
    t = grid(start, 5)
    watts = np.full(len(t), 400.0)
    hours = (np.arange(len(t)) % 96) / 4.0
    watts[(hours >= 1) & (hours < 5)] = 120.0
    watts[(hours >= 10) & (hours < 16)] = 0.0  # solar covers the house
    exp = np.where((hours >= 10) & (hours < 16), 300.0, 0.0)
    res = scan(t, watts_to_wh(watts), export_wh=exp, zone=BERLIN)
    assert [round(b.watts) for b in res.base_load] == [120] * 5
    without = scan(t, watts_to_wh(watts), zone=BERLIN)
    assert [round(b.watts) for b in without.base_load] == [0] * 5


def test_voltage_band() -> None:
    start = local_ts(BERLIN, 2021, 6, 7)  # a Monday
    t = grid(start, 7)
    imp = watts_to_wh(np.full(len(t), 200.0))
    v1 = np.full(len(t), 230.0)
    v1[10] = 200.0   # -13 %: outside +-10 %, inside -15 %
    v1[20] = 190.0   # -17.4 %: critical
    v1[30] = 255.0   # +10.9 %: critical (the upper limit is +10 % always)
    v2: List[Optional[float]] = [231.0] * len(t)
    v2[40] = None
    res = scan(t, imp, zone=BERLIN, voltages={"voltage_l1": v1, "voltage_l2": v2})
    volt = of_kind(res, "voltage")
    got = [(a.start, a.severity, a.value, a.unit) for a in volt]
    assert got == [
        (int(t[10]), "warning", 200.0, "V"),
        (int(t[20]), "critical", 190.0, "V"),
        (int(t[30]), "critical", 255.0, "V"),
    ]
    assert all(a.expected == 230.0 for a in volt)
    assert "Voltage L1 fell to 200.0 V (-13.0 %" in volt[0].message
    assert volt[0].details == {"template": "voltage_low", "phase": "L1", "volts_v": 200.0,
                               "percent_pct": pytest.approx(-13.043, abs=1e-3), "nominal_v": 230.0}
    assert volt[2].details["template"] == "voltage_high"
    assert volt[2].details["percent_pct"] == pytest.approx(10.870, abs=1e-3)
    # a week with 10 % of the intervals at 200 V fails the 95 % rule
    v3 = np.full(len(t), 230.0)
    v3[::10] = 200.0
    res3 = scan(t, imp, zone=BERLIN, voltages={"voltage_l3": v3})
    weekly = [a for a in of_kind(res3, "voltage") if a.unit == "%"]
    assert len(weekly) == 1
    assert weekly[0].value == pytest.approx(90.0, abs=0.2)
    assert weekly[0].expected == pytest.approx(95.0)
    assert (weekly[0].start, weekly[0].end) == (int(t[0]), int(t[-1]) + Q)
    assert weekly[0].details == {"template": "voltage_week", "phase": "L3", "nominal_v": 230.0,
                                 "band_pct": pytest.approx(10.0), "share_pct": pytest.approx(weekly[0].value),
                                 "required_pct": pytest.approx(95.0)}
    assert len([a for a in of_kind(res3, "voltage") if a.unit == "V"]) == len(t[::10])


def test_gap_runs() -> None:
    start = local_ts(BERLIN, 2021, 6, 1)
    full = grid(start, 2)
    keep = np.ones(len(full), dtype=bool)
    keep[40:48] = False  # 2 hours absent
    t = full[keep]
    vals: List[Optional[float]] = [50.0] * len(t)
    vals[100] = None
    vals[101] = float("nan")
    vals[102] = -5.0  # negative energy counts as unknown
    complete = [True] * len(t)
    complete[150] = False
    res = scan(t, vals, zone=BERLIN, complete=complete)
    gaps = of_kind(res, "gap")
    assert [(a.start, a.end, a.severity, a.value) for a in gaps] == [
        (int(full[40]), int(full[48]), "warning", 2.0),
        (int(t[100]), int(t[103]), "info", 0.75),
        (int(t[150]), int(t[151]), "info", 0.25),
    ]
    assert "8 quarter-hours missing" in gaps[0].message
    assert [g.details for g in gaps] == [{"template": "gap", "missing": n} for n in (8, 3, 1)]


def test_clock_jumps() -> None:
    t0 = local_ts(BERLIN, 2021, 6, 1)
    raw = [t0 + 60 * k for k in range(100)]
    raw += [raw[-1] + 60 - 3600 + 60 * k for k in range(50)]          # back by an hour
    raw += [raw[-1] + 90 + 60 * k for k in range(50)]                 # forward by 30 s
    raw += [raw[-1] + 60 * 6 + 60 * k for k in range(50)]             # five readings lost
    t = grid(local_ts(BERLIN, 2021, 6, 1), 1)
    res = scan(t, [25.0] * len(t), zone=BERLIN, raw_times=raw)
    jumps = of_kind(res, "clock_jump")
    assert [(a.value, a.start, a.end) for a in jumps] == [
        (-3600.0, raw[100], raw[99]),
        (30.0, raw[149], raw[150]),
    ]
    assert "stepped back by 3600 s" in jumps[0].message
    iso = lambda ts: datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    assert jumps[0].details == {"template": "clock_back", "back_s": 3600.0, "next": iso(raw[100])}
    assert jumps[1].details == {"template": "clock_forward", "forward_s": 30.0, "after": iso(raw[149]),
                                "cadence_s": 60.0}


# --- unusual days, json, since, errors ---------------------------------------------------------


def test_unusual_day_on_a_small_dataset() -> None:
    start = local_ts(BERLIN, 2021, 3, 1)
    t = grid(start, 40)
    rng = np.random.default_rng(7)
    w = daily_pattern(t, BERLIN) * rng.uniform(0.9, 1.1, len(t))
    odd = local_ts(BERLIN, 2021, 3, 25)
    i = int((odd - start) // Q)
    w[i + 40:i + 92] += 1500.0  # 10:00 to 23:00 at +1.5 kW: 19.5 kWh more
    res = scan(t, watts_to_wh(w), zone=BERLIN, settings=Settings(z_threshold=1e6, high_load_hours=24.0))
    days = of_kind(res, "unusual_day")
    assert [a.start for a in days] == [odd]
    a = days[0]
    assert a.severity == "info" and a.unit == "kWh"
    assert a.value > 20.0 and a.expected is not None and a.expected < 5.0
    assert "Thu 25 March 2021 looks unusual" in a.message
    assert a.details["template"] == "unusual_day" and a.details["day"] == "2021-03-25"
    assert a.details["score"] == pytest.approx(a.score)
    # the two features furthest from usual, as the message lists them: 10:00-23:00 and 07:00-07:30
    # above 1 kW (13.5 h, usually 1.5 h), then the day's energy
    assert a.details["features"] == [
        {"feature": "hours_above_1kw", "value": 13.5, "usual": 1.5, "unit": "h"},
        {"feature": "daily_energy", "value": pytest.approx(a.value), "usual": pytest.approx(a.expected), "unit": "kWh"},
    ]
    assert 0.62 <= a.score <= 1.0


def test_json_is_safe_and_has_both_time_forms() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 70)
    w = np.full(len(t), 100.0)
    w[6000:6004] = 3000.0
    vals: List[Optional[float]] = list(watts_to_wh(w))
    vals[10] = None
    res = scan(t, vals, zone=BERLIN)
    doc = res.to_json()
    text = json.dumps(doc, allow_nan=False)
    assert json.loads(text) == doc
    gap = next(a for a in doc["anomalies"] if a["kind"] == "gap")
    assert gap["start_ts"] == int(t[10]) and gap["end_ts"] == int(t[11])
    assert gap["start"] == datetime.fromtimestamp(int(t[10]), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert gap["key"] == f"gap:{int(t[10])}"
    assert gap["expected"] is None
    assert set(gap) == {"kind", "key", "start", "end", "start_ts", "end_ts", "severity", "value",
                        "expected", "unit", "score", "message", "details"}
    assert gap["details"] == {"template": "gap", "missing": 1}
    assert doc["base_load"][0] == {"day": "2021-01-04", "watts": 100.0}
    nan = Anomaly("spike", 0, 900, "info", float("nan"), float("inf"), "W", float("-inf"), "x",
                  {"template": "spike", "peak_w": float("nan"), "features": [{"value": float("inf")}]})
    j = nan.to_json()
    assert (j["value"], j["expected"], j["score"]) == (None, None, None)
    assert j["details"] == {"template": "spike", "peak_w": None, "features": [{"value": None}]}
    json.dumps(j, allow_nan=False)


def test_since_keeps_history_as_reference_only() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 70)
    w = np.full(len(t), 100.0)
    a0, b0 = local_ts(BERLIN, 2021, 2, 24, 14), local_ts(BERLIN, 2021, 3, 3, 14)
    for s0 in (a0, b0):
        i = int((s0 - start) // Q)
        w[i:i + 4] = 3000.0
    assert [a.start for a in of_kind(scan(t, watts_to_wh(w), zone=BERLIN), "spike")] == [a0, b0]
    later = scan(t, watts_to_wh(w), zone=BERLIN, since=a0 + 3600)
    assert [a.start for a in later.anomalies if a.kind == "spike"] == [b0]
    assert all(a.end > a0 + 3600 for a in later.anomalies)


def test_unsorted_input_equals_sorted() -> None:
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 30)
    w = watts_to_wh(daily_pattern(t, BERLIN))
    w[2000] = 5000.0
    perm = np.random.default_rng(3).permutation(len(t))
    assert scan(t[perm], w[perm], zone=BERLIN) == scan(t, w, zone=BERLIN)


@pytest.mark.parametrize("kwargs,message", [
    (dict(times=[0, 900], import_wh=[1.0]), "1 values for 2"),
    (dict(times=[0, 450], import_wh=[1.0, 2.0]), "multiples of 900"),
    (dict(times=[900, 900], import_wh=[1.0, 2.0]), "duplicate interval start"),
    (dict(times=[-900], import_wh=[1.0]), "outside 1970"),
    (dict(times=[0, 10**12], import_wh=[1.0, 2.0]), "outside 1970"),
    (dict(times=[0, 900 * 10**6], import_wh=[1.0, 2.0]), "20 years"),
    (dict(times=[0], import_wh=["x"]), "not a number"),
    (dict(times=[0], import_wh=[1.0], voltages={"voltage_l1": [1.0, 2.0]}), "voltage_l1"),
])
def test_malformed_input_is_a_value_error(kwargs: Dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scan(zone=BERLIN, **kwargs)


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="high_load_w"):
        Settings(high_load_w=0.0)
    with pytest.raises(ValueError, match="night_start"):
        Settings(night_start=24.0)
    with pytest.raises(ValueError, match="base_quantile"):
        Settings(base_quantile=1.5)
    with pytest.raises(ValueError, match="finite"):
        Settings(z_threshold=float("nan"))


def test_empty_and_all_unknown() -> None:
    assert scan([], [], zone=BERLIN) == Scan([], [], None)
    t = grid(local_ts(BERLIN, 2021, 1, 4), 2)
    res = scan(t, [None] * len(t), zone=BERLIN)
    assert [a.kind for a in res.anomalies] == ["gap"]
    assert res.anomalies[0].value == pytest.approx(48.0)
    assert res.anomalies[0].severity == "critical"
    assert res.base_load == []


values = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                   st.floats(min_value=0, max_value=5000), st.integers(-10**20, 10**20))


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    starts=st.lists(st.one_of(st.integers(-10**12, 10**13), st.integers(1609455600 // 900, 1609455600 // 900 + 3000).map(lambda k: k * 900)),
                    max_size=60),
    vals=st.lists(values, max_size=60),
    export=st.one_of(st.none(), st.lists(values, max_size=60)),
    volts=st.one_of(st.none(), st.lists(values, max_size=60)),
    raw=st.one_of(st.none(), st.lists(st.integers(-10**15, 10**15), max_size=20)),
    since=st.one_of(st.none(), st.integers(-10**15, 10**15)),
)
def test_any_input_ends_in_a_scan_or_a_value_error(
    starts: List[int], vals: List[Any], export: Optional[List[Any]], volts: Optional[List[Any]],
    raw: Optional[List[int]], since: Optional[int],
) -> None:
    n = len(starts)
    v = (vals + [None] * n)[:n] if len(vals) != n and vals and n % 2 else vals
    try:
        res = scan(starts, v, zone=BERLIN, export_wh=export,
                   voltages=None if volts is None else {"voltage_l1": volts},
                   raw_times=raw, since=since)
    except ValueError as e:
        assert str(e)
        return
    assert isinstance(res, Scan)
    json.dumps(res.to_json(), allow_nan=False)
    assert [a.start for a in res.anomalies] == sorted(a.start for a in res.anomalies)
    assert all(a.kind in KINDS for a in res.anomalies)


def test_year_of_irregular_numbers_does_not_crash() -> None:
    start = local_ts(BERLIN, 2021, 1, 1)
    t = grid(start, 365)
    rng = np.random.default_rng(11)
    w = rng.lognormal(4.0, 1.5, len(t))
    w[rng.integers(0, len(t), 300)] = np.nan
    w[rng.integers(0, len(t), 50)] = 1e30
    w[rng.integers(0, len(t), 50)] = -1.0
    res = scan(t, w, zone=BERLIN, voltages={"voltage_l1": rng.normal(230, 15, len(t))},
               raw_times=np.sort(rng.integers(start, start + 365 * 86400, 5000)))
    json.dumps(res.to_json(), allow_nan=False)
    assert len(of_kind(res, "gap")) > 50


# --- panel households with injections ----------------------------------------------------------


def test_panel_households_with_injected_anomalies() -> None:
    from dashboard.analytics import evaluate_anomalies as ev
    from dashboard.analytics.households import panel

    hs = [h for h in panel(variants=("plain",)) if h.labels["constellation"] == "single_person_under30"]
    assert len(hs) == 2
    results = [ev.evaluate_household(h, ev.SEED + k) for k, h in enumerate(hs)]
    standby = ev._sum(results, "standby_increase")
    spikes = ev._sum(results, "spike")
    high = ev._sum(results, "high_load")
    assert standby.injected == 8 and spikes.injected == 72 and high.injected == 6
    assert standby.recall() is not None and standby.recall() >= 0.85
    # measured: 7 of 8 found; the 2 false detections are the profiles' own heating-season step
    # in autumn (a real step of the synthetic standby, counted as false by the strict rule)
    assert standby.precision() is not None and standby.precision() >= 0.75
    assert standby.fp <= 2
    assert high.recall() == 1.0 and high.precision() == 1.0
    # measured on these two with these seeds (spikes from a random minute, so partly in their
    # first and last quarter-hours): recall 0.33 (24 of 72), strict precision 0.41 (far from
    # the goal of 0.9 / 0.8: see the evaluation report); a regression guard, not the goal
    assert spikes.recall() is not None and spikes.recall() >= 0.3
    assert spikes.precision() is not None and spikes.precision() >= 0.38
    assert spikes.fp == 0  # every unmatched spike is also found on the clean series
    # spikes at night, when the usual load is low, are mostly found (measured 0.73)
    assert ev._sum(results, ("band", "night 01-06"), "cells").recall() >= 0.7
    # night use (+250 W all night): measured 6 of 6 found, no false detection, 7 natural ones
    # (nights the synthetic profiles keep 150 to 350 W on throughout)
    night = ev._sum(results, "night_use")
    assert (night.injected, night.found, night.fp) == (6, 6, 0)


def test_injected_spikes_are_integrated_like_a_meter_would() -> None:
    """A spike starts at a random minute: the quarter-hours it covers receive exactly its energy,
    split by minutes, so its first and last quarter-hours are usually partial."""
    from dashboard.analytics import evaluate_anomalies as ev
    from dashboard.analytics.households import Household

    start = int(datetime(2021, 1, 1, tzinfo=ZoneInfo("Europe/Berlin")).timestamp())
    h = Household("zero", {"variant": "plain"}, start, np.zeros(96 * 365))
    wh, injections = ev.inject(h, np.random.default_rng(7))
    spikes = [i for i in injections if i.kind == "spike"]
    assert len(spikes) == 36
    others = [i for i in injections if i.kind != "spike"]
    partial = 0
    for i in spikes:
        assert i.end - i.start == 60 * i.minutes
        assert i.start % 60 == 0
        first, last = (i.start - start) // 900, (i.end - 1 - start) // 900
        # the spike's own share of each quarter-hour it touches
        for q in range(first, last + 1):
            t = start + 900 * q
            own = i.size * (min(i.end, t + 900) - max(i.start, t)) / 3600.0
            lifted = sum(o.size * 0.25 for o in others if o.start <= t < o.end)
            assert wh[q] == pytest.approx(own + lifted, abs=1e-9)
        assert wh[first - 1] == pytest.approx(sum(o.size * 0.25 for o in others if o.start <= start + 900 * (first - 1) < o.end))
        partial += (i.start - start) % 900 != 0
    assert partial >= 30  # 36 random minutes: almost never on a quarter-hour boundary


def test_every_sentence_can_be_worded_from_its_details() -> None:
    """Each anomaly's ``details`` carry exactly the numbers its sentence needs in the UI
    catalogues (English and French), so the page can word every alert in its language."""
    import re

    from dashboard.analytics.anomalies import TEMPLATES
    from dashboard.web import i18n

    catalogues = {lang: i18n.catalog(lang) for lang in i18n.LANGUAGES}
    start = local_ts(BERLIN, 2021, 1, 4)
    t = grid(start, 70)
    w = daily_pattern(t, BERLIN)
    w[int((local_ts(BERLIN, 2021, 3, 3, 14) - start) // Q):][:4] = 3000.0        # spike
    w[int((local_ts(BERLIN, 2021, 2, 17, 9) - start) // Q):][:24] = 2500.0       # high load
    w[int((local_ts(BERLIN, 2021, 2, 10, 1) - start) // Q):][:16] += 400.0       # night use
    w[int((local_ts(BERLIN, 2021, 2, 24) - start) // Q):] += 60.0                # standby step
    vals: List[Optional[float]] = list(watts_to_wh(w))
    vals[5000:5008] = [None] * 8                                                 # gap
    volts = np.full(len(t), 230.0)
    volts[6000], volts[6100] = 200.0, 255.0
    volts[6200:6900:7] = 200.0                                                   # a bad week
    export = np.zeros(len(t))
    export[6500:6503] = 100.0
    t0 = int(t[-96])
    raw = [t0 + 60 * k for k in range(100)]
    raw += [raw[-1] + 60 - 3600 + 60 * k for k in range(50)]
    raw += [raw[-1] + 90 + 60 * k for k in range(50)]
    res = scan(t, vals, zone=BERLIN, voltages={"voltage_l1": volts}, export_wh=export, raw_times=raw,
               settings=Settings(expect_export=False))
    unusual = scan(*_unusual_day_series(), zone=BERLIN, settings=Settings(z_threshold=1e6, high_load_hours=24.0))
    found = res.anomalies + of_kind(unusual, "unusual_day")
    seen = {a.details["template"] for a in found}
    assert seen == set(TEMPLATES) - {"spike_no_usual"}, sorted(set(TEMPLATES) - seen)
    placeholder = re.compile(r"\{(\w+)\}")
    for a in found:
        names = set(a.details) - {"template"}
        for lang, strings in catalogues.items():
            text = strings[f"analytics.alert_text.{a.details['template']}"]
            assert set(placeholder.findall(text)) == names, (lang, a.kind, a.details)
        json.dumps(a.to_json(), allow_nan=False)
        for f in a.details.get("features", []):
            assert all(f"analytics.feature.{f['feature']}" in s for s in catalogues.values())


def _unusual_day_series() -> Tuple[np.ndarray, np.ndarray]:
    start = local_ts(BERLIN, 2021, 3, 1)
    t = grid(start, 40)
    w = daily_pattern(t, BERLIN) * np.random.default_rng(7).uniform(0.9, 1.1, len(t))
    i = int((local_ts(BERLIN, 2021, 3, 25) - start) // Q)
    w[i + 40:i + 92] += 1500.0
    return t, watts_to_wh(w)
