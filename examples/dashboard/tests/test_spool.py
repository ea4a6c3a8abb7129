"""The spool: fsynced JSON lines, torn lines from a crash skipped, cleared after a flush."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.spool import Spool
from dashboard.store import Sample


def sample(ts: int) -> Sample:
    return Sample(ts, {"active_energy_import": 1000.0 + ts, "voltage_l1": 230.0}, ts % 2 == 0,
                  [("1-1:1.8.0*255", (1000.0 + ts) / 1000, "kWh"), ("0-0:96.1.1*255", "1909113", None)])


def test_round_trip_and_clear(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    assert spool.pending() == [] and spool.count() == 0
    spool.append([("1909113", sample(1)), ("1909113", sample(2))])
    spool.append([("42", sample(3))])
    assert (spool.path.stat().st_mode & 0o777) == 0o600
    got = spool.pending()
    assert [(s, x.ts) for s, x in got] == [("1909113", 1), ("1909113", 2), ("42", 3)]
    assert got[1][1] == Sample(2, {"active_energy_import": 1002.0, "voltage_l1": 230.0}, True,
                               [("1-1:1.8.0*255", 1.002, "kWh"), ("0-0:96.1.1*255", "1909113", None)])
    assert spool.count() == 3
    spool.clear()
    assert not spool.path.exists() and spool.pending() == []


def test_torn_line_from_a_crash_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append([("1", sample(1))])
    with open(spool.path, "ab") as f:  # a crash in the middle of a write
        f.write(json.dumps(sample(2).to_json("1")).encode()[:25])
    spool.append([("1", sample(3))])
    assert [x.ts for _s, x in spool.pending()] == [1, 3]


def test_malformed_objects_are_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.directory.mkdir(exist_ok=True)
    spool.path.write_text('{"serial": "1"}\n[1, 2]\nnot json\n' + json.dumps(sample(5).to_json("1")) + "\n")
    assert [x.ts for _s, x in spool.pending()] == [5]
