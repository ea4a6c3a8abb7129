"""The database schema (SQLAlchemy 2.x declarative models).

Times are integer Unix seconds (UTC) in the data tables. ``readings`` has one REAL column per
quantity of :data:`dashboard.quantities.QUANTITIES`; ``aggregates`` has, per counter, the
energy of the interval (from the register values at its edges) and, per instant quantity, the
mean (column named after the quantity) and the maximum (``<name>_max``). Schema changes go
through the Alembic migrations in ``dashboard/migrations``.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dashboard.quantities import INSTANTS, QUANTITIES

__all__ = [
    "Base",
    "MeterRow",
    "ReadingRow",
    "AggregateRow",
    "GapRow",
    "UserRow",
    "ApiTokenRow",
    "CollectorStateRow",
    "AlertRow",
    "metadata",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention (stable constraint names for migrations)."""

    metadata = MetaData(naming_convention=NAMING)


metadata = Base.metadata


class MeterRow(Base):
    """A meter, identified by its serial number."""

    __tablename__ = "meters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    created_utc: Mapped[int] = mapped_column(Integer, nullable=False)
    gap_seconds: Mapped[float] = mapped_column(Float, nullable=False, default=60.0)
    """No reading for longer than this is a gap (the collector's silence timeout)."""
    aggregated_until: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    """End of the last 15-minute interval whose aggregates are computed."""
    dirty_from: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    """Earliest reading stored since the aggregates were last brought up to date."""


class ReadingRow(Base):
    """One stored reading (one push or one poll), with every OBIS value it carried."""

    __tablename__ = "readings"
    meter_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[int] = mapped_column(Integer, primary_key=True)
    dst: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    obis: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    """JSON list ``[[obis, value, unit], ...]`` of every value of the push."""

    active_energy_import: Mapped[Optional[float]] = mapped_column(Float)
    active_energy_export: Mapped[Optional[float]] = mapped_column(Float)
    reactive_energy_import: Mapped[Optional[float]] = mapped_column(Float)
    reactive_energy_export: Mapped[Optional[float]] = mapped_column(Float)
    active_power_import: Mapped[Optional[float]] = mapped_column(Float)
    active_power_export: Mapped[Optional[float]] = mapped_column(Float)
    reactive_power_import: Mapped[Optional[float]] = mapped_column(Float)
    reactive_power_export: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l1: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l2: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l3: Mapped[Optional[float]] = mapped_column(Float)
    current_l1: Mapped[Optional[float]] = mapped_column(Float)
    current_l2: Mapped[Optional[float]] = mapped_column(Float)
    current_l3: Mapped[Optional[float]] = mapped_column(Float)
    power_factor: Mapped[Optional[float]] = mapped_column(Float)
    frequency: Mapped[Optional[float]] = mapped_column(Float)


class AggregateRow(Base):
    """A 15-minute, hourly or daily (local calendar day) aggregate."""

    __tablename__ = "aggregates"
    meter_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("meters.id", ondelete="CASCADE"), primary_key=True
    )
    resolution: Mapped[str] = mapped_column(String(4), primary_key=True)
    start: Mapped[int] = mapped_column(Integer, primary_key=True)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    samples: Mapped[int] = mapped_column(Integer, nullable=False)
    complete: Mapped[bool] = mapped_column(Boolean, nullable=False)

    active_energy_import: Mapped[Optional[float]] = mapped_column(Float)
    active_energy_export: Mapped[Optional[float]] = mapped_column(Float)
    reactive_energy_import: Mapped[Optional[float]] = mapped_column(Float)
    reactive_energy_export: Mapped[Optional[float]] = mapped_column(Float)
    active_power_import: Mapped[Optional[float]] = mapped_column(Float)
    active_power_export: Mapped[Optional[float]] = mapped_column(Float)
    reactive_power_import: Mapped[Optional[float]] = mapped_column(Float)
    reactive_power_export: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l1: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l2: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l3: Mapped[Optional[float]] = mapped_column(Float)
    current_l1: Mapped[Optional[float]] = mapped_column(Float)
    current_l2: Mapped[Optional[float]] = mapped_column(Float)
    current_l3: Mapped[Optional[float]] = mapped_column(Float)
    power_factor: Mapped[Optional[float]] = mapped_column(Float)
    frequency: Mapped[Optional[float]] = mapped_column(Float)

    active_power_import_max: Mapped[Optional[float]] = mapped_column(Float)
    active_power_export_max: Mapped[Optional[float]] = mapped_column(Float)
    reactive_power_import_max: Mapped[Optional[float]] = mapped_column(Float)
    reactive_power_export_max: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l1_max: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l2_max: Mapped[Optional[float]] = mapped_column(Float)
    voltage_l3_max: Mapped[Optional[float]] = mapped_column(Float)
    current_l1_max: Mapped[Optional[float]] = mapped_column(Float)
    current_l2_max: Mapped[Optional[float]] = mapped_column(Float)
    current_l3_max: Mapped[Optional[float]] = mapped_column(Float)
    power_factor_max: Mapped[Optional[float]] = mapped_column(Float)
    frequency_max: Mapped[Optional[float]] = mapped_column(Float)


class GapRow(Base):
    """A period without readings (longer than the meter's gap threshold)."""

    __tablename__ = "gaps"
    __table_args__ = (UniqueConstraint("meter_id", "start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meter_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("meters.id", ondelete="CASCADE"), nullable=False
    )
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    """Time of the last reading before the silence."""
    end: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    """Time of the first reading after it; NULL while the gap is open."""
    reason: Mapped[str] = mapped_column(String(200), nullable=False)


class AlertRow(Base):
    """An anomaly found in a meter's data, kept so that it can be acknowledged and delivered.

    ``key`` (``<kind>:<start>``) is unique per meter: scanning the same data again updates the
    row instead of adding one, and keeps its acknowledgement.
    """

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("meter_id", "key"), Index("ix_alerts_meter_start", "meter_id", "start"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meter_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("meters.id", ondelete="CASCADE"), nullable=False
    )
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    start: Mapped[int] = mapped_column(Integer, nullable=False)
    end: Mapped[int] = mapped_column(Integer, nullable=False)
    severity: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(String(500), nullable=False)
    value: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    expected: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    unit: Mapped[str] = mapped_column(String(20), nullable=False)
    score: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    details: Mapped[Optional[str]] = mapped_column(Text, nullable=True)
    """The anomaly's ``details`` as JSON (what the message says, for other languages); None
    for alerts stored before revision 0003."""
    found_utc: Mapped[int] = mapped_column(Integer, nullable=False)
    """When the alert was first found (Unix s)."""
    acknowledged_utc: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    acknowledged_by: Mapped[Optional[int]] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class UserRow(Base):
    """A dashboard user."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(500), nullable=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_utc: Mapped[int] = mapped_column(Integer, nullable=False)


class ApiTokenRow(Base):
    """A read-only API token; only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_utc: Mapped[int] = mapped_column(Integer, nullable=False)
    last_used_utc: Mapped[Optional[int]] = mapped_column(Integer, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class CollectorStateRow(Base):
    """Key/value state the collector publishes (read by ``/api/health``)."""

    __tablename__ = "collector_state"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_utc: Mapped[int] = mapped_column(Integer, nullable=False)


Index("ix_gaps_meter_end", GapRow.meter_id, GapRow.end)
Index("ix_api_tokens_user", ApiTokenRow.user_id)

assert all(hasattr(ReadingRow, q) and hasattr(AggregateRow, q) for q in QUANTITIES)
assert all(hasattr(AggregateRow, q + "_max") for q in INSTANTS)
