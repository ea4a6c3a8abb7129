//! The `compteur` command-line tool: argument parsing and the subcommands.
//!
//! The binary is a thin `main` around [`main`]; [`run`] takes the arguments and the output
//! streams, so the tool can be driven from tests.
//!
//! ```
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let code = e450::cli::run(["compteur", "obis", "--json", "1-0:1.8.0"], &mut out, &mut err);
//! assert_eq!(code, 0);
//! assert!(String::from_utf8(out).unwrap().starts_with(r#"{"obis":"1-0:1.8.0*255""#));
//! ```

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use obis::registry::{self, RegistryEntry};
use obis::{ObisCode, ParseError, Unit, describe};
use serde::Serialize;

mod args;
mod decode;
mod listen;
mod meter;
mod simulate;

pub use args::{KeyArgs, ParityArg, SerialArgs, TemplateArgs};
pub use decode::DecodeArgs;
pub use listen::ListenArgs;
pub use meter::{ObjectsArgs, ProfileArgs, ReadArgs};
pub use simulate::SimulateArgs;

/// Exit status for bad input (also what clap uses for usage errors).
pub const EXIT_USAGE: u8 = 2;

/// Read, listen to and simulate smart electricity meters (Landis+Gyr E450 first).
#[derive(Debug, Parser)]
#[command(name = "compteur", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Describe OBIS codes: their meaning and the E450 registry entry.
    ///
    /// Accepts every textual form: 1-0:1.8.0*255, 1-0:1.8.0.255, 1.0.1.8.0.255, 1-0:1.8.0,
    /// the short 1.8.0 (electricity, channel 0) and 12 hex digits (0100010800FF).
    Obis(ObisArgs),

    /// Decode a captured customer-interface stream (HDLC frames as read from the serial
    /// line, garbage in between allowed), DLMS-over-M-Bus or wired M-Bus frames, or a bare
    /// DLMS APDU.
    Decode(DecodeArgs),

    /// Decode a live customer-interface stream from a serial port or a TCP byte stream.
    Listen(ListenArgs),

    /// Read registers, the clock or any attribute from a meter.
    Read(ReadArgs),

    /// Read a profile (load profile, daily profile, event log) from a meter.
    Profile(ProfileArgs),

    /// List the objects a meter exposes to this client.
    Objects(ObjectsArgs),

    /// Serve simulated E450 meters over TCP or a pseudo-terminal and generate pushes.
    Simulate(SimulateArgs),
}

/// Arguments of `compteur obis`.
#[derive(Debug, Args)]
pub struct ObisArgs {
    /// Print one JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,

    /// The OBIS codes to describe.
    #[arg(required = true, value_name = "CODE")]
    pub codes: Vec<String>,
}

/// Runs the tool with the process arguments and standard streams.
#[must_use]
pub fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let status = run(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(status)
}

/// Runs the tool: parses `args` (the first is the program name), writes to `out` and `err`,
/// returns the exit status (0 success, 2 bad input or usage).
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let status = u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE);
            // Plain text: the streams may be pipes or files.
            let mut rendered = e.render().to_string();
            if !rendered.ends_with('\n') {
                rendered.push('\n');
            }
            // A closed stream leaves nothing to report to.
            let _ = if e.use_stderr() {
                err.write_all(rendered.as_bytes())
            } else {
                out.write_all(rendered.as_bytes())
            };
            return status;
        }
    };
    let result = match cli.command {
        Command::Obis(args) => obis_command(&args, out, err),
        Command::Decode(args) => decode::run(&args, out, err),
        Command::Listen(args) => listen::run(&args, out, err),
        Command::Read(args) => meter::run_read(&args, out, err),
        Command::Profile(args) => meter::run_profile(&args, out, err),
        Command::Objects(args) => meter::run_objects(&args, out, err),
        Command::Simulate(args) => simulate::run(&args, out, err),
    };
    // Writing failed (e.g. a closed pipe): nothing more to say, status 1.
    result.unwrap_or(1)
}

/// `compteur obis`.
fn obis_command(args: &ObisArgs, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<u8> {
    let mut codes = Vec::with_capacity(args.codes.len());
    let mut bad = false;
    for text in &args.codes {
        match text.parse::<ObisCode>() {
            Ok(code) => codes.push(code),
            Err(e) => {
                bad = true;
                write_parse_error(err, text, e)?;
            }
        }
    }
    if bad {
        return Ok(EXIT_USAGE);
    }
    for (i, &code) in codes.iter().enumerate() {
        if args.json {
            let line =
                serde_json::to_string(&ObisJson::new(code)).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            write_human(out, code)?;
        }
    }
    Ok(0)
}

/// `error: invalid OBIS code "…": …` with a caret under the offending character.
fn write_parse_error(err: &mut dyn Write, text: &str, e: ParseError) -> std::io::Result<()> {
    writeln!(err, "error: invalid OBIS code {text:?}: {e}")?;
    let offset = match e {
        ParseError::InvalidCharacter { offset, .. }
        | ParseError::ValueOutOfRange { offset, .. }
        | ParseError::TrailingInput { offset } => Some(offset),
        ParseError::MissingGroup { .. } => Some(text.len()),
        _ => None,
    };
    if let Some(offset) = offset {
        let column = text
            .get(..offset)
            .map_or(0, |prefix| prefix.chars().count());
        writeln!(err, "  {text}")?;
        writeln!(err, "  {:column$}^", "")?;
    }
    Ok(())
}

/// The unit symbol, `None` for no unit (count) or an unknown code.
fn unit_symbol(unit: Unit) -> Option<&'static str> {
    unit.symbol().filter(|s| !s.is_empty())
}

/// One line of `compteur obis --json`.
#[derive(Debug, Serialize)]
pub struct ObisJson {
    /// The canonical code.
    pub obis: ObisCode,
    /// Value group A, `snake_case`.
    pub medium: &'static str,
    /// The reading name, if the code is one.
    pub quantity: Option<obis::Quantity>,
    /// The English description of the code.
    pub description: String,
    /// The class id of the registry entry.
    pub class: Option<u16>,
    /// The unit symbol of the registry entry.
    pub unit: Option<&'static str>,
    /// The registry entry (found with channel-B tolerance).
    pub registry: Option<RegistryJson>,
}

/// The registry part of [`ObisJson`].
#[derive(Debug, Serialize)]
pub struct RegistryJson {
    /// The code of the entry (differs from the input with channel-B tolerance).
    pub obis: ObisCode,
    /// The interface class id.
    pub class: u16,
    /// The interface class name.
    pub class_name: Option<&'static str>,
    /// The attributes that carry the value.
    pub attributes: &'static [i8],
    /// The A-XDR type of the value.
    pub value_type: &'static str,
    /// The unit symbol (`null` for none).
    pub unit: Option<&'static str>,
    /// The scaler used when a push carries none.
    pub scaler: Option<i8>,
    /// The reading name.
    pub quantity: Option<obis::Quantity>,
    /// What the object is.
    pub description: &'static str,
    /// `"push"` (seen in real pushes) or `"expected"` (IDIS convention).
    pub seen: &'static str,
    /// Operators whose pushes carry it.
    pub seen_in: &'static [&'static str],
    /// A remark, `null` if none.
    pub note: Option<&'static str>,
}

impl RegistryJson {
    fn new(entry: &'static RegistryEntry) -> Self {
        RegistryJson {
            obis: entry.code,
            class: entry.class_id,
            class_name: registry::class_name(entry.class_id),
            attributes: entry.attributes,
            value_type: entry.value_type,
            unit: entry.unit().and_then(unit_symbol),
            scaler: entry.scaler_unit.map(|su| su.scaler),
            quantity: entry.quantity,
            description: entry.description,
            seen: entry.seen.as_str(),
            seen_in: entry.seen_in,
            note: Some(entry.note).filter(|n| !n.is_empty()),
        }
    }
}

impl ObisJson {
    /// The JSON object for a code.
    #[must_use]
    pub fn new(code: ObisCode) -> Self {
        let description = describe(code);
        let entry = registry::lookup_tolerant(code);
        ObisJson {
            obis: code,
            medium: description.medium.as_str(),
            quantity: entry.and_then(|e| e.quantity),
            description: description.to_string(),
            class: entry.map(|e| e.class_id),
            unit: entry.and_then(RegistryEntry::unit).and_then(unit_symbol),
            registry: entry.map(RegistryJson::new),
        }
    }
}

/// The text form: the code and its description, then the registry details, aligned.
fn write_human(out: &mut dyn Write, code: ObisCode) -> std::io::Result<()> {
    const LABEL: usize = 10;
    let description = describe(code);
    writeln!(out, "{code}  {description}")?;
    let Some(entry) = registry::lookup_tolerant(code) else {
        writeln!(out, "  {:LABEL$}not in the E450 registry", "registry")?;
        return Ok(());
    };
    if let Some(quantity) = entry.quantity {
        writeln!(out, "  {:LABEL$}{quantity}", "quantity")?;
    }
    if entry.code == code {
        writeln!(out, "  {:LABEL$}{}", "registry", entry.description)?;
    } else {
        writeln!(
            out,
            "  {:LABEL$}{} (as {}, channel-B tolerance)",
            "registry", entry.description, entry.code
        )?;
    }
    let class = match registry::class_name(entry.class_id) {
        Some(name) => format!("{} ({name})", entry.class_id),
        None => entry.class_id.to_string(),
    };
    let attributes: Vec<String> = entry.attributes.iter().map(i8::to_string).collect();
    let plural = if attributes.len() > 1 { "s" } else { "" };
    writeln!(
        out,
        "  {:LABEL$}{class}, attribute{plural} {}",
        "class",
        attributes.join(", ")
    )?;
    let mut value = entry.value_type.to_string();
    if let Some(su) = entry.scaler_unit {
        match unit_symbol(su.unit) {
            Some(symbol) => value.push_str(&format!(", {symbol}")),
            None => value.push_str(", no unit"),
        }
        value.push_str(&format!(
            ", scaler {} when the push carries none",
            su.scaler
        ));
    }
    writeln!(out, "  {:LABEL$}{value}", "value")?;
    let mut seen = match entry.seen {
        registry::Seen::InPushes => String::from("in real pushes"),
        _ => String::from("expected (IDIS convention, not confirmed on an E450)"),
    };
    if !entry.seen_in.is_empty() {
        seen.push_str(&format!(": {}", entry.seen_in.join(", ")));
    }
    writeln!(out, "  {:LABEL$}{seen}", "seen")?;
    if !entry.note.is_empty() {
        writeln!(out, "  {:LABEL$}{}", "note", entry.note)?;
    }
    Ok(())
}
