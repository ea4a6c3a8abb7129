//! The object model of one simulated E450: what a GET, SET or ACTION sees, computed from
//! the household and the clock at the instant of the request.

use dlms::Data;
use dlms::apdu::{
    ActionResult, AttributeDescriptor, CaptureObject, DataAccessResult, EntryDescriptor,
    MethodDescriptor, RangeDescriptor, SelectiveAccess,
};
use dlms::cosem::{
    AttributeAccessItem, AttributeAccessMode, AttributeValue, ClassId, MethodAccessItem,
    MethodAccessMode, ObjectListEntry,
};
use dlms::session::{AccessLevel, ObjectModel, RequestContext};
use obis::{ObisCode, ScalerUnit, Unit};

use super::clock::{DAY, LocalTime, SimClock, TimeZone};
use super::household::{Energies, Household, Slot};

/// The load profile's capture period, seconds.
pub const LOAD_PROFILE_PERIOD: i64 = 900;

const fn ln(a: u8, b: u8, c: u8, d: u8, e: u8) -> ObisCode {
    ObisCode::new(a, b, c, d, e, 255)
}

/// The clock, `0-0:1.0.0`.
pub const CLOCK: ObisCode = ln(0, 0, 1, 0, 0);
/// The load profile, `1-0:99.1.0` (15 minutes).
pub const LOAD_PROFILE: ObisCode = ln(1, 0, 99, 1, 0);
/// The daily profile, `1-0:99.2.0`.
pub const DAILY_PROFILE: ObisCode = ln(1, 0, 99, 2, 0);
/// The standard event log, `0-0:99.98.0`.
pub const EVENT_LOG: ObisCode = ln(0, 0, 99, 98, 0);
/// Disconnect control, `0-0:96.3.10`.
pub const DISCONNECT_CONTROL: ObisCode = ln(0, 0, 96, 3, 10);
/// The meter serial number, `0-0:96.1.0`.
pub const SERIAL: ObisCode = ln(0, 0, 96, 1, 0);
/// The profile status, `0-0:96.10.1`.
pub const PROFILE_STATUS: ObisCode = ln(0, 0, 96, 10, 1);
/// The event code of the standard event log, `0-0:96.11.0`.
pub const EVENT_CODE: ObisCode = ln(0, 0, 96, 11, 0);
const ASSOCIATION: ObisCode = ln(0, 0, 40, 0, 0);

/// Event codes written to the standard event log.
pub mod event {
    /// Power down.
    pub const POWER_DOWN: u8 = 1;
    /// Power up.
    pub const POWER_UP: u8 = 2;
    /// Clock adjusted (old time).
    pub const CLOCK_ADJUSTED_OLD: u8 = 4;
    /// Clock adjusted (new time).
    pub const CLOCK_ADJUSTED_NEW: u8 = 5;
    /// Remote disconnection.
    pub const REMOTE_DISCONNECT: u8 = 59;
    /// Remote reconnection.
    pub const REMOTE_RECONNECT: u8 = 60;
}

/// A register's quantity.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reg {
    Import,
    ImportT1,
    ImportT2,
    Export,
    ExportT1,
    ExportT2,
    ReactiveImport,
    ReactiveExport,
    PowerImport,
    PowerExport,
    ReactivePowerImport,
    ReactivePowerExport,
    PowerImportL(usize),
    PowerExportL(usize),
    Current(usize),
    Voltage(usize),
    PowerFactor,
    PowerFactorL(usize),
    Frequency,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Clock,
    LogicalDeviceName,
    Serial,
    Firmware,
    ActiveTariff,
    EventCode,
    ProfileStatus,
    Register(Reg),
    Profile(Profile),
    Disconnect,
    Association,
}

/// The three profiles.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Profile {
    Load,
    Daily,
    Events,
}

#[derive(Clone, Copy, Debug)]
struct ObjDef {
    class: u16,
    version: u8,
    ln: ObisCode,
    kind: Kind,
    /// Visible to the public client.
    public: bool,
}

const fn reg(c: u8, d: u8, e: u8, r: Reg) -> ObjDef {
    ObjDef {
        class: 3,
        version: 0,
        ln: ln(1, 0, c, d, e),
        kind: Kind::Register(r),
        public: true,
    }
}

const fn data(l: ObisCode, kind: Kind, public: bool) -> ObjDef {
    ObjDef {
        class: 1,
        version: 0,
        ln: l,
        kind,
        public,
    }
}

const fn profile(l: ObisCode, p: Profile, public: bool) -> ObjDef {
    ObjDef {
        class: 7,
        version: 1,
        ln: l,
        kind: Kind::Profile(p),
        public,
    }
}

/// Every object, in object-list order.
const OBJECTS: &[ObjDef] = &[
    ObjDef {
        class: 8,
        version: 0,
        ln: CLOCK,
        kind: Kind::Clock,
        public: true,
    },
    data(ln(0, 0, 42, 0, 0), Kind::LogicalDeviceName, true),
    data(SERIAL, Kind::Serial, true),
    data(ln(0, 0, 96, 1, 1), Kind::Serial, true),
    data(ln(1, 0, 0, 2, 0), Kind::Firmware, true),
    data(ln(0, 0, 96, 14, 0), Kind::ActiveTariff, true),
    reg(1, 8, 0, Reg::Import),
    reg(1, 8, 1, Reg::ImportT1),
    reg(1, 8, 2, Reg::ImportT2),
    reg(2, 8, 0, Reg::Export),
    reg(2, 8, 1, Reg::ExportT1),
    reg(2, 8, 2, Reg::ExportT2),
    reg(3, 8, 0, Reg::ReactiveImport),
    reg(4, 8, 0, Reg::ReactiveExport),
    reg(1, 7, 0, Reg::PowerImport),
    reg(2, 7, 0, Reg::PowerExport),
    reg(3, 7, 0, Reg::ReactivePowerImport),
    reg(4, 7, 0, Reg::ReactivePowerExport),
    reg(21, 7, 0, Reg::PowerImportL(0)),
    reg(41, 7, 0, Reg::PowerImportL(1)),
    reg(61, 7, 0, Reg::PowerImportL(2)),
    reg(22, 7, 0, Reg::PowerExportL(0)),
    reg(42, 7, 0, Reg::PowerExportL(1)),
    reg(62, 7, 0, Reg::PowerExportL(2)),
    reg(31, 7, 0, Reg::Current(0)),
    reg(51, 7, 0, Reg::Current(1)),
    reg(71, 7, 0, Reg::Current(2)),
    reg(32, 7, 0, Reg::Voltage(0)),
    reg(52, 7, 0, Reg::Voltage(1)),
    reg(72, 7, 0, Reg::Voltage(2)),
    reg(13, 7, 0, Reg::PowerFactor),
    reg(33, 7, 0, Reg::PowerFactorL(0)),
    reg(53, 7, 0, Reg::PowerFactorL(1)),
    reg(73, 7, 0, Reg::PowerFactorL(2)),
    reg(14, 7, 0, Reg::Frequency),
    profile(LOAD_PROFILE, Profile::Load, true),
    profile(DAILY_PROFILE, Profile::Daily, true),
    profile(EVENT_LOG, Profile::Events, false),
    data(PROFILE_STATUS, Kind::ProfileStatus, false),
    data(EVENT_CODE, Kind::EventCode, false),
    ObjDef {
        class: 70,
        version: 0,
        ln: DISCONNECT_CONTROL,
        kind: Kind::Disconnect,
        public: false,
    },
    ObjDef {
        class: 15,
        version: 2,
        ln: ASSOCIATION,
        kind: Kind::Association,
        public: true,
    },
];

impl Kind {
    /// The attributes served, and the writable ones (for read-write associations).
    fn attributes(self) -> (&'static [i8], &'static [i8]) {
        match self {
            Kind::Clock => (&[1, 2, 3, 4, 5, 6, 7, 8, 9], &[2]),
            Kind::Register(_) => (&[1, 2, 3], &[]),
            Kind::Profile(_) => (&[1, 2, 3, 4, 5, 6, 7, 8], &[]),
            Kind::Disconnect => (&[1, 2, 3, 4], &[]),
            Kind::Association => (&[1, 2, 3, 8], &[]),
            _ => (&[1, 2], &[]),
        }
    }

    fn methods(self) -> &'static [i8] {
        match self {
            Kind::Disconnect => &[1, 2],
            Kind::Association => &[1],
            _ => &[],
        }
    }
}

impl Reg {
    fn value(self, e: &Energies, s: &Slot) -> Data {
        let at3 = |a: [u32; 3], i: usize| a.get(i).copied().unwrap_or(0);
        let at16 = |a: [u16; 3], i: usize| a.get(i).copied().unwrap_or(0);
        match self {
            Reg::Import => Data::DoubleLongUnsigned(e.import),
            Reg::ImportT1 => Data::DoubleLongUnsigned(e.import_t1),
            Reg::ImportT2 => Data::DoubleLongUnsigned(e.import_t2),
            Reg::Export => Data::DoubleLongUnsigned(e.export),
            Reg::ExportT1 => Data::DoubleLongUnsigned(e.export_t1),
            Reg::ExportT2 => Data::DoubleLongUnsigned(e.export_t2),
            Reg::ReactiveImport => Data::DoubleLongUnsigned(e.reactive_import),
            Reg::ReactiveExport => Data::DoubleLongUnsigned(e.reactive_export),
            Reg::PowerImport => Data::DoubleLongUnsigned(s.import),
            Reg::PowerExport => Data::DoubleLongUnsigned(s.export),
            Reg::ReactivePowerImport => Data::DoubleLongUnsigned(s.reactive_import),
            Reg::ReactivePowerExport => Data::DoubleLongUnsigned(s.reactive_export),
            Reg::PowerImportL(i) => Data::DoubleLongUnsigned(at3(s.import_phase, i)),
            Reg::PowerExportL(i) => Data::DoubleLongUnsigned(at3(s.export_phase, i)),
            Reg::Current(i) => Data::LongUnsigned(at16(s.current, i)),
            Reg::Voltage(i) => Data::LongUnsigned(at16(s.voltage, i)),
            Reg::PowerFactor => Data::LongUnsigned(s.power_factor),
            Reg::PowerFactorL(i) => Data::LongUnsigned(at16(s.power_factor_phase, i)),
            Reg::Frequency => Data::LongUnsigned(s.frequency),
        }
    }
}

/// The scaler and unit of a register: the registry's, else none.
fn scaler_unit(code: ObisCode) -> ScalerUnit {
    obis::registry::lookup(code)
        .and_then(|e| e.scaler_unit)
        .unwrap_or(ScalerUnit::new(0, Unit::COUNT))
}

fn scaler_unit_data(su: ScalerUnit) -> Data {
    Data::Structure(vec![Data::Integer(su.scaler), Data::Enum(su.unit.0)])
}

fn capture(class_id: u16, logical_name: ObisCode) -> CaptureObject {
    CaptureObject {
        class_id,
        logical_name,
        attribute: 2,
        data_index: 0,
    }
}

fn octets(d: &dlms::DateTime) -> Data {
    Data::OctetString(d.to_bytes().to_vec())
}

/// What the meter measures at one instant.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct Snapshot {
    /// The instant (UTC seconds since the epoch).
    pub utc: i64,
    /// The energy registers.
    pub energies: Energies,
    /// The instantaneous values (those of the current minute).
    pub slot: Slot,
}

/// One simulated E450: its identity, its household, the state of its breaker and its event
/// log. It is the [`ObjectModel`] a [`dlms::session::ServerSession`] answers from; values
/// are computed at the instant of each request.
///
/// ```
/// use dlms::apdu::{AttributeDescriptor, MechanismName};
/// use dlms::session::{AccessLevel, ObjectModel, RequestContext};
/// use dlms::Data;
/// use e450::simulator::{SimulatedMeter, SimClock, TimeZone};
///
/// let clock = SimClock::manual(TimeZone::CENTRAL_EUROPE, "2026-05-04T11:39:20".parse()?);
/// let mut meter = SimulatedMeter::new(1_909_113, 42, clock, 60);
/// let ctx = RequestContext::new(16, AccessLevel::ReadOnly, MechanismName::NONE);
/// let serial = AttributeDescriptor { class_id: 1, instance: obis::obis!("0-0:96.1.0"), attribute: 2 };
/// assert_eq!(meter.get(&ctx, &serial, None), Ok(Data::OctetString(b"1909113".to_vec())));
/// let energy = AttributeDescriptor { class_id: 3, instance: obis::obis!("1-0:1.8.0"), attribute: 2 };
/// let Ok(Data::DoubleLongUnsigned(wh)) = meter.get(&ctx, &energy, None) else { panic!() };
/// assert_eq!(wh, meter.snapshot(meter.now()).energies.import);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SimulatedMeter {
    serial: u32,
    clock: SimClock,
    zone: TimeZone,
    /// Seconds added to the shared clock (a client set this meter's clock).
    clock_offset: i64,
    household: Household,
    connected: bool,
    /// The event log: (UTC instant, code), oldest first.
    events: Vec<(i64, u8)>,
    history_days: u32,
}

impl SimulatedMeter {
    /// A meter with this serial number, its household drawn from `seed`, on `clock`, with
    /// `history_days` of profile history before the clock's current time.
    #[must_use]
    pub fn new(serial: u32, seed: u64, clock: SimClock, history_days: u32) -> Self {
        let zone = clock.zone();
        let now = clock.now_utc();
        let origin = now.saturating_sub(i64::from(history_days).saturating_mul(DAY));
        let seed = seed ^ u64::from(serial).wrapping_mul(0x9E37_79B9);
        let household = Household::new(seed, zone.standard_offset, origin);
        let origin = household.origin();
        // A few events in the history: a power cut (10 minutes) and a clock adjustment.
        let r = super::household::mix(seed ^ 0xE7E7);
        let span = i64::from(history_days.max(1)).saturating_mul(DAY);
        let cut = origin.saturating_add(
            i64::try_from(r % 1_000_000)
                .unwrap_or(0)
                .saturating_mul(span)
                / 1_000_000,
        );
        let adjust = origin.saturating_add(span / 3).saturating_add(3 * 3600);
        let mut events = vec![
            (origin, event::POWER_UP),
            (cut, event::POWER_DOWN),
            (cut.saturating_add(600), event::POWER_UP),
            (adjust, event::CLOCK_ADJUSTED_OLD),
            (adjust.saturating_add(2), event::CLOCK_ADJUSTED_NEW),
        ];
        events.sort_unstable();
        SimulatedMeter {
            serial,
            clock,
            zone,
            clock_offset: 0,
            household,
            connected: true,
            events,
            history_days,
        }
    }

    /// The serial number (`0-0:96.1.0`).
    #[must_use]
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// The system title: `LGZ`, `0x67`, then 4 flag bits and the 28-bit serial.
    ///
    /// ```
    /// # use e450::simulator::{SimulatedMeter, SimClock, TimeZone};
    /// let m = SimulatedMeter::new(56_815_930, 0, SimClock::system(TimeZone::UTC), 1);
    /// assert_eq!(m.system_title(), [0x4C, 0x47, 0x5A, 0x67, 0x73, 0x62, 0xF1, 0x3A]);
    /// ```
    #[must_use]
    pub fn system_title(&self) -> [u8; 8] {
        let s = (0x7000_0000 | (self.serial & 0x0FFF_FFFF)).to_be_bytes();
        [b'L', b'G', b'Z', 0x67, s[0], s[1], s[2], s[3]]
    }

    /// The time zone of the meter's clock.
    #[must_use]
    pub fn zone(&self) -> TimeZone {
        self.zone
    }

    /// The meter's current time (UTC seconds): the shared clock plus any adjustment a client
    /// made to this meter.
    #[must_use]
    pub fn now(&self) -> i64 {
        self.clock.now_utc().saturating_add(self.clock_offset)
    }

    /// Whether the breaker is closed.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// What the meter measures at the UTC instant `utc`.
    pub fn snapshot(&mut self, utc: i64) -> Snapshot {
        Snapshot {
            utc,
            energies: self.household.energies(utc),
            slot: self.household.slot(utc.div_euclid(60)),
        }
    }

    /// The event log: (UTC instant, code), oldest first.
    #[must_use]
    pub fn events(&self) -> &[(i64, u8)] {
        &self.events
    }

    /// Opens the breaker (as disconnect control method 1 does).
    pub fn remote_disconnect(&mut self) {
        if self.connected {
            let now = self.now();
            self.household.disconnect(now);
            self.events.push((now, event::REMOTE_DISCONNECT));
            self.connected = false;
        }
    }

    /// Closes the breaker (as disconnect control method 2 does).
    pub fn remote_reconnect(&mut self) {
        if !self.connected {
            let now = self.now();
            self.household.reconnect(now);
            self.events.push((now, event::REMOTE_RECONNECT));
            self.connected = true;
        }
    }

    /// The instants of the load profile rows at `now`: every 15 minutes, oldest first, at
    /// most `history_days` × 96.
    #[must_use]
    pub fn load_profile_times(&self, now: i64) -> (i64, usize) {
        let last = now
            .div_euclid(LOAD_PROFILE_PERIOD)
            .saturating_mul(LOAD_PROFILE_PERIOD);
        let capacity = i64::from(self.history_days).saturating_mul(DAY / LOAD_PROFILE_PERIOD);
        let origin = self.household.origin();
        let first = origin.max(
            last.saturating_sub(
                capacity
                    .saturating_sub(1)
                    .saturating_mul(LOAD_PROFILE_PERIOD),
            ),
        );
        let n = if last < first {
            0
        } else {
            (last.saturating_sub(first) / LOAD_PROFILE_PERIOD).saturating_add(1)
        };
        (first, usize::try_from(n).unwrap_or(0))
    }

    /// The instants of the daily profile rows (local midnights), oldest first.
    #[must_use]
    pub fn daily_times(&self, now: i64) -> Vec<i64> {
        let zone = self.zone;
        let local = |t: i64| t.saturating_add(i64::from(zone.offset_minutes(t)).saturating_mul(60));
        let first_day = local(self.household.origin())
            .div_euclid(DAY)
            .saturating_add(1);
        let last_day = local(now).div_euclid(DAY);
        let mut out = Vec::new();
        let mut d = first_day.max(last_day.saturating_sub(i64::from(self.history_days)));
        while d <= last_day {
            out.push(zone.local_to_utc(d.saturating_mul(DAY)));
            d = d.saturating_add(1);
        }
        out
    }

    fn capture_objects(p: Profile) -> Vec<CaptureObject> {
        match p {
            Profile::Load => vec![
                capture(8, CLOCK),
                capture(1, PROFILE_STATUS),
                capture(3, ln(1, 0, 1, 8, 0)),
                capture(3, ln(1, 0, 2, 8, 0)),
            ],
            Profile::Daily => vec![
                capture(8, CLOCK),
                capture(3, ln(1, 0, 1, 8, 0)),
                capture(3, ln(1, 0, 1, 8, 1)),
                capture(3, ln(1, 0, 1, 8, 2)),
                capture(3, ln(1, 0, 2, 8, 0)),
                capture(3, ln(1, 0, 2, 8, 1)),
                capture(3, ln(1, 0, 2, 8, 2)),
            ],
            Profile::Events => vec![capture(8, CLOCK), capture(1, EVENT_CODE)],
        }
    }

    /// The instants of a profile's rows.
    fn row_times(&self, p: Profile, now: i64) -> Vec<i64> {
        match p {
            Profile::Load => {
                let (first, n) = self.load_profile_times(now);
                (0..n)
                    .map(|k| {
                        first.saturating_add(
                            i64::try_from(k)
                                .unwrap_or(0)
                                .saturating_mul(LOAD_PROFILE_PERIOD),
                        )
                    })
                    .collect()
            }
            Profile::Daily => self.daily_times(now),
            Profile::Events => self.events.iter().map(|&(t, _)| t).collect(),
        }
    }

    fn status_byte(&self, t: i64) -> u8 {
        if self.zone.is_summer_time(t) {
            0x08
        } else {
            0x00
        }
    }

    /// One profile row (all columns) at instant `t` (for the event log: event `k`).
    fn row(&mut self, p: Profile, t: i64, k: usize) -> Vec<Data> {
        let dt = octets(&self.zone.date_time(t));
        match p {
            Profile::Load => {
                let e = self.household.energies(t);
                vec![
                    dt,
                    Data::Unsigned(self.status_byte(t)),
                    Data::DoubleLongUnsigned(e.import),
                    Data::DoubleLongUnsigned(e.export),
                ]
            }
            Profile::Daily => {
                let e = self.household.energies(t);
                vec![
                    dt,
                    Data::DoubleLongUnsigned(e.import),
                    Data::DoubleLongUnsigned(e.import_t1),
                    Data::DoubleLongUnsigned(e.import_t2),
                    Data::DoubleLongUnsigned(e.export),
                    Data::DoubleLongUnsigned(e.export_t1),
                    Data::DoubleLongUnsigned(e.export_t2),
                ]
            }
            Profile::Events => {
                let code = self.events.get(k).map_or(0, |&(_, c)| c);
                vec![dt, Data::Unsigned(code)]
            }
        }
    }

    fn column_of(cols: &[CaptureObject], c: &CaptureObject) -> Option<usize> {
        cols.iter().position(|o| {
            o.class_id == c.class_id
                && o.logical_name == c.logical_name
                && o.attribute == c.attribute
        })
    }

    /// The buffer (attribute 2), all of it or as selected.
    fn buffer(
        &mut self,
        p: Profile,
        access: Option<&SelectiveAccess>,
    ) -> Result<Data, DataAccessResult> {
        let now = self.now();
        let times = self.row_times(p, now);
        let cols = Self::capture_objects(p);
        let all: Vec<usize> = (0..cols.len()).collect();
        let (range, columns) = match access {
            None => (0..times.len(), all),
            Some(SelectiveAccess::Range(r)) => self.range(&times, &cols, r)?,
            Some(SelectiveAccess::Entry(e)) => Self::entries(times.len(), cols.len(), e),
            Some(SelectiveAccess::Other { .. }) => return Err(DataAccessResult::OTHER_REASON),
        };
        let mut rows = Vec::with_capacity(range.len());
        for k in range {
            let Some(&t) = times.get(k) else { break };
            let cells = self.row(p, t, k);
            rows.push(Data::Structure(
                columns
                    .iter()
                    .filter_map(|&c| cells.get(c).cloned())
                    .collect(),
            ));
        }
        Ok(Data::Array(rows))
    }

    fn range(
        &self,
        times: &[i64],
        cols: &[CaptureObject],
        r: &RangeDescriptor,
    ) -> Result<(core::ops::Range<usize>, Vec<usize>), DataAccessResult> {
        if Self::column_of(cols, &r.restricting_object) != Some(0) {
            // Only the clock column orders the rows.
            return Err(DataAccessResult::OBJECT_UNDEFINED);
        }
        let bound = |d: &Data| d.as_date_time().and_then(|dt| self.zone.to_utc(&dt));
        let (Some(from), Some(to)) = (bound(&r.from), bound(&r.to)) else {
            return Err(DataAccessResult::TYPE_UNMATCHED);
        };
        let start = times.partition_point(|&t| t < from);
        let end = times.partition_point(|&t| t <= to).max(start);
        let columns = if r.selected_values.is_empty() {
            (0..cols.len()).collect()
        } else {
            r.selected_values
                .iter()
                .map(|c| Self::column_of(cols, c).ok_or(DataAccessResult::OBJECT_UNDEFINED))
                .collect::<Result<_, _>>()?
        };
        Ok((start..end, columns))
    }

    fn entries(
        n: usize,
        ncols: usize,
        e: &EntryDescriptor,
    ) -> (core::ops::Range<usize>, Vec<usize>) {
        let first = usize::try_from(e.from_entry.max(1)).unwrap_or(usize::MAX);
        let last = match e.to_entry {
            0 => n,
            t => usize::try_from(t).unwrap_or(usize::MAX).min(n),
        };
        let c0 = usize::from(e.from_selected_value.max(1));
        let c1 = match e.to_selected_value {
            0 => ncols,
            c => usize::from(c).min(ncols),
        };
        let cols = (c0..=c1).map(|c| c.saturating_sub(1)).collect();
        let range = if first > last {
            0..0
        } else {
            first.saturating_sub(1)..last
        };
        (range, cols)
    }

    fn profile_attribute(
        &mut self,
        p: Profile,
        attribute: i8,
        access: Option<&SelectiveAccess>,
    ) -> Result<Data, DataAccessResult> {
        let rows = |m: &Self| {
            let n = m.row_times(p, m.now()).len();
            Data::DoubleLongUnsigned(u32::try_from(n).unwrap_or(u32::MAX))
        };
        match attribute {
            2 => self.buffer(p, access),
            3 => Ok(Data::Array(
                Self::capture_objects(p)
                    .iter()
                    .map(CaptureObject::to_data)
                    .collect(),
            )),
            4 => Ok(Data::DoubleLongUnsigned(match p {
                Profile::Load => 900,
                Profile::Daily => 86_400,
                Profile::Events => 0,
            })),
            5 => Ok(Data::Enum(1)),
            6 => Ok(Data::Structure(vec![
                Data::LongUnsigned(0),
                Data::OctetString(vec![0; 6]),
                Data::Integer(0),
                Data::LongUnsigned(0),
            ])),
            7 => Ok(rows(self)),
            8 => Ok(match p {
                Profile::Load => Data::DoubleLongUnsigned(self.history_days.saturating_mul(96)),
                Profile::Daily => Data::DoubleLongUnsigned(self.history_days.saturating_add(1)),
                Profile::Events => Data::DoubleLongUnsigned(100),
            }),
            _ => Err(DataAccessResult::OBJECT_UNDEFINED),
        }
    }

    fn clock_attribute(&self, attribute: i8) -> Result<Data, DataAccessResult> {
        let now = self.now();
        let zone = self.zone;
        let (year, _, _) = dlms::civil_from_days(now.div_euclid(DAY));
        let transition = |month: u8, summer: bool| {
            let probe: LocalTime = LocalTime {
                year: u16::try_from(year).unwrap_or(2026),
                month,
                day: 31,
                hour: 0,
                minute: 0,
                second: 0,
            };
            // Last Sunday of the month at 02:00 (spring) / 03:00 (autumn) local.
            let mut day = probe.seconds().div_euclid(DAY);
            while day.saturating_add(3).rem_euclid(7) != 6 {
                day = day.saturating_sub(1);
            }
            let hour: i64 = if summer { 2 } else { 3 };
            let mut dt = LocalTime::from_seconds(
                day.saturating_mul(DAY)
                    .saturating_add(hour.saturating_mul(3600)),
            )
            .date_time();
            dt.deviation = if summer {
                zone.standard_offset.saturating_neg()
            } else {
                zone.standard_offset.saturating_add(60).saturating_neg()
            };
            dt.status = dlms::ClockStatus(if summer { 0 } else { 0x80 });
            octets(&dt)
        };
        match attribute {
            2 => Ok(octets(&zone.date_time(now))),
            3 => Ok(Data::Long(zone.standard_offset.saturating_neg())),
            4 => Ok(Data::Unsigned(if zone.is_summer_time(now) {
                0x80
            } else {
                0
            })),
            5 => Ok(transition(3, true)),
            6 => Ok(transition(10, false)),
            7 => Ok(Data::Integer(if zone.eu_summer_time { 60 } else { 0 })),
            8 => Ok(Data::Boolean(zone.eu_summer_time)),
            9 => Ok(Data::Enum(1)),
            _ => Err(DataAccessResult::OBJECT_UNDEFINED),
        }
    }

    /// The object list as an association with `access` sees it.
    #[must_use]
    pub fn object_list(access: AccessLevel) -> Data {
        let rw = access == AccessLevel::ReadWrite;
        let list = OBJECTS
            .iter()
            .filter(|o| rw || o.public)
            .map(|o| {
                let (attrs, writable) = o.kind.attributes();
                ObjectListEntry {
                    class_id: ClassId(o.class),
                    version: o.version,
                    logical_name: o.ln,
                    attribute_access: attrs
                        .iter()
                        .map(|&id| AttributeAccessItem {
                            id,
                            access_mode: if rw && writable.contains(&id) {
                                AttributeAccessMode::READ_AND_WRITE
                            } else {
                                AttributeAccessMode::READ_ONLY
                            },
                            selectors: (matches!(o.kind, Kind::Profile(_)) && id == 2)
                                .then(|| vec![1, 2]),
                        })
                        .collect(),
                    method_access: o
                        .kind
                        .methods()
                        .iter()
                        .map(|&id| MethodAccessItem {
                            id,
                            access_mode: if rw {
                                MethodAccessMode::ACCESS
                            } else {
                                MethodAccessMode::NO_ACCESS
                            },
                        })
                        .collect(),
                }
                .to_data()
            })
            .collect();
        Data::Array(list)
    }

    /// The value (attribute 2) of object `obis` at the UTC instant `utc`, as the registry
    /// types it; channel B = 1 is read as B = 0. `None` for an object the meter does not
    /// have. Clock values are the 12-byte date-time (local time, deviation not specified,
    /// bit 7 of the status in summer time, as the E450 pushes them).
    pub fn value_at(&mut self, obis: ObisCode, utc: i64) -> Option<Data> {
        let [a, b, c, d, e, f] = *obis.as_bytes();
        let b0 = if b == 1 { 0 } else { b };
        let code = ObisCode::new(a, b0, c, d, e, f);
        let o = OBJECTS.iter().find(|o| o.ln == code)?;
        match o.kind {
            Kind::Clock => Some(octets(&self.push_time(utc))),
            Kind::Register(r) => {
                let s = self.snapshot(utc);
                Some(r.value(&s.energies, &s.slot))
            }
            Kind::LogicalDeviceName => Some(Data::OctetString(
                format!("LGZ{:013}", self.serial).into_bytes(),
            )),
            Kind::Serial => Some(Data::OctetString(self.serial.to_string().into_bytes())),
            Kind::Firmware => Some(Data::OctetString(b"E450 SIM 1.0".to_vec())),
            Kind::ActiveTariff => {
                let s = self.household.slot(utc.div_euclid(60));
                Some(Data::OctetString(if s.night {
                    b"T2".to_vec()
                } else {
                    b"T1".to_vec()
                }))
            }
            Kind::Disconnect => Some(Data::Enum(u8::from(self.connected))),
            Kind::EventCode => Some(Data::Unsigned(self.events.last().map_or(0, |&(_, c)| c))),
            Kind::ProfileStatus => Some(Data::Unsigned(self.status_byte(utc))),
            Kind::Profile(_) | Kind::Association => None,
        }
    }

    /// The date-time of a push at `utc`: local fields, deviation not specified, bit 7 of the
    /// status in summer time.
    #[must_use]
    pub fn push_time(&self, utc: i64) -> dlms::DateTime {
        let mut dt = self.zone.date_time(utc);
        dt.deviation = dlms::DEVIATION_NOT_SPECIFIED;
        dt
    }

    fn find(class_id: u16, instance: ObisCode, ctx: &RequestContext) -> Option<&'static ObjDef> {
        OBJECTS.iter().find(|o| {
            o.class == class_id
                && o.ln == instance
                && (o.public || ctx.access == AccessLevel::ReadWrite)
        })
    }
}

impl ObjectModel for SimulatedMeter {
    fn get(
        &mut self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
        access: Option<&SelectiveAccess>,
    ) -> Result<Data, DataAccessResult> {
        let o =
            Self::find(a.class_id, a.instance, ctx).ok_or(DataAccessResult::OBJECT_UNDEFINED)?;
        if a.attribute == 1 {
            return Ok(Data::OctetString(o.ln.as_bytes().to_vec()));
        }
        if let Kind::Profile(p) = o.kind {
            return self.profile_attribute(p, a.attribute, access);
        }
        if access.is_some() {
            return Err(DataAccessResult::OTHER_REASON);
        }
        let attr = a.attribute;
        match o.kind {
            Kind::Clock => self.clock_attribute(attr),
            Kind::Register(r) => match attr {
                2 => {
                    let s = self.snapshot(self.now());
                    Ok(r.value(&s.energies, &s.slot))
                }
                3 => Ok(scaler_unit_data(scaler_unit(o.ln))),
                _ => Err(DataAccessResult::OBJECT_UNDEFINED),
            },
            Kind::Disconnect => match attr {
                2 => Ok(Data::Boolean(self.connected)),
                3 => Ok(Data::Enum(u8::from(self.connected))),
                4 => Ok(Data::Enum(1)),
                _ => Err(DataAccessResult::OBJECT_UNDEFINED),
            },
            Kind::Association => match attr {
                2 => Ok(Self::object_list(ctx.access)),
                3 => Ok(Data::Structure(vec![
                    Data::Integer(i8::try_from(ctx.client_sap).unwrap_or(i8::MAX)),
                    Data::LongUnsigned(1),
                ])),
                8 => Ok(Data::Enum(2)),
                _ => Err(DataAccessResult::OBJECT_UNDEFINED),
            },
            _ if attr != 2 => Err(DataAccessResult::OBJECT_UNDEFINED),
            Kind::LogicalDeviceName => Ok(Data::OctetString(
                format!("LGZ{:013}", self.serial).into_bytes(),
            )),
            Kind::Serial => Ok(Data::OctetString(self.serial.to_string().into_bytes())),
            Kind::Firmware => Ok(Data::OctetString(b"E450 SIM 1.0".to_vec())),
            Kind::ActiveTariff => {
                let s = self.household.slot(self.now().div_euclid(60));
                Ok(Data::OctetString(if s.night {
                    b"T2".to_vec()
                } else {
                    b"T1".to_vec()
                }))
            }
            Kind::EventCode => Ok(Data::Unsigned(self.events.last().map_or(0, |&(_, c)| c))),
            Kind::ProfileStatus => Ok(Data::Unsigned(self.status_byte(self.now()))),
            Kind::Profile(_) => Err(DataAccessResult::OBJECT_UNDEFINED),
        }
    }

    fn set(
        &mut self,
        ctx: &RequestContext,
        a: &AttributeDescriptor,
        _access: Option<&SelectiveAccess>,
        value: Data,
    ) -> Result<(), DataAccessResult> {
        let o =
            Self::find(a.class_id, a.instance, ctx).ok_or(DataAccessResult::OBJECT_UNDEFINED)?;
        if o.kind != Kind::Clock || a.attribute != 2 || ctx.access != AccessLevel::ReadWrite {
            return Err(DataAccessResult::READ_WRITE_DENIED);
        }
        let dt = value
            .as_date_time()
            .ok_or(DataAccessResult::TYPE_UNMATCHED)?;
        let target = self
            .zone
            .to_utc(&dt)
            .ok_or(DataAccessResult::OTHER_REASON)?;
        let old = self.now();
        // Within a year of the meter's time, and not before its history: every instant stays
        // cheap to evaluate.
        if target < self.household.origin()
            || target.saturating_sub(old).unsigned_abs() > 366 * 86_400
        {
            return Err(DataAccessResult::OTHER_REASON);
        }
        self.clock_offset = self.clock_offset.saturating_add(target.saturating_sub(old));
        self.events.push((old, event::CLOCK_ADJUSTED_OLD));
        self.events.push((target, event::CLOCK_ADJUSTED_NEW));
        Ok(())
    }

    fn action(
        &mut self,
        ctx: &RequestContext,
        m: &MethodDescriptor,
        _parameters: Option<Data>,
    ) -> Result<Option<Data>, ActionResult> {
        let o = Self::find(m.class_id, m.instance, ctx).ok_or(ActionResult::OBJECT_UNDEFINED)?;
        if ctx.access != AccessLevel::ReadWrite {
            return Err(ActionResult::READ_WRITE_DENIED);
        }
        match (o.kind, m.method) {
            (Kind::Disconnect, 1) => {
                self.remote_disconnect();
                Ok(None)
            }
            (Kind::Disconnect, 2) => {
                self.remote_reconnect();
                Ok(None)
            }
            _ => Err(ActionResult::OBJECT_UNDEFINED),
        }
    }
}
