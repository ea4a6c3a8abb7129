//! Serving the simulated meters: TCP (a tokio runtime on its own thread, one task per
//! connection) and a pseudo-terminal (a thread).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

use super::{Framing, PushGenerator, Simulator};

/// A running TCP server of simulated meters. Dropping it (or [`shutdown`](Self::shutdown))
/// stops it and closes every connection.
#[derive(Debug)]
pub struct TcpServer {
    addr: SocketAddr,
    framing: Framing,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    accepted: Arc<AtomicU64>,
}

impl TcpServer {
    /// The address it listens on (with the port chosen when port 0 was asked for).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The framing it speaks.
    #[must_use]
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// How many connections were accepted so far.
    #[must_use]
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

async fn serve_connection(
    sim: Simulator,
    mut stream: tokio::net::TcpStream,
    framing: Framing,
) -> io::Result<()> {
    let index = sim.next_meter();
    let Some(mut station) = sim.station(index, framing) else {
        return Ok(());
    };
    let _ = stream.set_nodelay(true);
    let mut buf = vec![0u8; 4096];
    let mut out = Vec::with_capacity(4096);
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        out.clear();
        sim.pump(index, &mut station, buf.get(..n).unwrap_or(&[]), &mut out);
        if !out.is_empty() {
            stream.write_all(&out).await?;
        }
        if station.broken {
            return Ok(());
        }
    }
}

impl Simulator {
    /// Serves the meters on TCP at `addr` (port 0: a free port) with the given framing, in
    /// the background. Each connection gets its own link and association state and the
    /// next meter in turn (round-robin over the meters).
    ///
    /// # Errors
    ///
    /// Binding the address or starting the runtime failed.
    pub fn serve_tcp(&self, addr: SocketAddr, framing: Framing) -> io::Result<TcpServer> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let accepted = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&accepted);
        let sim = self.clone();
        let thread = std::thread::Builder::new()
            .name(format!("compteur-simulate-{}", local.port()))
            .spawn(move || {
                let accept = async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    loop {
                        match listener.accept().await {
                            Ok((stream, _)) => {
                                count.fetch_add(1, Ordering::Relaxed);
                                tokio::spawn(serve_connection(sim.clone(), stream, framing));
                            }
                            // Out of file descriptors and the like: wait a little, go on.
                            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                        }
                    }
                };
                runtime.spawn(accept);
                let _ = runtime.block_on(stopped);
                runtime.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(TcpServer {
            addr: local,
            framing,
            stop: Some(stop),
            thread: Some(thread),
            accepted,
        })
    }

    /// Serves the first meter on a new pseudo-terminal, speaking HDLC, in the background.
    /// Open [`PtyServer::path`] as a serial port (any settings: a pseudo-terminal ignores
    /// them). Both ends stay open while the server runs, so clients may come and go.
    ///
    /// # Errors
    ///
    /// No pseudo-terminal could be opened.
    pub fn serve_pty(&self) -> io::Result<PtyServer> {
        let sim = self.clone();
        PtyServer::start(
            "compteur-simulate-pty",
            Duration::from_millis(50),
            move |mut master, _line, flag| {
                let Some(mut station) = sim.station(0, Framing::Hdlc) else {
                    return;
                };
                let mut buf = [0u8; 1024];
                let mut out = Vec::new();
                while flag.load(Ordering::Relaxed) {
                    match master.read(&mut buf) {
                        Ok(0) => std::thread::sleep(Duration::from_millis(20)),
                        Ok(n) => {
                            out.clear();
                            sim.pump(0, &mut station, buf.get(..n).unwrap_or(&[]), &mut out);
                            if !out.is_empty() && master.write_all(&out).is_err() {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        // The client closed its end: wait for the next one.
                        Err(_) => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            },
        )
    }
}

impl Simulator {
    /// Writes the pushes of the first meter to a new pseudo-terminal, one every `interval`
    /// (at least 50 ms), as the E450's customer interface does on its serial line; returns
    /// the running server, whose [`path`](PtyServer::path) a push listener opens like a
    /// serial port.
    ///
    /// Like a real line, pushes that nobody reads are lost: what the terminal still holds
    /// when the next push is due is discarded, so a listener that opens the terminal late
    /// starts with a fresh push rather than a backlog.
    ///
    /// # Errors
    ///
    /// The pseudo-terminal cannot be created.
    ///
    /// ```
    /// use std::io::Read;
    /// use std::time::Duration;
    /// use e450::push::{Message, PushListener};
    /// use e450::simulator::{
    ///     PushConfig, PushGenerator, SimClock, Simulator, SimulatorConfig, TimeZone,
    /// };
    ///
    /// let clock = SimClock::system(TimeZone::CENTRAL_EUROPE);
    /// let sim = Simulator::new(SimulatorConfig::default(), clock);
    /// let generator = PushGenerator::new(PushConfig::default());
    /// let server = sim.serve_push_pty(generator, Duration::from_millis(50))?;
    /// let mut port = std::fs::File::open(server.path())?;
    /// let mut listener = PushListener::new(Default::default());
    /// let mut buf = [0u8; 512];
    /// let reading = loop {
    ///     let n = port.read(&mut buf)?;
    ///     listener.feed(buf.get(..n).unwrap_or(&[]));
    ///     if let Some(Ok(Message::Reading(r))) = listener.next_message() {
    ///         break r;
    ///     }
    /// };
    /// assert_eq!(reading.serial.as_deref(), Some("1909113"));
    /// server.shutdown();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn serve_push_pty(
        &self,
        mut generator: PushGenerator,
        interval: Duration,
    ) -> io::Result<PtyServer> {
        let interval = interval.max(Duration::from_millis(50));
        let sim = self.clone();
        PtyServer::start(
            "compteur-simulate-push",
            Duration::from_millis(200),
            move |mut master, line, flag| {
                let tick = Duration::from_millis(20);
                let mut next = std::time::Instant::now();
                while flag.load(Ordering::Relaxed) {
                    let now = std::time::Instant::now();
                    if now < next {
                        std::thread::sleep(next.saturating_duration_since(now).min(tick));
                        continue;
                    }
                    // Nobody read the last push: drop it, as a line would.
                    let _ = serialport::SerialPort::clear(&line, serialport::ClearBuffer::Input);
                    let frames = sim
                        .with_meter(0, |m| {
                            let at = m.now();
                            generator.frames(m, at)
                        })
                        .and_then(Result::ok)
                        .unwrap_or_default();
                    if !frames.is_empty() {
                        let _ = master.write_all(&frames);
                    }
                    next = next.checked_add(interval).unwrap_or(now);
                    if next < now {
                        next = now;
                    }
                }
            },
        )
    }
}

/// A running pseudo-terminal server. Dropping it (or [`shutdown`](Self::shutdown)) stops
/// it.
#[derive(Debug)]
pub struct PtyServer {
    path: PathBuf,
    running: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Kept open so the terminal survives clients closing theirs.
    _slave: serialport::TTYPort,
}

impl PtyServer {
    /// Opens a pseudo-terminal and runs `serve(master, line, running)` on a thread named
    /// `name`: `master` is our end (reads time out after `timeout`), `line` a handle on the
    /// client's end (for flushing what it did not read), `running` false once stopped.
    fn start(
        name: &str,
        timeout: Duration,
        serve: impl FnOnce(serialport::TTYPort, serialport::TTYPort, Arc<AtomicBool>) + Send + 'static,
    ) -> io::Result<PtyServer> {
        let (mut master, slave) = serialport::TTYPort::pair().map_err(io::Error::other)?;
        let path = serialport::SerialPort::name(&slave)
            .map(PathBuf::from)
            .ok_or_else(|| io::Error::other("the pseudo-terminal has no name"))?;
        serialport::SerialPort::set_timeout(&mut master, timeout).map_err(io::Error::other)?;
        let line = slave.try_clone_native().map_err(io::Error::other)?;
        let running = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&running);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || serve(master, line, flag))?;
        Ok(PtyServer {
            path,
            running,
            thread: Some(thread),
            _slave: slave,
        })
    }

    /// The path of the terminal to open (`/dev/pts/N`).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the server and waits for its thread.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for PtyServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}
