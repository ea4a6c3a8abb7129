//! `compteur listen`: decode a live customer-interface stream from a serial port or TCP.
//!
//! The bytes go through one [`PushListener`] for the whole run, so offsets count from the
//! start of the stream and the frame-counter replay guard holds across reconnections. When
//! the adapter disappears (USB unplugged) or the TCP peer closes, the command says so on
//! standard error and reconnects with exponential backoff (0.5 s doubling up to
//! `--max-backoff`).

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use super::args::{Failure, KeyArgs, SerialArgs, TemplateArgs, hex};
use super::decode::write_item;
use crate::push::{PushConfig, PushListener};
use crate::serial::SerialSettings;

/// Arguments of `compteur listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The serial port of the customer-interface adapter (default 2400 baud 8E1).
    #[arg(long, value_name = "PATH", conflicts_with = "tcp")]
    pub serial: Option<PathBuf>,

    /// Serial line settings.
    #[command(flatten)]
    pub line: SerialArgs,

    /// A raw byte stream over TCP, for example a serial-to-network bridge.
    #[arg(long, value_name = "HOST:PORT")]
    pub tcp: Option<String>,

    /// Keys for encrypted pushes.
    #[command(flatten)]
    pub keys: KeyArgs,

    /// The template for values-only bodies.
    #[command(flatten)]
    pub template: TemplateArgs,

    /// Print one JSON object per line (docs/schema/push.schema.json).
    #[arg(long)]
    pub json: bool,

    /// Stop after this many messages (decoded, encrypted or damaged).
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,

    /// Stop after this many seconds.
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,

    /// The longest wait between reconnection attempts, in seconds.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub max_backoff: f64,

    /// Log the received bytes in hex on standard error.
    #[arg(long)]
    pub verbose: bool,
}

/// The first wait before reconnecting.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// How long a read waits before the deadline is checked again.
const READ_TIMEOUT: Duration = Duration::from_millis(200);

/// How long a TCP connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the bytes come from.
enum Source {
    Serial(PathBuf, SerialSettings),
    Tcp(String),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::Serial(path, s) => format!("{} ({s})", path.display()),
            Source::Tcp(addr) => addr.clone(),
        }
    }

    fn open(&self) -> std::io::Result<Box<dyn Read>> {
        match self {
            Source::Serial(path, settings) => {
                let port = settings.open(path, READ_TIMEOUT)?;
                Ok(Box::new(port))
            }
            Source::Tcp(addr) => {
                let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
                let mut last = std::io::Error::new(ErrorKind::NotFound, "no address");
                for a in addrs {
                    match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
                        Ok(stream) => {
                            stream.set_read_timeout(Some(READ_TIMEOUT))?;
                            return Ok(Box::new(stream));
                        }
                        Err(e) => last = e,
                    }
                }
                Err(last)
            }
        }
    }
}

/// Runs `compteur listen`.
pub(super) fn run(
    args: &ListenArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let (source, config) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(failure) => {
            writeln!(err, "compteur listen: {}", failure.message())?;
            return Ok(failure.status());
        }
    };
    // Validated by `prepare`; a duration too long for the clock means no deadline.
    let deadline = args
        .duration
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .and_then(|d| Instant::now().checked_add(d));
    let max_backoff = Duration::try_from_secs_f64(args.max_backoff)
        .unwrap_or(FIRST_BACKOFF)
        .max(FIRST_BACKOFF);
    let mut listener = PushListener::new(config);
    let mut printed = 0u64;
    let mut backoff = FIRST_BACKOFF;
    let mut connections = 0u64;
    let mut buf = vec![0u8; 4096];
    let done = |printed: u64| args.count.is_some_and(|n| printed >= n);
    let expired = || deadline.is_some_and(|d| Instant::now() >= d);

    'outer: while !done(printed) && !expired() {
        let mut reader = match source.open() {
            Ok(r) => r,
            Err(e) => {
                let wait = match deadline {
                    Some(d) => backoff.min(d.saturating_duration_since(Instant::now())),
                    None => backoff,
                };
                writeln!(
                    err,
                    "compteur listen: cannot open {}: {e}; retrying in {:.1} s",
                    source.describe(),
                    wait.as_secs_f64()
                )?;
                std::thread::sleep(wait);
                backoff = backoff.saturating_mul(2).min(max_backoff);
                continue;
            }
        };
        connections = connections.saturating_add(1);
        if connections > 1 {
            writeln!(err, "compteur listen: reconnected to {}", source.describe())?;
        }
        backoff = FIRST_BACKOFF;
        loop {
            if done(printed) || expired() {
                break 'outer;
            }
            match reader.read(&mut buf) {
                Ok(0) => {
                    writeln!(
                        err,
                        "compteur listen: {} closed the stream; reconnecting",
                        source.describe()
                    )?;
                    break;
                }
                Ok(n) => {
                    let data = buf.get(..n).unwrap_or_default();
                    if args.verbose {
                        writeln!(err, "compteur listen: received {n} bytes: {}", hex(data))?;
                    }
                    listener.feed(data);
                    while let Some(item) = listener.next_message() {
                        write_item(out, &item, args.json)?;
                        out.flush()?;
                        printed = printed.saturating_add(1);
                        if done(printed) {
                            break 'outer;
                        }
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    writeln!(
                        err,
                        "compteur listen: lost {}: {e}; reconnecting",
                        source.describe()
                    )?;
                    break;
                }
            }
        }
        // Give the adapter or the peer a moment before the next attempt.
        let wait = match deadline {
            Some(d) => backoff.min(d.saturating_duration_since(Instant::now())),
            None => backoff,
        };
        std::thread::sleep(wait);
        backoff = backoff.saturating_mul(2).min(max_backoff);
    }
    if !done(printed) {
        for e in listener.finish() {
            write_item(out, &Err(e), args.json)?;
        }
    }
    out.flush()?;
    Ok(0)
}

fn prepare(args: &ListenArgs) -> Result<(Source, PushConfig), Failure> {
    let source = match (&args.serial, &args.tcp) {
        (Some(path), None) => {
            let settings = args.line.settings(SerialSettings::CUSTOMER_INTERFACE);
            settings.validate().map_err(Failure::Usage)?;
            Source::Serial(path.clone(), settings)
        }
        (None, Some(addr)) => {
            let valid = addr
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(Failure::Usage(format!(
                    "--tcp: expected HOST:PORT, got {addr:?}"
                )));
            }
            Source::Tcp(addr.clone())
        }
        _ => {
            return Err(Failure::Usage(
                "give --serial PATH or --tcp HOST:PORT".into(),
            ));
        }
    };
    if args.duration.is_some_and(|d| !(d.is_finite() && d >= 0.0)) {
        return Err(Failure::Usage("--duration: expected seconds >= 0".into()));
    }
    if !(args.max_backoff.is_finite() && args.max_backoff > 0.0) {
        return Err(Failure::Usage("--max-backoff: expected seconds > 0".into()));
    }
    let keys = args.keys.load()?;
    let template = args.template.load()?;
    Ok((
        source,
        PushConfig {
            key: keys.key,
            auth_key: keys.auth_key,
            template,
            replay_guard: true,
        },
    ))
}
