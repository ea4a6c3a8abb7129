//! `compteur simulate`: serve simulated E450 meters and generate pushes.
//!
//! The first line on stdout says where the simulator can be reached; then it runs until the
//! process is killed (SIGINT, SIGTERM).

use std::fs::File;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use dlms::security::{AuthenticationKey, EncryptionKey, LlsPassword};
use dlms::session::Keys;

use super::args::{Failure, TemplateArgs};
use crate::simulator::{
    Direction, FIRST_SERIAL, Framing, LocalTime, PushConfig, PushEncryption, PushGenerator,
    PushLayout, SimClock, Simulator, SimulatorConfig, TimeZone,
};

/// The body layout of generated pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Push-object-list first (Switzerland, Cyprus).
    SelfDescribing,
    /// Date-time and OBIS/value pairs (Stromnetz Graz).
    Pairs,
    /// Values only, in the order of TEMPLATE (Netz Burgenland, Wiener Netze).
    Values,
}

/// Arguments of `compteur simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Serve the meters over TCP here (port 0: a free port). Default 127.0.0.1:4059 when
    /// neither --pty nor a push target is given.
    #[arg(long, value_name = "HOST:PORT")]
    pub tcp: Option<String>,

    /// Speak the IEC 62056-47 wrapper on TCP instead of HDLC.
    #[arg(long)]
    pub wrapper: bool,

    /// Also serve the first meter (HDLC) on a new pseudo-terminal.
    #[arg(long)]
    pub pty: bool,

    /// How many independent meters (serial numbers N, N+1, ...), one per TCP connection in
    /// turn.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub meters: u32,

    /// The serial number of the first meter.
    #[arg(long, value_name = "N", default_value_t = FIRST_SERIAL)]
    pub serial_number: u32,

    /// Write customer-interface pushes of the first meter to a file, a TCP listener
    /// (HOST:PORT, connects), or `pty` (a new pseudo-terminal).
    #[arg(
        long,
        value_name = "PATH|HOST:PORT|pty",
        conflicts_with = "push_listen"
    )]
    pub push_to: Option<String>,

    /// Accept push listeners on this TCP address; every push goes to each of them.
    #[arg(long, value_name = "HOST:PORT")]
    pub push_listen: Option<String>,

    /// Seconds between pushes.
    #[arg(long, value_name = "S", default_value_t = 5.0)]
    pub push_interval: f64,

    /// Encrypt pushes with this key (general-glo-ciphering, SC 0x20 alone, 0x30 with
    /// --push-auth-key).
    #[arg(long, value_name = "HEX")]
    pub push_key: Option<String>,

    /// Authenticate pushes with this key (needs --push-key).
    #[arg(long, value_name = "HEX", requires = "push_key")]
    pub push_auth_key: Option<String>,

    /// The body layout of pushes (`values` needs a template; a template alone means
    /// `values`).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,

    /// The values-only layout.
    #[command(flatten)]
    pub template: TemplateArgs,

    /// Seed of the load shapes, events and challenges (same seed, same meters).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Start the clock at this local time (central European time) instead of now.
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM:SS")]
    pub start: Option<String>,

    /// The meters' LLS password (management client 1).
    #[arg(long, value_name = "P")]
    pub password: Option<String>,

    /// The meters' global encryption key for HLS-GMAC and ciphering (default: Green Book
    /// example key).
    #[arg(long, value_name = "HEX")]
    pub key: Option<String>,

    /// The meters' authentication key (default: Green Book example key).
    #[arg(long, value_name = "HEX")]
    pub auth_key: Option<String>,

    /// Print the ready line as JSON.
    #[arg(long)]
    pub json: bool,

    /// Log every frame in hex on stderr.
    #[arg(long)]
    pub verbose: bool,
}

/// Where pushes go.
enum Sink {
    File(File),
    Connect(SocketAddr, Option<TcpStream>),
    Listeners(Arc<Mutex<Vec<TcpStream>>>),
    /// The master end, and the slave end kept open so clients may come and go.
    Pty(serialport::TTYPort, #[allow(dead_code)] serialport::TTYPort),
}

impl Sink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        match self {
            Sink::File(f) => f
                .write_all(bytes)
                .and_then(|()| f.flush())
                .map_err(|e| e.to_string()),
            Sink::Connect(addr, stream) => {
                if stream.is_none() {
                    *stream = Some(
                        TcpStream::connect_timeout(addr, Duration::from_secs(2))
                            .map_err(|e| format!("cannot connect to {addr}: {e}"))?,
                    );
                }
                let result = stream.as_mut().map(|s| s.write_all(bytes));
                match result {
                    Some(Ok(())) => Ok(()),
                    Some(Err(e)) => {
                        *stream = None;
                        Err(format!("{addr}: {e}"))
                    }
                    None => Ok(()),
                }
            }
            Sink::Listeners(list) => {
                let mut list = list
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                list.retain_mut(|s| s.write_all(bytes).is_ok());
                Ok(())
            }
            Sink::Pty(master, _) => master.write_all(bytes).map_err(|e| e.to_string()),
        }
    }
}

fn resolve(text: &str, what: &str) -> Result<SocketAddr, Failure> {
    text.to_socket_addrs()
        .map_err(|e| Failure::Usage(format!("{what} {text:?}: {e}")))?
        .next()
        .ok_or_else(|| Failure::Usage(format!("{what} {text:?}: no address")))
}

fn looks_like_address(text: &str) -> bool {
    match text.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && !host.contains('/')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// The ready line (`docs/schema/simulate.schema.json`).
#[derive(serde::Serialize)]
struct Ready {
    kind: &'static str,
    tcp: Option<String>,
    framing: &'static str,
    pty: Option<String>,
    push: Option<String>,
    meters: usize,
    first_serial: u32,
    seed: u64,
    clock: String,
}

struct Plan {
    sim: Simulator,
    log: mpsc::Receiver<String>,
    tcp: Option<SocketAddr>,
    framing: Framing,
    pty: bool,
    push: Option<(PushGenerator, Duration)>,
}

fn plan(args: &SimulateArgs) -> Result<Plan, Failure> {
    let mut cfg = SimulatorConfig {
        meters: usize::try_from(args.meters).unwrap_or(1),
        first_serial: args.serial_number,
        seed: args.seed,
        ..SimulatorConfig::default()
    };
    if let Some(p) = &args.password {
        cfg.password = LlsPassword::new(p.as_bytes())
            .map_err(|e| Failure::Usage(format!("--password: {e}")))?;
    }
    let enc = |t: &str, what: &str| {
        EncryptionKey::from_hex(t.trim()).map_err(|e| Failure::Usage(format!("{what}: {e}")))
    };
    let auth = |t: &str, what: &str| {
        AuthenticationKey::from_hex(t.trim()).map_err(|e| Failure::Usage(format!("{what}: {e}")))
    };
    cfg.keys = Keys {
        encryption: match &args.key {
            Some(k) => enc(k, "--key")?,
            None => Keys::GREEN_BOOK.encryption,
        },
        authentication: match &args.auth_key {
            Some(k) => auth(k, "--auth-key")?,
            None => Keys::GREEN_BOOK.authentication,
        },
    };
    // The frames are logged by the main thread (it holds the error stream): the server
    // threads send the lines over a channel.
    let (log_tx, log_rx) = mpsc::channel::<String>();
    if args.verbose {
        let tx = Mutex::new(log_tx);
        cfg.log = Some(Arc::new(move |dir: Direction, frame: &[u8]| {
            let arrow = match dir {
                Direction::Received => "<-",
                Direction::Sent => "->",
            };
            // An AARQ may carry the LLS password: say it came, not what it holds.
            let hdlc_aarq = frame.windows(4).any(|w| w == [0xE6, 0xE6, 0x00, 0x60]);
            let wrapper_aarq = frame.starts_with(&[0x00, 0x01]) && frame.get(8) == Some(&0x60);
            let line = if hdlc_aarq || wrapper_aarq {
                format!(
                    "compteur simulate: {arrow} AARQ ({} bytes, not shown)",
                    frame.len()
                )
            } else {
                format!("compteur simulate: {arrow} {}", hex(frame))
            };
            let tx = tx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = tx.send(line);
        }));
    }
    let zone = TimeZone::CENTRAL_EUROPE;
    let clock = match &args.start {
        Some(text) => {
            let start: LocalTime = text
                .parse()
                .map_err(|e| Failure::Usage(format!("--start: {e}")))?;
            SimClock::real_time(zone, start)
        }
        None => SimClock::system(zone),
    };
    let template = args.template.load()?;
    let layout = match (args.layout, template) {
        (Some(LayoutArg::Values) | None, Some(t)) => PushLayout::Values(t),
        (Some(LayoutArg::Values), None) => {
            return Err(Failure::Usage(
                "--layout values needs --template or --template-file".into(),
            ));
        }
        (Some(LayoutArg::Pairs), _) => PushLayout::Pairs,
        (Some(LayoutArg::SelfDescribing) | None, _) => PushLayout::SelfDescribing,
    };
    let encryption = match (&args.push_key, &args.push_auth_key) {
        (Some(k), Some(a)) => {
            PushEncryption::Authenticated(enc(k, "--push-key")?, auth(a, "--push-auth-key")?)
        }
        (Some(k), None) => PushEncryption::Encrypted(enc(k, "--push-key")?),
        _ => PushEncryption::None,
    };
    let pushing = args.push_to.is_some() || args.push_listen.is_some();
    if !(args.push_interval.is_finite() && args.push_interval >= 0.05) {
        return Err(Failure::Usage(
            "--push-interval must be at least 0.05 seconds".into(),
        ));
    }
    let push = pushing.then(|| {
        (
            PushGenerator::new(PushConfig {
                layout,
                encryption,
                ..PushConfig::default()
            }),
            Duration::from_secs_f64(args.push_interval),
        )
    });
    let tcp = match &args.tcp {
        Some(t) => Some(resolve(t, "--tcp")?),
        None if !args.pty && !pushing => Some(SocketAddr::from(([127, 0, 0, 1], 4059))),
        None => None,
    };
    Ok(Plan {
        sim: Simulator::new(cfg, clock),
        log: log_rx,
        tcp,
        framing: if args.wrapper {
            Framing::Wrapper
        } else {
            Framing::Hdlc
        },
        pty: args.pty,
        push,
    })
}

fn open_sink(args: &SimulateArgs) -> Result<Option<(Sink, String)>, Failure> {
    if let Some(listen) = &args.push_listen {
        let addr = resolve(listen, "--push-listen")?;
        let listener = TcpListener::bind(addr)
            .map_err(|e| Failure::Failed(format!("cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| Failure::Failed(e.to_string()))?;
        let list = Arc::new(Mutex::new(Vec::new()));
        let clients = Arc::clone(&list);
        std::thread::Builder::new()
            .name("compteur-simulate-push".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let _ = stream.set_nodelay(true);
                    clients
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(stream);
                }
            })
            .map_err(|e| Failure::Failed(e.to_string()))?;
        return Ok(Some((Sink::Listeners(list), format!("tcp-listen:{local}"))));
    }
    let Some(target) = &args.push_to else {
        return Ok(None);
    };
    if target == "pty" {
        let (master, slave) = serialport::TTYPort::pair()
            .map_err(|e| Failure::Failed(format!("cannot open a pseudo-terminal: {e}")))?;
        let path = serialport::SerialPort::name(&slave).unwrap_or_default();
        return Ok(Some((Sink::Pty(master, slave), path)));
    }
    if looks_like_address(target) {
        let addr = resolve(target, "--push-to")?;
        return Ok(Some((Sink::Connect(addr, None), format!("tcp:{addr}"))));
    }
    let path = PathBuf::from(target);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Failure::Failed(format!("cannot open {}: {e}", path.display())))?;
    Ok(Some((Sink::File(file), path.display().to_string())))
}

/// Runs `compteur simulate`: prints the ready line, then serves until killed.
pub(super) fn run(
    args: &SimulateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    match start(args, out, err) {
        Ok(status) => Ok(status),
        Err(f) => {
            writeln!(err, "compteur simulate: {}", f.message())?;
            Ok(f.status())
        }
    }
}

fn start(args: &SimulateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let io = |e: std::io::Error| Failure::Failed(e.to_string());
    let Plan {
        sim,
        log,
        tcp,
        framing,
        pty,
        push,
    } = plan(args)?;
    let server = match tcp {
        Some(addr) => Some(
            sim.serve_tcp(addr, framing)
                .map_err(|e| Failure::Failed(format!("cannot listen on {addr}: {e}")))?,
        ),
        None => None,
    };
    let pty_server = if pty {
        Some(
            sim.serve_pty()
                .map_err(|e| Failure::Failed(format!("cannot open a pseudo-terminal: {e}")))?,
        )
    } else {
        None
    };
    let sink = open_sink(args)?;
    let tcp_text = server.as_ref().map(|s| s.local_addr().to_string());
    let pty_text = pty_server.as_ref().map(|p| p.path().display().to_string());
    let push_text = sink.as_ref().map(|(_, t)| t.clone());
    let framing_text = match framing {
        Framing::Hdlc => "hdlc",
        Framing::Wrapper => "wrapper",
    };
    if args.json {
        let ready = Ready {
            kind: "ready",
            tcp: tcp_text.clone(),
            framing: framing_text,
            pty: pty_text.clone(),
            push: push_text.clone(),
            meters: sim.len(),
            first_serial: args.serial_number,
            seed: args.seed,
            clock: sim.clock().now_local().to_string(),
        };
        let line = serde_json::to_string(&ready).map_err(|e| Failure::Failed(e.to_string()))?;
        writeln!(out, "{line}").map_err(io)?;
    } else {
        let mut parts = Vec::new();
        if let Some(t) = &tcp_text {
            parts.push(format!("TCP {t} ({framing_text})"));
        }
        if let Some(p) = &pty_text {
            parts.push(format!("pseudo-terminal {p} (HDLC)"));
        }
        if let Some(p) = &push_text {
            parts.push(format!("pushes to {p}"));
        }
        writeln!(
            out,
            "compteur simulate: {} meter(s) from serial {}, ready: {}",
            sim.len(),
            args.serial_number,
            parts.join(", ")
        )
        .map_err(io)?;
    }
    out.flush().map_err(io)?;
    let _ = err.flush();

    let mut push = match (push, sink) {
        (Some((generator, interval)), Some((sink, _))) => Some((generator, interval, sink)),
        _ => None,
    };
    let mut next = Instant::now();
    let mut last_error: Option<String> = None;
    let mut logging = true;
    loop {
        // Log lines until the next push is due (forever without pushes).
        let wait = next.checked_duration_since(Instant::now());
        if logging {
            let got = match (&push, wait) {
                (None, _) => log.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
                (Some(_), Some(w)) => log.recv_timeout(w),
                (Some(_), None) => Err(mpsc::RecvTimeoutError::Timeout),
            };
            match got {
                Ok(line) => {
                    writeln!(err, "{line}").map_err(io)?;
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    logging = false;
                    continue;
                }
            }
        } else if let Some(w) = wait {
            if push.is_none() {
                // Nothing more to do: serve until killed.
                loop {
                    std::thread::park();
                }
            }
            std::thread::sleep(w);
        }
        let Some((generator, interval, sink)) = push.as_mut() else {
            loop {
                std::thread::park();
            }
        };
        let frames = sim
            .with_meter(0, |m| {
                let now = m.now();
                generator.frames(m, now)
            })
            .transpose()
            .map_err(|e| Failure::Failed(e.to_string()))?
            .unwrap_or_default();
        if args.verbose {
            writeln!(err, "compteur simulate: push {}", hex(&frames)).map_err(io)?;
        }
        match sink.write(&frames) {
            Ok(()) => last_error = None,
            Err(e) => {
                if last_error.as_deref() != Some(e.as_str()) {
                    writeln!(err, "compteur simulate: push: {e}").map_err(io)?;
                }
                last_error = Some(e);
            }
        }
        let now = Instant::now();
        next = next.checked_add(*interval).unwrap_or(now);
        if next < now {
            next = now;
        }
    }
}
