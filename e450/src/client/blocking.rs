//! The blocking [`Meter`]: pumps the [`Engine`] over any `Read + Write`.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use dlms::cosem::ObjectListEntry;
use dlms::session::{Negotiated, RequestHandle, Response};
use dlms::{Data, DateTime};
use obis::ObisCode;

use super::ops::{self, Cache, Exchange, run_now};
use super::{
    Engine, EngineEvent, MeterConfig, MeterError, MeterValue, Profile, ProfileRange, Request,
};
use crate::serial::SerialSettings;

/// Which way a traced chunk of bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// To the meter.
    Sent,
    /// From the meter.
    Received,
}

/// A callback that sees every chunk of bytes written to or read from the transport (for
/// `--verbose`). Keys never appear on the wire; an LLS password does (in the AARQ).
pub type Trace = Box<dyn FnMut(Direction, &[u8]) + Send>;

/// How long a blocking read waits before the engine's clock is looked at again.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A blocking meter client over any `Read + Write` transport.
///
/// The transport's reads should time out (a TCP stream or serial port with a read timeout;
/// [`Meter::connect_tcp`] and [`Meter::open_serial`] set one): `TimedOut` and `WouldBlock`
/// are not errors, they let the engine's time limits run. Partial reads are fine.
///
/// ```no_run
/// use e450::client::{Meter, MeterConfig};
/// use e450::obis::ObisCode;
///
/// let mut meter = Meter::connect_tcp("127.0.0.1:4059", MeterConfig::default())?;
/// let energy = meter.read(ObisCode::new(1, 0, 1, 8, 0, 255))?;
/// println!("{energy}"); // 482939 Wh
/// println!("{}", meter.read_clock()?);
/// meter.close()?;
/// # Ok::<(), e450::client::MeterError>(())
/// ```
pub struct Meter<T: Read + Write> {
    transport: T,
    engine: Engine,
    config: MeterConfig,
    start: Instant,
    cache: Cache,
    trace: Option<Trace>,
    buf: Vec<u8>,
}

impl<T: Read + Write> std::fmt::Debug for Meter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meter")
            .field("config", &self.config.to_string())
            .field("associated", &self.engine.is_associated())
            .finish_non_exhaustive()
    }
}

impl Meter<TcpStream> {
    /// Connects over TCP (HDLC or the wrapper, as `config.framing` says) and associates.
    ///
    /// # Errors
    /// The connection fails, the meter refuses, or no answer comes in time.
    pub fn connect_tcp(addr: impl ToSocketAddrs, config: MeterConfig) -> Result<Self, MeterError> {
        let stream = tcp(addr, config.timeout)?;
        Meter::connect(stream, config)
    }
}

pub(crate) fn tcp(addr: impl ToSocketAddrs, timeout: Duration) -> Result<TcpStream, MeterError> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                s.set_read_timeout(Some(POLL_INTERVAL))?;
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or(
        MeterError::Config("no address to connect to".into()),
        MeterError::Io,
    ))
}

impl Meter<Box<dyn serialport::SerialPort>> {
    /// Opens a serial port (the optical probe) and associates: either HDLC directly with
    /// `settings` (9600 8N1 on the optical port), or first the IEC 62056-21 mode E sign-on
    /// (`mode_e`), which picks the speed itself.
    ///
    /// # Errors
    /// The port cannot be opened, the sign-on fails, the meter refuses or is silent.
    pub fn open_serial(
        path: &Path,
        settings: SerialSettings,
        mode_e: bool,
        config: MeterConfig,
    ) -> Result<Self, MeterError> {
        let first = if mode_e {
            SerialSettings::MODE_E_SIGN_ON
        } else {
            settings
        };
        let mut port = first.open(path, POLL_INTERVAL)?;
        if mode_e {
            sign_on_mode_e(port.as_mut(), config.timeout)?;
        }
        Meter::connect(port, config)
    }
}

/// The baud rate of an IEC 62056-21 baud character (`'0'` = 300 … `'6'` = 19200).
///
/// ```
/// assert_eq!(e450::client::mode_e_baud(b'5'), Some(9600));
/// assert_eq!(e450::client::mode_e_baud(b'9'), None);
/// ```
#[must_use]
pub fn mode_e_baud(c: u8) -> Option<u32> {
    let n = c.checked_sub(b'0')?;
    (n <= 6).then(|| 300u32 << n)
}

/// The IEC 62056-21 mode E sign-on on a serial port: at 300 baud 7E1 sends `/?!\r\n`, reads
/// the identification `/XXXZ\2…\r\n` (`Z` the baud character, `\2` mode E), acknowledges with
/// `06 32 Z 32 0D 0A` and switches the port to the announced speed at 8N1. Returns the new
/// settings.
///
/// # Errors
/// [`MeterError::SignOn`] for a missing or unexpected identification, [`MeterError::Io`].
pub fn sign_on_mode_e(
    port: &mut dyn serialport::SerialPort,
    timeout: Duration,
) -> Result<SerialSettings, MeterError> {
    SerialSettings::MODE_E_SIGN_ON.apply(port)?;
    port.write_all(b"/?!\r\n")?;
    // Draining is best effort (a pseudo-terminal may refuse it); the reply is awaited anyway.
    let _ = port.flush();
    let deadline = Instant::now().checked_add(timeout);
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if line.ends_with(b"\r\n") {
            break;
        }
        if line.len() > 128 {
            return Err(MeterError::SignOn(
                "identification longer than 128 bytes".into(),
            ));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(MeterError::SignOn(
                "no identification from the meter in time".into(),
            ));
        }
        match port.read(&mut byte) {
            Ok(0) => return Err(MeterError::Closed),
            // Parity bit removed: the line is 7-bit.
            Ok(_) => line.extend(byte.iter().map(|b| b & 0x7F)),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let ident = line
        .iter()
        .position(|&b| b == b'/')
        .and_then(|i| line.get(i..))
        .ok_or_else(|| MeterError::SignOn("the identification does not start with '/'".into()))?;
    let text = String::from_utf8_lossy(ident).trim_end().to_string();
    let baud_char = *ident
        .get(4)
        .ok_or_else(|| MeterError::SignOn(format!("identification {text:?} too short")))?;
    if ident.get(5..7) != Some(b"\\2") {
        return Err(MeterError::SignOn(format!(
            "identification {text:?} does not offer mode E (no \\2)"
        )));
    }
    let baud = mode_e_baud(baud_char).ok_or_else(|| {
        MeterError::SignOn(format!("identification {text:?}: unknown baud character"))
    })?;
    port.write_all(&[0x06, b'2', baud_char, b'2', 0x0D, 0x0A])?;
    let _ = port.flush();
    // Let the acknowledgement leave at 300 baud before the speed changes (6 characters).
    std::thread::sleep(Duration::from_millis(220));
    let settings = SerialSettings {
        baud,
        ..SerialSettings::OPTICAL_HDLC
    };
    settings.apply(port)?;
    Ok(settings)
}

impl<T: Read + Write> Meter<T> {
    /// A client over `transport`, not connected yet (set a trace, then [`Meter::open`]).
    ///
    /// # Errors
    /// [`MeterError::Config`] for addresses out of range.
    pub fn new(transport: T, config: MeterConfig) -> Result<Self, MeterError> {
        Ok(Meter {
            transport,
            engine: Engine::new(&config)?,
            config,
            start: Instant::now(),
            cache: Cache::default(),
            trace: None,
            buf: vec![0; 4096],
        })
    }

    /// Connects and associates over `transport`.
    ///
    /// # Errors
    /// The meter refuses, is silent, or the transport fails.
    pub fn connect(transport: T, config: MeterConfig) -> Result<Self, MeterError> {
        let mut m = Meter::new(transport, config)?;
        m.open()?;
        Ok(m)
    }

    /// Sees every chunk of bytes sent and received.
    pub fn set_trace(&mut self, trace: Trace) {
        self.trace = Some(trace);
    }

    /// Connects the link and associates (after [`Meter::new`]).
    ///
    /// # Errors
    /// The meter refuses, is silent, or the transport fails.
    pub fn open(&mut self) -> Result<&Negotiated, MeterError> {
        let now = self.now();
        self.engine.connect(now)?;
        match self.pump(|ev| {
            matches!(
                ev,
                EngineEvent::Associated(_) | EngineEvent::ConnectFailed(_)
            )
        })? {
            EngineEvent::ConnectFailed(e) => Err(e),
            _ => self
                .engine
                .negotiated()
                .ok_or(MeterError::State("no association")),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MeterConfig {
        &self.config
    }

    /// The engine (link counters, negotiated parameters).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn flush(&mut self) -> Result<(), MeterError> {
        let mut wrote = false;
        while let Some(bytes) = self.engine.poll_transmit() {
            if let Some(t) = self.trace.as_mut() {
                t(Direction::Sent, &bytes);
            }
            if let Err(e) = self.transport.write_all(&bytes) {
                self.engine.handle_closed();
                return Err(e.into());
            }
            wrote = true;
        }
        if wrote {
            self.transport.flush()?;
        }
        Ok(())
    }

    /// Pumps until an event `done` accepts; other events are dropped.
    fn pump(&mut self, done: impl Fn(&EngineEvent) -> bool) -> Result<EngineEvent, MeterError> {
        loop {
            self.flush()?;
            while let Some(ev) = self.engine.poll_event() {
                if done(&ev) {
                    return Ok(ev);
                }
            }
            if self.engine.is_closed() {
                return Err(MeterError::Closed);
            }
            let now = self.now();
            match self.engine.poll_timeout() {
                Some(t) if t <= now => {
                    self.engine.handle_timeout(now);
                    continue;
                }
                Some(_) => {}
                None => return Err(MeterError::State("nothing is awaited")),
            }
            match self.transport.read(&mut self.buf) {
                Ok(0) => self.engine.handle_closed(),
                Ok(n) => {
                    let now = self.now();
                    let bytes = self.buf.get(..n).unwrap_or(&[]);
                    if let Some(t) = self.trace.as_mut() {
                        t(Direction::Received, bytes);
                    }
                    self.engine.handle_bytes(bytes, now);
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    self.engine.handle_closed();
                    return Err(e.into());
                }
            }
        }
    }

    fn call_blocking(&mut self, request: Request) -> Result<Response, MeterError> {
        let now = self.now();
        let h: RequestHandle = self.engine.request(request, now)?;
        match self.pump(|ev| matches!(ev, EngineEvent::Response { handle, .. } if *handle == h))? {
            EngineEvent::Response { result, .. } => result,
            _ => Err(MeterError::State("no response")),
        }
    }

    /// Sends one request and waits for its answer (the low-level entry point).
    ///
    /// # Errors
    /// Timeout, transport or protocol failure; data-access errors are in the `Response`.
    pub fn call(&mut self, request: Request) -> Result<Response, MeterError> {
        self.call_blocking(request)
    }

    /// Reads attribute 2 of `obis` with the scaler and unit applied for registers. The class
    /// comes from the registry, else from the object list (read once), else the call fails
    /// with [`MeterError::UnknownClass`].
    ///
    /// # Errors
    /// As [`Meter::call`]; [`MeterError::DataAccess`] when the meter refuses.
    pub fn read(&mut self, obis: ObisCode) -> Result<MeterValue, MeterError> {
        done(run_now(ops::read(self, obis)))
    }

    /// Reads one attribute of a given class, scaled for register values.
    ///
    /// # Errors
    /// As [`Meter::read`].
    pub fn read_code(
        &mut self,
        class: u16,
        obis: ObisCode,
        attribute: i8,
    ) -> Result<MeterValue, MeterError> {
        done(run_now(ops::read_code(self, class, obis, attribute)))
    }

    /// Reads one attribute as the meter sends it.
    ///
    /// # Errors
    /// As [`Meter::read`].
    pub fn read_attribute(
        &mut self,
        class: u16,
        obis: ObisCode,
        attribute: i8,
    ) -> Result<Data, MeterError> {
        done(run_now(ops::get(self, class, obis, attribute, None)))
    }

    /// Reads attribute 2 of several objects (with GET-with-list when the meter allows it).
    /// One result per code; the outer error is a failure of the connection.
    ///
    /// # Errors
    /// As [`Meter::read`].
    pub fn read_many(
        &mut self,
        codes: &[ObisCode],
    ) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
        done(run_now(ops::read_many(self, codes)))
    }

    /// Reads several `(class, obis, attribute)` codes, scaled for registers.
    ///
    /// # Errors
    /// As [`Meter::read_many`].
    pub fn read_codes(
        &mut self,
        codes: &[(u16, ObisCode, i8)],
    ) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
        done(run_now(ops::read_codes(self, codes)))
    }

    /// The meter's clock.
    ///
    /// # Errors
    /// As [`Meter::read`].
    pub fn read_clock(&mut self) -> Result<DateTime, MeterError> {
        done(run_now(ops::read_clock(self)))
    }

    /// Sets the meter's clock.
    ///
    /// # Errors
    /// As [`Meter::read`]; [`MeterError::DataAccess`] when the meter refuses.
    pub fn set_clock(&mut self, time: DateTime) -> Result<(), MeterError> {
        done(run_now(ops::set_clock(self, time)))
    }

    /// Writes one attribute.
    ///
    /// # Errors
    /// As [`Meter::set_clock`].
    pub fn set_attribute(
        &mut self,
        class: u16,
        obis: ObisCode,
        attribute: i8,
        value: Data,
    ) -> Result<(), MeterError> {
        done(run_now(ops::set(self, class, obis, attribute, value)))
    }

    /// Invokes a method; returns its return parameters.
    ///
    /// # Errors
    /// As [`Meter::call`]; [`MeterError::Action`] when it does not succeed.
    pub fn action(
        &mut self,
        class: u16,
        obis: ObisCode,
        method: i8,
        parameters: Option<Data>,
    ) -> Result<Option<Data>, MeterError> {
        done(run_now(ops::action(self, class, obis, method, parameters)))
    }

    /// Reads a profile: capture objects, the scalers of its register columns, then the rows
    /// in `range`.
    ///
    /// # Errors
    /// As [`Meter::read`].
    pub fn read_profile(
        &mut self,
        obis: ObisCode,
        range: ProfileRange,
    ) -> Result<Profile, MeterError> {
        done(run_now(ops::read_profile(self, obis, range)))
    }

    /// The objects this association may see (read once, then cached).
    ///
    /// # Errors
    /// As [`Meter::read`].
    pub fn object_list(&mut self) -> Result<Vec<ObjectListEntry>, MeterError> {
        done(run_now(ops::object_list(self)))
    }

    /// **Cuts the household's supply**: Disconnect control (0-0:96.3.10, class 70) method 1.
    ///
    /// # Errors
    /// As [`Meter::action`].
    pub fn remote_disconnect(&mut self) -> Result<(), MeterError> {
        done(run_now(ops::disconnect_control(self, 1)))
    }

    /// Restores the supply (or arms the reconnect button): Disconnect control method 2.
    ///
    /// # Errors
    /// As [`Meter::action`].
    pub fn remote_reconnect(&mut self) -> Result<(), MeterError> {
        done(run_now(ops::disconnect_control(self, 2)))
    }

    /// Releases the association (RLRQ) and disconnects the link (DISC).
    ///
    /// # Errors
    /// The transport fails. A meter that does not answer the release is not an error once
    /// the time limit passed.
    pub fn close(mut self) -> Result<(), MeterError> {
        let now = self.now();
        self.engine.release(now);
        match self.pump(|ev| matches!(ev, EngineEvent::Closed)) {
            Ok(_) | Err(MeterError::Closed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// The result of an operation run with [`run_now`].
fn done<R>(r: Option<Result<R, MeterError>>) -> Result<R, MeterError> {
    r.unwrap_or(Err(MeterError::State("the operation did not complete")))
}

impl<T: Read + Write> Exchange for Meter<T> {
    fn call(
        &mut self,
        request: Request,
    ) -> impl std::future::Future<Output = Result<Response, MeterError>> {
        std::future::ready(self.call_blocking(request))
    }

    fn negotiated(&self) -> Option<&Negotiated> {
        self.engine.negotiated()
    }

    fn cache(&mut self) -> &mut Cache {
        &mut self.cache
    }
}
