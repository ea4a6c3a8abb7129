//! The tokio [`AsyncMeter`]: pumps the same [`Engine`] over any `AsyncRead + AsyncWrite`.

use std::time::Duration;

use dlms::cosem::ObjectListEntry;
use dlms::session::{Negotiated, RequestHandle, Response};
use dlms::{Data, DateTime};
use obis::ObisCode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::time::Instant;

use super::ops::{self, Cache, Exchange};
use super::{
    Engine, EngineEvent, MeterConfig, MeterError, MeterValue, Profile, ProfileRange, Request,
};

/// A tokio meter client; the same operations as [`Meter`](super::Meter), `async`.
///
/// ```no_run
/// # async fn demo() -> Result<(), e450::client::MeterError> {
/// use e450::client::{AsyncMeter, MeterConfig};
/// use e450::obis::ObisCode;
///
/// let mut meter = AsyncMeter::connect_tcp("127.0.0.1:4059", MeterConfig::default()).await?;
/// let voltage = meter.read(ObisCode::new(1, 0, 32, 7, 0, 255)).await?;
/// println!("{voltage}"); // 230.1 V
/// meter.close().await?;
/// # Ok(()) }
/// ```
pub struct AsyncMeter<T> {
    transport: T,
    engine: Engine,
    config: MeterConfig,
    start: Instant,
    cache: Cache,
    buf: Vec<u8>,
}

impl<T> std::fmt::Debug for AsyncMeter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncMeter")
            .field("config", &self.config.to_string())
            .field("associated", &self.engine.is_associated())
            .finish_non_exhaustive()
    }
}

impl AsyncMeter<TcpStream> {
    /// Connects over TCP and associates.
    ///
    /// # Errors
    /// The connection fails, the meter refuses, or no answer comes in time.
    pub async fn connect_tcp(
        addr: impl ToSocketAddrs,
        config: MeterConfig,
    ) -> Result<Self, MeterError> {
        let stream = tokio::time::timeout(config.timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| MeterError::Timeout)??;
        stream.set_nodelay(true)?;
        AsyncMeter::connect(stream, config).await
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncMeter<T> {
    /// Connects and associates over `transport`.
    ///
    /// # Errors
    /// The meter refuses, is silent, or the transport fails.
    pub async fn connect(transport: T, config: MeterConfig) -> Result<Self, MeterError> {
        let mut m = AsyncMeter {
            transport,
            engine: Engine::new(&config)?,
            config,
            start: Instant::now(),
            cache: Cache::default(),
            buf: vec![0; 4096],
        };
        let now = m.now();
        m.engine.connect(now)?;
        match m
            .pump(|ev| {
                matches!(
                    ev,
                    EngineEvent::Associated(_) | EngineEvent::ConnectFailed(_)
                )
            })
            .await?
        {
            EngineEvent::ConnectFailed(e) => Err(e),
            _ => Ok(m),
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

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    async fn flush(&mut self) -> Result<(), MeterError> {
        let mut wrote = false;
        while let Some(bytes) = self.engine.poll_transmit() {
            if let Err(e) = self.transport.write_all(&bytes).await {
                self.engine.handle_closed();
                return Err(e.into());
            }
            wrote = true;
        }
        if wrote {
            self.transport.flush().await?;
        }
        Ok(())
    }

    async fn pump(
        &mut self,
        done: impl Fn(&EngineEvent) -> bool,
    ) -> Result<EngineEvent, MeterError> {
        loop {
            self.flush().await?;
            while let Some(ev) = self.engine.poll_event() {
                if done(&ev) {
                    return Ok(ev);
                }
            }
            if self.engine.is_closed() {
                return Err(MeterError::Closed);
            }
            let now = self.now();
            let deadline = match self.engine.poll_timeout() {
                Some(t) if t <= now => {
                    self.engine.handle_timeout(now);
                    continue;
                }
                Some(t) => t,
                None => return Err(MeterError::State("nothing is awaited")),
            };
            let at = self
                .start
                .checked_add(deadline)
                .unwrap_or_else(Instant::now);
            match tokio::time::timeout_at(at, self.transport.read(&mut self.buf)).await {
                Err(_) => {
                    let now = self.now();
                    self.engine.handle_timeout(now);
                }
                Ok(Ok(0)) => self.engine.handle_closed(),
                Ok(Ok(n)) => {
                    let now = self.now();
                    let bytes = self.buf.get(..n).unwrap_or(&[]);
                    self.engine.handle_bytes(bytes, now);
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => {
                    self.engine.handle_closed();
                    return Err(e.into());
                }
            }
        }
    }

    async fn call_async(&mut self, request: Request) -> Result<Response, MeterError> {
        let now = self.now();
        let h: RequestHandle = self.engine.request(request, now)?;
        match self
            .pump(|ev| matches!(ev, EngineEvent::Response { handle, .. } if *handle == h))
            .await?
        {
            EngineEvent::Response { result, .. } => result,
            _ => Err(MeterError::State("no response")),
        }
    }

    /// Sends one request and waits for its answer (the low-level entry point).
    ///
    /// # Errors
    /// Timeout, transport or protocol failure; data-access errors are in the `Response`.
    pub async fn call(&mut self, request: Request) -> Result<Response, MeterError> {
        self.call_async(request).await
    }

    /// As [`Meter::read`](super::Meter::read).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read(&mut self, obis: ObisCode) -> Result<MeterValue, MeterError> {
        ops::read(self, obis).await
    }

    /// As [`Meter::read_code`](super::Meter::read_code).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read_code(
        &mut self,
        class: u16,
        obis: ObisCode,
        attribute: i8,
    ) -> Result<MeterValue, MeterError> {
        ops::read_code(self, class, obis, attribute).await
    }

    /// As [`Meter::read_attribute`](super::Meter::read_attribute).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read_attribute(
        &mut self,
        class: u16,
        obis: ObisCode,
        attribute: i8,
    ) -> Result<Data, MeterError> {
        ops::get(self, class, obis, attribute, None).await
    }

    /// As [`Meter::read_many`](super::Meter::read_many).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read_many(
        &mut self,
        codes: &[ObisCode],
    ) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
        ops::read_many(self, codes).await
    }

    /// As [`Meter::read_codes`](super::Meter::read_codes).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read_codes(
        &mut self,
        codes: &[(u16, ObisCode, i8)],
    ) -> Result<Vec<Result<MeterValue, MeterError>>, MeterError> {
        ops::read_codes(self, codes).await
    }

    /// As [`Meter::read_clock`](super::Meter::read_clock).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read_clock(&mut self) -> Result<DateTime, MeterError> {
        ops::read_clock(self).await
    }

    /// As [`Meter::set_clock`](super::Meter::set_clock).
    ///
    /// # Errors
    /// As [`Meter::set_clock`](super::Meter::set_clock).
    pub async fn set_clock(&mut self, time: DateTime) -> Result<(), MeterError> {
        ops::set_clock(self, time).await
    }

    /// As [`Meter::set_attribute`](super::Meter::set_attribute).
    ///
    /// # Errors
    /// As [`Meter::set_clock`](super::Meter::set_clock).
    pub async fn set_attribute(
        &mut self,
        class: u16,
        obis: ObisCode,
        attribute: i8,
        value: Data,
    ) -> Result<(), MeterError> {
        ops::set(self, class, obis, attribute, value).await
    }

    /// As [`Meter::action`](super::Meter::action).
    ///
    /// # Errors
    /// As [`Meter::action`](super::Meter::action).
    pub async fn action(
        &mut self,
        class: u16,
        obis: ObisCode,
        method: i8,
        parameters: Option<Data>,
    ) -> Result<Option<Data>, MeterError> {
        ops::action(self, class, obis, method, parameters).await
    }

    /// As [`Meter::read_profile`](super::Meter::read_profile).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn read_profile(
        &mut self,
        obis: ObisCode,
        range: ProfileRange,
    ) -> Result<Profile, MeterError> {
        ops::read_profile(self, obis, range).await
    }

    /// As [`Meter::object_list`](super::Meter::object_list).
    ///
    /// # Errors
    /// As [`Meter::read`](super::Meter::read).
    pub async fn object_list(&mut self) -> Result<Vec<ObjectListEntry>, MeterError> {
        ops::object_list(self).await
    }

    /// **Cuts the household's supply**; as [`Meter::remote_disconnect`](super::Meter::remote_disconnect).
    ///
    /// # Errors
    /// As [`Meter::action`](super::Meter::action).
    pub async fn remote_disconnect(&mut self) -> Result<(), MeterError> {
        ops::disconnect_control(self, 1).await
    }

    /// As [`Meter::remote_reconnect`](super::Meter::remote_reconnect).
    ///
    /// # Errors
    /// As [`Meter::action`](super::Meter::action).
    pub async fn remote_reconnect(&mut self) -> Result<(), MeterError> {
        ops::disconnect_control(self, 2).await
    }

    /// Releases the association and disconnects the link.
    ///
    /// # Errors
    /// The transport fails.
    pub async fn close(mut self) -> Result<(), MeterError> {
        let now = self.now();
        self.engine.release(now);
        match self.pump(|ev| matches!(ev, EngineEvent::Closed)).await {
            Ok(_) | Err(MeterError::Closed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Exchange for AsyncMeter<T> {
    fn call(
        &mut self,
        request: Request,
    ) -> impl std::future::Future<Output = Result<Response, MeterError>> {
        self.call_async(request)
    }

    fn negotiated(&self) -> Option<&Negotiated> {
        self.engine.negotiated()
    }

    fn cache(&mut self) -> &mut Cache {
        &mut self.cache
    }
}
