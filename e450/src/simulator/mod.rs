//! The simulated E450: a DLMS server with an evolving object model, and a push generator.
//!
//! A [`Simulator`] holds one or more [`SimulatedMeter`]s (different serial numbers, households drawn
//! from one seed) on one [`SimClock`]. Each meter answers as a Landis+Gyr E450 does over
//! its optical port or a communication module:
//!
//! - public client 16 (no authentication, read-only subset of the objects) and management
//!   client 1 (LLS password, or HLS-GMAC with the configured keys; read-write), logical
//!   device 1, physical address 17 and the serial-derived address `serial % 10000 + 1000`,
//!   in the 2- and 4-byte HDLC address forms;
//! - the objects of the E450 list of the `obis` registry with their scalers and units:
//!   energies (import, export, reactive, tariffs T1/T2) that integrate the simulated power
//!   exactly, instantaneous power, per-phase voltage, current and power factor, frequency,
//!   the clock, a 15-minute load profile `1-0:99.1.0` and a daily profile `1-0:99.2.0`
//!   (selective access by range and by entry), the standard event log `0-0:99.98.0`,
//!   disconnect control `0-0:96.3.10` and the association's object list `0-0:40.0.0`.
//!
//! Values are computed at the instant of each request; nothing ticks in the background, so
//! a thousand meters in one process cost little.
//!
//! Serve it over TCP ([`Simulator::serve_tcp`], HDLC or the IEC 62056-47 wrapper) or on a
//! pseudo-terminal ([`Simulator::serve_pty`]); generate customer-interface pushes with
//! [`PushGenerator`].
//!
//! ```
//! use dlms::apdu::{AttributeDescriptor, MechanismName};
//! use dlms::session::{AccessLevel, ObjectModel, RequestContext};
//! use dlms::Data;
//! use e450::simulator::{SimClock, Simulator, SimulatorConfig, TimeZone};
//!
//! let clock = SimClock::manual(TimeZone::CENTRAL_EUROPE, "2026-05-04T11:39:20".parse()?);
//! let sim = Simulator::new(SimulatorConfig::default(), clock);
//! let power = AttributeDescriptor { class_id: 3, instance: obis::obis!("1-0:1.7.0"), attribute: 3 };
//! let ctx = RequestContext::new(16, AccessLevel::ReadOnly, MechanismName::NONE);
//! let su = sim.with_meter(0, |m| m.get(&ctx, &power, None)).unwrap();
//! assert_eq!(su, Ok(Data::Structure(vec![Data::Integer(0), Data::Enum(27)]))); // W
//!
//! // Served over TCP (HDLC framing) on a free port of 127.0.0.1:
//! let server = sim.serve_tcp("127.0.0.1:0".parse()?, e450::simulator::Framing::Hdlc)?;
//! assert_ne!(server.local_addr().port(), 0);
//! server.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod clock;
mod household;
mod model;
mod push;
mod serve;
mod station;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use dlms::security::LlsPassword;
use dlms::session::{
    AccessLevel, ClientPolicy, Keys, ServerAuthentication, ServerConfig as SessionConfig,
};

pub use clock::{BadLocalTime, LocalTime, SimClock, TimeZone};
pub use household::{Counters, Energies, Household, Slot};
pub use model::{
    CLOCK, DAILY_PROFILE, DISCONNECT_CONTROL, EVENT_CODE, EVENT_LOG, LOAD_PROFILE,
    LOAD_PROFILE_PERIOD, PROFILE_STATUS, SERIAL, SimulatedMeter, Snapshot, event,
};
pub use push::{PushBuildError, PushConfig, PushEncryption, PushGenerator, PushLayout};
pub use serve::{PtyServer, TcpServer};
pub use station::{Direction, FrameLog, Framing};

/// The serial number of the first simulated meter.
pub const FIRST_SERIAL: u32 = 1_909_113;

/// Settings of a [`Simulator`].
///
/// Keys and password are zeroized when dropped and never printed.
#[derive(Clone)]
pub struct SimulatorConfig {
    /// How many independent meters (serial numbers `first_serial`, `first_serial + 1`, ...).
    pub meters: usize,
    /// The serial number of the first meter.
    pub first_serial: u32,
    /// The seed of every random choice (load shapes, events, challenges).
    pub seed: u64,
    /// Days of profile history before the clock's start.
    pub history_days: u32,
    /// The server's logical device (1).
    pub logical: u16,
    /// The physical address answered besides the serial-derived one (17).
    pub physical: u16,
    /// The LLS password of the management client.
    pub password: LlsPassword,
    /// The keys of HLS-GMAC and ciphering.
    pub keys: Keys,
    /// The largest HDLC information field offered (both directions).
    pub max_info: u32,
    /// The HDLC window offered (both directions, 1..=7).
    pub window: u32,
    /// Sees every frame received and sent (for `--verbose`).
    pub log: Option<FrameLog>,
}

impl Default for SimulatorConfig {
    /// One meter with serial 1909113, seed 1, 60 days of history, logical device 1,
    /// physical address 17, password `12345678` and the Green Book example keys (published
    /// test values: change them for anything but tests), 128-byte information fields,
    /// window 1.
    fn default() -> Self {
        SimulatorConfig {
            meters: 1,
            first_serial: FIRST_SERIAL,
            seed: 1,
            history_days: 60,
            logical: 1,
            physical: 17,
            password: default_password(),
            keys: Keys::GREEN_BOOK,
            max_info: 128,
            window: 1,
            log: None,
        }
    }
}

fn default_password() -> LlsPassword {
    match LlsPassword::new(b"12345678") {
        Ok(p) => p,
        // Eight bytes always fit.
        Err(_) => default_password_empty(),
    }
}

fn default_password_empty() -> LlsPassword {
    LlsPassword::new(&[]).unwrap_or_else(|_| default_password_empty())
}

impl fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("meters", &self.meters)
            .field("first_serial", &self.first_serial)
            .field("seed", &self.seed)
            .field("history_days", &self.history_days)
            .field("logical", &self.logical)
            .field("physical", &self.physical)
            .field("password", &self.password)
            .field("keys", &self.keys)
            .field("max_info", &self.max_info)
            .field("window", &self.window)
            .field("log", &self.log.is_some())
            .finish()
    }
}

struct Inner {
    cfg: SimulatorConfig,
    clock: SimClock,
    meters: Vec<Mutex<SimulatedMeter>>,
    next: AtomicUsize,
}

/// One client connection to a simulated meter, sans-IO (see [`Simulator::connection`]).
pub struct Connection {
    sim: Simulator,
    index: usize,
    station: Option<station::Station>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("meter", &self.index)
            .finish()
    }
}

impl Connection {
    /// The meter this connection talks to (0-based).
    #[must_use]
    pub fn meter(&self) -> usize {
        self.index
    }

    /// Bytes from the client, in any chunking; the meter's answer is appended to `out`.
    pub fn handle(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if let Some(st) = self.station.as_mut() {
            self.sim.pump(self.index, st, input, out);
        }
    }

    /// Whether the stream is beyond repair (a wrapper header with another version): the
    /// transport should close the connection.
    #[must_use]
    pub fn is_broken(&self) -> bool {
        self.station.as_ref().is_none_or(|s| s.broken)
    }
}

/// A set of simulated E450 meters on one clock. Cloning gives another handle to the same
/// meters.
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Inner>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("cfg", &self.inner.cfg)
            .field("meters", &self.inner.meters.len())
            .finish()
    }
}

impl Simulator {
    /// The meters of `cfg` (at least one) on `clock`.
    #[must_use]
    pub fn new(cfg: SimulatorConfig, clock: SimClock) -> Self {
        let n = cfg.meters.max(1);
        let meters = (0..n)
            .map(|i| {
                let serial = cfg
                    .first_serial
                    .saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
                Mutex::new(SimulatedMeter::new(
                    serial,
                    cfg.seed,
                    clock.clone(),
                    cfg.history_days,
                ))
            })
            .collect();
        Simulator {
            inner: Arc::new(Inner {
                cfg,
                clock,
                meters,
                next: AtomicUsize::new(0),
            }),
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &SimulatorConfig {
        &self.inner.cfg
    }

    /// The clock every meter runs on.
    #[must_use]
    pub fn clock(&self) -> &SimClock {
        &self.inner.clock
    }

    /// How many meters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.meters.len()
    }

    /// Whether there is no meter (never: a simulator has at least one).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.meters.is_empty()
    }

    /// Runs `f` on meter `index` (0-based), `None` when there is no such meter.
    pub fn with_meter<R>(
        &self,
        index: usize,
        f: impl FnOnce(&mut SimulatedMeter) -> R,
    ) -> Option<R> {
        let m = self.inner.meters.get(index)?;
        let mut guard = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(f(&mut guard))
    }

    /// The meter the next connection is given (round-robin).
    pub(crate) fn next_meter(&self) -> usize {
        let n = self.inner.meters.len().max(1);
        self.inner
            .next
            .fetch_add(1, Ordering::Relaxed)
            .checked_rem(n)
            .unwrap_or(0)
    }

    /// The DLMS server settings of meter `index`.
    fn session_config(&self, meter: &SimulatedMeter) -> SessionConfig {
        let cfg = &self.inner.cfg;
        let mut s = SessionConfig::default();
        s.system_title = meter.system_title();
        s.keys = Some(cfg.keys.clone());
        s.clients = vec![
            ClientPolicy {
                sap: 16,
                authentication: vec![ServerAuthentication::None],
                access: AccessLevel::ReadOnly,
            },
            ClientPolicy {
                sap: 1,
                authentication: vec![
                    ServerAuthentication::Low(cfg.password.clone()),
                    ServerAuthentication::HighGmac,
                ],
                access: AccessLevel::ReadWrite,
            },
        ];
        s
    }

    /// A connection engine for meter `index`.
    pub(crate) fn station(&self, index: usize, framing: Framing) -> Option<station::Station> {
        let cfg = &self.inner.cfg;
        let (session, serial) = self.with_meter(index, |m| (self.session_config(m), m.serial()))?;
        let physical = [cfg.physical, hdlc::Address::physical_from_serial(serial)];
        let seed =
            cfg.seed ^ u64::from(serial) ^ (self.inner.next.load(Ordering::Relaxed) as u64) << 32;
        Some(station::Station::new(
            framing,
            session,
            station::link_params(cfg.max_info.clamp(32, 2030), cfg.window.clamp(1, 7)),
            cfg.logical,
            physical,
            seed,
            cfg.log.clone(),
        ))
    }

    /// A sans-IO connection to the next meter (round-robin): push the client's bytes in,
    /// take the answer out. This is what each TCP connection runs; use it to drive the
    /// simulator over any transport, or in memory.
    ///
    /// ```
    /// use e450::simulator::{Framing, SimClock, Simulator, SimulatorConfig, TimeZone};
    /// let sim = Simulator::new(SimulatorConfig::default(), SimClock::system(TimeZone::CENTRAL_EUROPE));
    /// let mut c = sim.connection(Framing::Hdlc);
    /// // SNRM from the public client (0x21) to logical 1 / physical 17 (0x02 0x23).
    /// let snrm = [0x7E, 0xA0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xBD, 0x64, 0x7E];
    /// let mut out = Vec::new();
    /// c.handle(&snrm, &mut out);
    /// let ua = hdlc::Frame::parse(&out)?;
    /// assert_eq!(ua.control, hdlc::Control::Ua { pf: true });
    /// # Ok::<(), hdlc::Error>(())
    /// ```
    #[must_use]
    pub fn connection(&self, framing: Framing) -> Connection {
        let index = self.next_meter();
        Connection {
            station: self.station(index, framing),
            sim: self.clone(),
            index,
        }
    }

    /// Feeds bytes from a client of meter `index` through a connection engine; what to send
    /// back is appended to `out`.
    pub(crate) fn pump(
        &self,
        index: usize,
        station: &mut station::Station,
        input: &[u8],
        out: &mut Vec<u8>,
    ) {
        let _ = self.with_meter(index, |m| station.handle(input, m, out));
    }
}
