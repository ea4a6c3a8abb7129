"""The Grafana example: provisioning files and dashboard JSON consistent with each other, every
panel query using only the measurement, fields and tags the InfluxDB exporter writes, and every
query returning the expected data from a real influxd holding the exported seeded store."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple
from zoneinfo import ZoneInfo

import pytest

from dashboard.integrations.lineprotocol import schema_fields
from dashboard.store import Store
from dashboard_testdata import SeedInfo, generate
from influx_support import InfluxServer, export_all

GRAFANA = Path(__file__).resolve().parents[2] / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "compteur-influxdb.json"
DATASOURCE = GRAFANA / "provisioning" / "datasources" / "compteur-influxdb.yaml"
PROVIDER = GRAFANA / "provisioning" / "dashboards" / "compteur.yaml"
MEASUREMENT = "electricity"
TAGS = {"meter", "phase"}
DB = "compteur"
PRICE = 0.25


# -- a small InfluxQL reader ------------------------------------------------------------------

_TOKEN = re.compile(
    r'"(?P<qid>(?:[^"\\]|\\.)*)"|\'(?P<str>(?:[^\'\\]|\\.)*)\''
    r"|(?P<var>\$\w+)|(?P<num>\d+(?:\.\d+)?[a-z]*)|(?P<word>[A-Za-z_]\w*)|(?P<op>=~|!~|!=|<>|<=|>=|[=<>(),*+\-/])"
    r"|(?P<ws>\s+)"
)
_REGEX = re.compile(r"/(?P<re>(?:[^/\\]|\\.)*)/")
_KEYWORDS = {
    "select", "from", "where", "group", "by", "fill", "tz", "and", "or", "as", "null", "none",
    "previous", "linear", "show", "tag", "values", "with", "key", "time", "order", "desc", "asc",
    "limit",
}


def tokens(q: str) -> List[Tuple[str, str]]:
    """``(kind, text)`` tokens of an InfluxQL query (kinds: qid str re var num word op)."""
    out: List[Tuple[str, str]] = []
    pos = 0
    while pos < len(q):
        after_match_op = bool(out) and out[-1] in (("op", "=~"), ("op", "!~"))
        m = (_REGEX if after_match_op and not q[pos].isspace() else _TOKEN).match(q, pos)
        if m is None:
            raise AssertionError(f"cannot read the query at {q[pos:pos + 20]!r}: {q}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(kind)))
    return out


def analyse(q: str) -> Dict[str, Set[str]]:
    """The measurements, fields and tags a query refers to (``time`` and variables excluded)."""
    toks = tokens(q)
    words = [t.lower() if k == "word" else None for k, t in toks]
    found: Dict[str, Set[str]] = {"measurements": set(), "fields": set(), "tags": set()}

    def ident(i: int) -> str:
        k, t = toks[i]
        return t if k in ("qid", "word") else ""

    if words[:3] == ["show", "tag", "values"]:
        i = words.index("from")
        found["measurements"].add(ident(i + 1))
        j = words.index("key")
        assert toks[j + 1] == ("op", "="), q
        found["tags"].add(ident(j + 2))
        return found
    assert words[0] == "select", q
    frm = words.index("from")
    for i in range(1, frm):
        k, t = toks[i]
        if k not in ("qid", "word"):
            continue
        if words[i - 1] == "as":
            continue  # an alias
        if k == "word" and (t.lower() in _KEYWORDS or (i + 1 < frm and toks[i + 1] == ("op", "("))):
            continue  # a function or a keyword
        found["fields"].add(t)
    found["measurements"].add(ident(frm + 1))
    section = ""
    for i in range(frm + 2, len(toks)):
        k, t = toks[i]
        w = words[i]
        if w in ("where", "group", "fill", "tz", "order", "limit"):
            section = w
            continue
        if k not in ("qid", "word") or (w is not None and w in _KEYWORDS):
            continue
        if section == "where" and i + 1 < len(toks) and toks[i + 1][0] == "op" and toks[i + 1][1] in (
            "=", "=~", "!=", "!~", "<>"
        ):
            found["tags"].add(t)
        elif section == "group":
            if i + 1 < len(toks) and toks[i + 1] == ("op", "("):
                continue
            found["tags"].add(t)
        elif section == "where":
            raise AssertionError(f"unexpected identifier {t!r} in WHERE: {q}")
    return found


def schema_problems(q: str) -> List[str]:
    """Why a query does not fit the exported schema (empty when it does)."""
    a = analyse(q)
    fields = schema_fields()
    meter_f, phase_f = set(fields["meter"]), set(fields["phase"])
    problems = []
    if a["measurements"] != {MEASUREMENT}:
        problems.append(f"measurement {sorted(a['measurements'])} is not {MEASUREMENT!r}")
    for f in sorted(a["fields"] - meter_f - phase_f):
        problems.append(f"unknown field {f!r}")
    for t in sorted(a["tags"] - TAGS):
        problems.append(f"unknown tag {t!r}")
    if "phase" in a["tags"] and a["fields"] & meter_f:
        problems.append(f"meter-level fields {sorted(a['fields'] & meter_f)} have no phase tag")
    return problems


def dashboard_queries() -> List[Tuple[str, str]]:
    """``(where, query)`` for every panel target and every query variable."""
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    out = []
    for p in dash["panels"]:
        for t in p["targets"]:
            out.append((f"panel {p['title']!r} {t['refId']}", t["query"]))
    for v in dash["templating"]["list"]:
        if v["type"] == "query":
            out.append((f"variable {v['name']}", v["query"]))
    return out


# -- static checks ----------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    """Parse a provisioning file: with PyYAML when installed, else a reader of the small subset
    these files use (nested mappings, lists of mappings, plain scalars, comments)."""
    text = path.read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        return _mini_yaml(text)
    return yaml.safe_load(text)


def _scalar(v: str) -> Any:
    v = v.strip()
    if v in ("true", "false"):
        return v == "true"
    if re.fullmatch(r"-?\d+", v):
        return int(v)
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def _mini_yaml(text: str) -> Any:
    root: Dict[str, Any] = {}
    stack: List[Tuple[int, Any]] = [(-1, root)]
    for raw in text.splitlines():
        line = re.sub(r"\s+#.*$", "", raw) if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        item = body.startswith("- ")
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if item:
            assert isinstance(parent, _Pending), raw
            body = body[2:]
            new: Dict[str, Any] = {}
            parent.append(new)
            indent += 2  # the item's keys are indented to the text after "- "
            stack.append((indent - 1, new))
            parent = new
        key, _, value = body.partition(":")
        if value.strip():
            parent[key.strip()] = _scalar(value)
        else:
            # a nested mapping, or a list when the next line starts with "- " (decided lazily)
            child: Any = _Pending()
            parent[key.strip()] = child
            stack.append((indent, child))
    return _resolve(root)


class _Pending(dict):  # type: ignore[type-arg]
    """A key whose value was not known yet (mapping, or list on "- " items)."""

    items_: List[Any]

    def append(self, v: Any) -> None:
        self.__dict__.setdefault("items_", []).append(v)


def _resolve(v: Any) -> Any:
    if isinstance(v, _Pending) and "items_" in v.__dict__:
        return [_resolve(x) for x in v.__dict__["items_"]]
    if isinstance(v, dict):
        return {k: _resolve(x) for k, x in v.items()}
    return v


def test_grafana_provisioning_files() -> None:
    ds = load_yaml(DATASOURCE)
    assert ds["apiVersion"] == 1
    [source] = ds["datasources"]
    assert (source["type"], source["uid"], source["access"]) == ("influxdb", "compteur-influxdb", "proxy")
    assert source["jsonData"]["dbName"] == "compteur"
    assert source["url"].startswith("http://127.0.0.1:")
    prov = load_yaml(PROVIDER)
    [provider] = prov["providers"]
    assert provider["type"] == "file" and provider["options"]["path"].startswith("/")

    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dash["uid"] == "compteur-energy" and "id" not in dash
    titles = [p["title"] for p in dash["panels"]]
    assert titles == ["Power", "Energy per day", "Cost per day", "Voltage per phase",
                      "Current per phase", "Power factor and frequency"]
    ids = [p["id"] for p in dash["panels"]]
    assert len(set(ids)) == len(ids)
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    assert set(variables) == {"meter", "price", "timezone"}
    used: Set[str] = set()
    for p in dash["panels"]:
        assert p["datasource"] == {"type": "influxdb", "uid": source["uid"]}
        assert p["targets"], p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(set(refs)) == len(refs)
        for t in p["targets"]:
            assert t["datasource"]["uid"] == source["uid"] and t["rawQuery"] is True
            used |= set(re.findall(r"\$(\w+)", t["query"]))
    assert used - {"timeFilter", "__interval", "tag_phase"} == {"meter", "price", "timezone"}
    assert float(variables["price"]["query"]) > 0


def test_grafana_yaml_fallback_reader() -> None:
    for path in (DATASOURCE, PROVIDER):
        text = path.read_text(encoding="utf-8")
        parsed = _mini_yaml(text)
        assert parsed["apiVersion"] == 1
        try:
            import yaml
        except ImportError:
            continue
        assert parsed == yaml.safe_load(text)


@pytest.mark.parametrize("where,query", dashboard_queries())
def test_grafana_query_matches_schema(where: str, query: str) -> None:
    assert analyse(query)["measurements"] == {MEASUREMENT}, where
    assert schema_problems(query) == [], where


def test_grafana_schema_check_catches_mistakes() -> None:
    ok = 'SELECT mean("voltage_v") FROM "electricity" WHERE "meter" =~ /^$meter$/ AND $timeFilter GROUP BY time($__interval), "phase"'
    assert schema_problems(ok) == []
    assert analyse(ok) == {"measurements": {"electricity"}, "fields": {"voltage_v"}, "tags": {"meter", "phase"}}
    assert schema_problems(ok.replace("voltage_v", "voltage")) == ["unknown field 'voltage'"]
    assert schema_problems(ok.replace('"electricity"', '"power"')) == ["measurement ['power'] is not 'electricity'"]
    assert schema_problems(ok.replace('"phase"', '"tariff"')) == ["unknown tag 'tariff'"]
    assert schema_problems(ok.replace("voltage_v", "frequency_hz")) == [
        "meter-level fields ['frequency_hz'] have no phase tag"
    ]
    assert analyse('SELECT last(power_factor) AS "pf" FROM electricity WHERE meter = \'1\'')["fields"] == {"power_factor"}


# -- against a real influxd -------------------------------------------------------------------


@pytest.fixture
def influxd(tmp_path: Path) -> Iterator[InfluxServer]:
    srv = InfluxServer(tmp_path / "influx")
    srv.start()
    try:
        srv.create_database(DB)
        yield srv
    finally:
        srv.stop()


def _expand(q: str, start: int, end: int, interval: str = "1h") -> str:
    return (
        q.replace("$timeFilter", f"time >= {start}s AND time < {end}s")
        .replace("$__interval", interval)
        .replace("$meter", "1909113")
        .replace("$price", str(PRICE))
        .replace("$timezone", "Europe/Zurich")
    )


def test_grafana_queries_return_data(influxd: InfluxServer, seeded_store: Store, seed_info: SeedInfo) -> None:
    n = export_all(seeded_store, influxd.url, DB)
    # the schema the checker assumes is the one the exporter wrote
    keys = {r["fieldKey"] for r in influxd.rows(f'SHOW FIELD KEYS FROM "{MEASUREMENT}"', DB)}
    f = schema_fields()
    assert keys == set(f["meter"]) | set(f["phase"])
    tags = {r["tagKey"] for r in influxd.rows(f'SHOW TAG KEYS FROM "{MEASUREMENT}"', DB)}
    assert tags == TAGS

    start, end = seed_info.start, seed_info.end
    results: Dict[str, List[Dict[str, Any]]] = {}
    for where, q in dashboard_queries():
        rows = influxd.rows(_expand(q, start, end), DB)
        values = [v for r in rows for k, v in r.items() if k not in ("time", "phase", "meter") and v is not None]
        assert values, f"{where} returned no data: {q}"
        results[where] = rows
    assert results["variable meter"] == [{"key": "meter", "value": "1909113"}]

    # power: hourly means over the whole range, import and export
    power = results["panel 'Power' A"]
    assert len(power) == (end - start) // 3600 and max(r["import"] or 0 for r in power) > 500

    # per phase: three series, the voltages the seeded store holds
    volts = results["panel 'Voltage per phase' A"]
    assert {r["phase"] for r in volts} == {"L1", "L2", "L3"}
    assert {r["mean"] for r in volts if r["phase"] == "L2" and r["mean"] is not None} == {231.0}

    # energy per day: last register value of each local day minus the day before, exactly
    samples = generate(seed_info)
    counter = {s.ts: s.values["active_energy_import"] for s in samples}
    zone = ZoneInfo("Europe/Zurich")
    first_day = datetime.fromtimestamp(start, zone).replace(tzinfo=None)
    days = []
    d = first_day
    while int(d.replace(tzinfo=zone).timestamp()) < end:
        days.append(d)
        d += timedelta(days=1)
    assert len(days) == 60

    def last_of(day: datetime) -> float:
        nxt = int((day + timedelta(days=1)).replace(tzinfo=zone).timestamp())
        ts = max(t for t in counter if t < nxt)
        v = counter[ts]
        assert v is not None
        return v

    expected = [
        (int(day.replace(tzinfo=zone).timestamp()), (last_of(day) - last_of(prev)) / 1000)
        for prev, day in zip(days, days[1:])
    ]
    energy = [(r["time"], r["import"]) for r in results["panel 'Energy per day' A"]]
    assert [t for t, _ in energy] == [t for t, _ in expected]  # local midnights, the 25-h day too
    for (t, got), (_, want) in zip(energy, expected):
        assert got == pytest.approx(want, rel=1e-12), t
    cost = [(r["time"], r["cost"]) for r in results["panel 'Cost per day' A"]]
    assert [c for _, c in cost] == pytest.approx([w * PRICE for _, w in expected], rel=1e-12)
    stat = results["panel 'Power factor and frequency' B"]
    assert stat == [{"time": end - seed_info.step, "frequency": 50.0}]  # the latest reading
    assert n == len(samples)
