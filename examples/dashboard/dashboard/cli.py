"""The command line: ``python -m dashboard`` / ``compteur-dashboard``.

Subcommands: ``init``, ``serve``, ``collect``, ``import``, ``export``, ``tariffs``, ``costs``,
``analyze``, ``demo``, ``user add``, ``token add``. Every command but ``demo`` reads the config file given with ``--config``
(default: ``$DASHBOARD_CONFIG``, else ``dashboard.toml`` in the current directory).
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import logging
import os
import secrets
import signal
import sys
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence

from dashboard import __version__, timeconv
from dashboard.config import Config, ConfigError, ensure_secret_key

__all__ = ["main", "build_parser"]

log = logging.getLogger("dashboard")


class CliError(Exception):
    """A user error: printed without a traceback, exit status 2."""


def _hash_password(password: str) -> str:
    from dashboard.web.auth import hash_password  # the web package's KDF (lazy import)

    return hash_password(password)


def _load(args: argparse.Namespace) -> Config:
    path = args.config or os.environ.get("DASHBOARD_CONFIG") or "dashboard.toml"
    return Config.load(path)


def _open_store(config: Config) -> Any:
    from dashboard.store import Store

    return Store.open(config.database.url)


def _parse_when(value: str, tz: Any, *, end: bool = False) -> datetime:
    """An ISO date or date-time; naive values are the meter's local time. With ``end`` a plain
    date means the end of that local day."""
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            s, e = timeconv.local_day_bounds(d, tz)
            return timeconv.from_unix(e if end else s)
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CliError(f"bad date/time {value!r}: use 2026-10-25 or 2026-10-25T12:00[+01:00]") from None
    return timeconv.to_utc(dt, tz)


# -- commands ---------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    """Create the schema, the secret key file and the first admin user."""
    config = _load(args)
    store = _open_store(config)
    try:
        ensure_secret_key(config.web.secret_key_file)
        print(f"database ready: {store!r}")
        print(f"secret key: {config.web.secret_key_file}")
        if store.user_count() == 0:
            password = secrets.token_urlsafe(12)
            store.create_user(args.admin, _hash_password(password), is_admin=True)
            print(f"admin user created: {args.admin}")
            print(f"password (shown once): {password}")
        else:
            print("users exist already: no admin created")
    finally:
        store.close()
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        pw = sys.stdin.readline().rstrip("\r\n")
    else:
        pw = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != pw:
            raise CliError("the passwords differ")
    if len(pw) < 8:
        raise CliError("the password must have at least 8 characters")
    return pw


def cmd_user_add(args: argparse.Namespace) -> int:
    """Add a user (password asked, or read from stdin)."""
    config = _load(args)
    store = _open_store(config)
    try:
        if store.user_by_name(args.name) is not None:
            raise CliError(f"user {args.name!r} exists already")
        pw = _read_password(args)
        uid = store.create_user(args.name, _hash_password(pw), is_admin=args.admin)
        print(f"user {args.name} created (id {uid}{', admin' if args.admin else ''})")
    finally:
        store.close()
    return 0


def cmd_token_add(args: argparse.Namespace) -> int:
    """Create a read-only API token for a user; prints it once."""
    config = _load(args)
    store = _open_store(config)
    try:
        user = store.user_by_name(args.user)
        if user is None:
            raise CliError(f"no user {args.user!r}")
        token = secrets.token_urlsafe(32)
        store.create_token(user.id, args.name, hashlib.sha256(token.encode()).hexdigest())
        print(token)
        print(f"token {args.name!r} for {user.username}: shown once, keep it safe", file=sys.stderr)
    finally:
        store.close()
    return 0


def _install_stop(stop: Callable[[], None]) -> None:
    def handler(_sig: int, _frame: Any) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def cmd_collect(args: argparse.Namespace) -> int:
    """Run the collector until SIGTERM / Ctrl-C."""
    from dashboard.collector import Collector

    config = _load(args)
    collector = Collector(config)
    _install_stop(collector.stop)
    collector.run()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web server."""
    config = _load(args)
    store = _open_store(config)
    try:
        ensure_secret_key(config.web.secret_key_file)
        from dashboard.web.server import serve

        serve(config, store, host=args.host, port=args.port)
    finally:
        store.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import CSV exports or ``compteur decode --json`` output."""
    from dashboard.importexport import ImportError_, detect_format, import_samples, read_csv, read_jsonl

    config = _load(args)
    store = _open_store(config)
    tz = config.meter.zone
    try:
        for name in args.files:
            p = Path(name)
            try:
                f = open(p, encoding="utf-8", newline="")
            except OSError as e:
                raise CliError(f"{p}: {e.strerror or e}") from None
            with f:
                first = f.readline()
                f.seek(0)
                fmt = args.format if args.format != "auto" else detect_format(first)
                items = read_csv(f) if fmt == "csv" else read_jsonl(f, tz, args.serial or config.meter.serial)
                try:
                    n, new = import_samples(
                        store, items, config.meter.name, config.meter.timezone, gap_seconds=args.gap_seconds
                    )
                except ImportError_ as e:
                    raise CliError(
                        f"{p}: {e} (import stopped; fix the file and run it again: imports are idempotent)"
                    ) from None
            print(f"{p}: {n} readings read, {new} new")
    finally:
        store.close()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export readings or aggregates of a range as CSV."""
    from dashboard.importexport import export_csv

    config = _load(args)
    store = _open_store(config)
    try:
        meters = store.meters()
        if not meters:
            raise CliError("the database holds no meter yet")
        if args.meter:
            match = [m for m in meters if m.serial == args.meter]
            if not match:
                raise CliError(f"no meter {args.meter!r} (known: {', '.join(m.serial for m in meters)})")
            meter = match[0]
        else:
            meter = meters[0]
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(meter.timezone)
        start = _parse_when(args.start, tz) if args.start else (meter.first or timeconv.from_unix(0))
        end = _parse_when(args.end, tz) if args.end else (
            (meter.last + timedelta(seconds=1)) if meter.last else timeconv.from_unix(0)
        )
        if end <= start:
            raise CliError("--to must be after --from")
        if args.output and args.output != "-":
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                n = export_csv(store, meter.id, start, end, args.resolution, out)
            print(f"{n} rows written to {args.output}", file=sys.stderr)
        else:
            export_csv(store, meter.id, start, end, args.resolution, sys.stdout)
    finally:
        store.close()
    return 0


def _meter(store: Any, serial: Optional[str]) -> Any:
    meters = store.meters()
    if not meters:
        raise CliError("the database holds no meter yet")
    if serial:
        match = [m for m in meters if m.serial == serial]
        if not match:
            raise CliError(f"no meter {serial!r} (known: {', '.join(m.serial for m in meters)})")
        return match[0]
    return meters[0]


def _describe_tariff(t: Any, currency: str) -> List[str]:
    from dashboard.analytics.tariffs import Dynamic, Flat

    until = f"until {t.valid_to - timedelta(days=1)}" if t.valid_to else "open-ended"
    lines = [f"{t.name or '(no name)'}: from {t.valid_from}, {until}"]
    if isinstance(t.energy, Flat):
        lines.append(f"  energy: flat {t.energy.price:g} {currency}/kWh")
    elif isinstance(t.energy, Dynamic):
        prices = t.energy.prices
        first, last = min(prices), max(prices)
        lines.append(
            f"  energy: dynamic, {len(prices)} quarter-hour prices from "
            f"{timeconv.from_unix(first).isoformat()} to {timeconv.from_unix(last + 900).isoformat()}, "
            f"{min(prices.values()):g} to {max(prices.values()):g} {currency}/kWh"
        )
    else:
        lines.append("  energy: time of use (first matching band wins)")
        for b in t.energy.bands:
            lines.append(f"    {', '.join(sorted(b.days))} {b.start:%H:%M}-{b.end:%H:%M}: {b.price:g} {currency}/kWh")
    extras = []
    if t.fixed_per_day:
        extras.append(f"fixed {t.fixed_per_day:g}/day")
    if t.fixed_per_month:
        extras.append(f"fixed {t.fixed_per_month:g}/month")
    if t.capacity is not None:
        extras.append(f"capacity {t.capacity.price_per_kw:g}/kW ({t.capacity.method})")
    if t.feed_in is not None:
        extras.append("feed-in " + (f"{t.feed_in:g}/kWh" if isinstance(t.feed_in, (int, float)) else "dynamic"))
    if t.levy_per_kwh:
        extras.append(f"levy {t.levy_per_kwh:g}/kWh")
    if t.tax_percent:
        extras.append(f"tax {t.tax_percent:g} %")
    if extras:
        lines.append("  " + ", ".join(extras))
    return lines


def cmd_tariffs(args: argparse.Namespace) -> int:
    """Check the [costs] tariffs and print them (and the public holidays of a year)."""
    config = _load(args)
    c = config.costs
    if not c.priced:
        print("no tariff configured ([costs] price_per_kwh / monthly_fee or [[costs.tariff]] tables)")
        return 0
    for t in c.tariffs.tariffs:
        print("\n".join(_describe_tariff(t, c.currency)))
    year = args.year or date.today().year
    days = sorted(c.holidays_in(year, year))
    where = f"{c.holiday_country}{'-' + c.holiday_subdivision if c.holiday_subdivision else ''}" if c.holiday_country else "none"
    print(f"public holidays {year} (calendar: {where}): {', '.join(d.isoformat() for d in days) or 'none'}")
    return 0


def _bill_line(label: str, b: Any) -> str:
    return (f"{label:<10} {b.import_kwh:>10.3f} {b.export_kwh:>9.3f} {b.energy_cost:>10.2f} {b.fixed:>8.2f} "
            f"{b.capacity:>9.2f} {b.taxes:>8.2f} {b.feed_in_credit:>8.2f} {b.total:>11.2f}")


def cmd_costs(args: argparse.Namespace) -> int:
    """Print the bill of a range per month (or per day) from the stored data."""
    from zoneinfo import ZoneInfo

    from dashboard.analytics.billing import bill_range

    config = _load(args)
    if not config.costs.priced:
        raise CliError("no tariff configured in [costs]")
    store = _open_store(config)
    try:
        meter = _meter(store, args.meter)
        tz = ZoneInfo(meter.timezone)
        start = _parse_when(args.start, tz) if args.start else (meter.first or timeconv.from_unix(0))
        end = _parse_when(args.end, tz, end=True) if args.end else (
            (meter.last + timedelta(seconds=1)) if meter.last else timeconv.from_unix(0)
        )
        if end <= start:
            raise CliError("--to must be after --from")
        if end - start > timedelta(days=3700):
            raise CliError("the range is too long: at most ten years")
        bill = bill_range(store, meter, start, end, config.costs)
    finally:
        store.close()
    rows = bill.days.items() if args.daily else bill.months.items()
    cur = config.costs.currency
    print(f"{'period':<10} {'kWh in':>10} {'kWh out':>9} {'energy':>10} {'fixed':>8} {'capacity':>9} "
          f"{'taxes':>8} {'feed-in':>8} {'total ' + cur:>11}")
    for key, b in rows:
        label = key.isoformat() if args.daily else key.strftime("%Y-%m")
        flag = "" if b.complete else f"  incomplete ({b.missing_intervals} quarter-hours)"
        print(_bill_line(label, b) + flag)
    print(_bill_line("total", bill.totals))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Scan the stored data for anomalies and forecast the day after it (optionally backtest)."""
    from zoneinfo import ZoneInfo

    from dashboard.analytics.forecast import ForecastError
    from dashboard.analytics.service import choose_model, forecast_meter, scan_meter

    config = _load(args)
    store = _open_store(config)
    try:
        meter = _meter(store, args.meter)
        if meter.last is None:
            raise CliError("the meter has no readings yet")
        tz = ZoneInfo(meter.timezone)
        end = _parse_when(args.end, tz, end=True) if args.end else meter.last + timedelta(seconds=1)
        start = _parse_when(args.start, tz) if args.start else end - timedelta(days=30)
        if end <= start:
            raise CliError("--to must be after --from")
        scan = scan_meter(store, config, meter, end)
        lo, hi = int(start.timestamp()), int(end.timestamp())
        found = [a for a in scan.anomalies if a.end > lo and a.start < hi]
        print(f"anomalies from {start.astimezone(tz):%Y-%m-%d %H:%M} to {end.astimezone(tz):%Y-%m-%d %H:%M}: {len(found)}")
        for a in found:
            print(f"  {a.severity:<8} {a.kind:<18} {a.message}")
        if scan.base_load_change_w is not None:
            print(f"standby: {scan.base_load_change_w:+.0f} W over the last 30 days")
        if args.backtest:
            sel = choose_model(store, config, meter)
            print(f"backtest ({sel['seconds']:.1f} s): chosen {sel['best']}")
            for sc in sel["scores"]:
                print(f"  {sc['model']:<18} MASE {sc['mase']:.3f}  NRMSE {100 * sc['nrmse']:.1f} %  ({sc['origins']} origins)")
        try:
            out = forecast_meter(store, config, meter, model=args.model)
        except ForecastError as e:
            print(f"forecast: not yet ({e})")
        else:
            f = out["forecast"]
            first = timeconv.from_unix(f.times[0]).astimezone(tz)
            print(f"forecast from {first:%Y-%m-%d %H:%M} ({f.model}): {f.total_wh / 1000:.2f} kWh over "
                  f"{len(f.times) * f.step / 3600:.0f} h, 80 % band {sum(f.lower) / 1000:.2f} to {sum(f.upper) / 1000:.2f} kWh")
    finally:
        store.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Simulated meter, 60 days of history, collector and web server in one process."""
    from dashboard.demo import run_demo

    return run_demo(Path(args.dir), port=args.port, days=args.days, interval=args.interval,
                    web=not args.no_web, duration=args.duration)


# -- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of the command line."""
    p = argparse.ArgumentParser(prog="compteur-dashboard", description="The compteur energy dashboard.")
    p.add_argument("--version", action="version", version=f"compteur-dashboard {__version__}")
    p.add_argument("-c", "--config", help="the TOML config file (default $DASHBOARD_CONFIG or ./dashboard.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    # -c/--config is accepted after the command too (`compteur-dashboard collect -c FILE`)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("init", parents=[common], help="create the database, the secret key and the first admin user")
    s.add_argument("--admin", default="admin", help="name of the first admin user (default admin)")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("serve", parents=[common], help="run the web server")
    s.add_argument("--host", help="override [web] host")
    s.add_argument("--port", type=int, help="override [web] port")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("collect", parents=[common], help="run the collector (the configured source into the database)")
    s.set_defaults(func=cmd_collect)

    s = sub.add_parser("import", parents=[common], help="import CSV exports or `compteur decode --json` output")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--format", choices=("auto", "csv", "jsonl"), default="auto")
    s.add_argument("--serial", help="meter serial for pushes that carry none")
    s.add_argument("--gap-seconds", type=float, default=None,
                   help="spacing above which a gap is recorded (default: the meter's threshold)")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("export", parents=[common], help="export a range as CSV (raw readings or aggregates)")
    s.add_argument("--from", dest="start", help="start: ISO date or date-time (naive = meter local time)")
    s.add_argument("--to", dest="end", help="end (exclusive), same forms")
    s.add_argument("--resolution", choices=("raw", "15m", "1h", "1d"), default="raw")
    s.add_argument("--meter", help="meter serial (default the first meter)")
    s.add_argument("-o", "--output", help="output file (default standard output)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("tariffs", parents=[common], help="check the [costs] tariffs and print them")
    s.add_argument("--year", type=int, help="the year whose public holidays are listed (default this year)")
    s.set_defaults(func=cmd_tariffs)

    s = sub.add_parser("costs", parents=[common], help="the bill of a range per month (or day) from the stored data")
    s.add_argument("--from", dest="start", help="start: ISO date or date-time (naive = meter local time)")
    s.add_argument("--to", dest="end", help="end: a date includes that whole day; default the newest reading")
    s.add_argument("--meter", help="meter serial (default the first meter)")
    s.add_argument("--daily", action="store_true", help="one line per local day instead of per month")
    s.set_defaults(func=cmd_costs)

    s = sub.add_parser("analyze", parents=[common], help="anomalies of the stored data and a forecast of the day after it")
    s.add_argument("--from", dest="start", help="start of the range reported (default 30 days before --to)")
    s.add_argument("--to", dest="end", help="end of the data considered (default the newest reading)")
    s.add_argument("--meter", help="meter serial (default the first meter)")
    s.add_argument("--backtest", action="store_true", help="also choose the forecast model by backtest (slow) and print the scores")
    s.add_argument("--model", default=None, help="forecast with this model instead of the configured one")
    s.set_defaults(func=cmd_analyze)

    s = sub.add_parser("demo", parents=[common], help="run everything on the simulator (no meter needed)")
    s.add_argument("--dir", default="dashboard-demo", help="data folder (default ./dashboard-demo)")
    s.add_argument("--port", type=int, default=5000, help="web port on 127.0.0.1 (default 5000)")
    s.add_argument("--days", type=int, default=60, help="days of simulated history (default 60)")
    s.add_argument("--interval", type=float, default=5.0, help="seconds between live pushes (default 5)")
    s.add_argument("--no-web", action="store_true", help="run the collector only")
    s.add_argument("--duration", type=float, default=None, help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("user", help="manage users")
    us = s.add_subparsers(dest="user_command", metavar="ACTION")
    us.required = True
    a = us.add_parser("add", parents=[common], help="add a user (asks for the password)")
    a.add_argument("name")
    a.add_argument("--admin", action="store_true", help="make the user an administrator")
    a.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    a.set_defaults(func=cmd_user_add)

    s = sub.add_parser("token", help="manage API tokens")
    ts = s.add_subparsers(dest="token_command", metavar="ACTION")
    ts.required = True
    a = ts.add_parser("add", parents=[common], help="create a read-only API token (printed once)")
    a.add_argument("name", help="a label for the token")
    a.add_argument("--user", required=True, help="the user the token acts for")
    a.set_defaults(func=cmd_token_add)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from dashboard.store import StoreError

    try:
        return int(args.func(args) or 0)
    except (CliError, ConfigError, StoreError) as e:
        print(f"compteur-dashboard: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
