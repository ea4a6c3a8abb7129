//! `compteur decode`: decode a captured customer-interface stream or a bare APDU.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;
use dlms::security::{AuthenticationKey, EncryptionKey};
use serde::Deserialize;

use crate::push::{self, Message, PushConfig, PushError, PushListener, Template};
use crate::reading::{Reading, Value};

/// Arguments of `compteur decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The bytes as hex (spaces allowed), or `-` to read standard input (hex text or raw
    /// bytes). Use `--file` for a raw capture.
    #[arg(value_name = "HEX", conflicts_with = "file")]
    pub hex: Option<String>,

    /// Read raw bytes from this file (for example a capture of the serial line).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Encryption key (GUEK) from the grid operator, 32 hex digits.
    #[arg(long, value_name = "HEX", conflicts_with = "key_file")]
    pub key: Option<String>,

    /// Authentication key (GAK), 32 hex digits: tags are then verified.
    #[arg(long, value_name = "HEX", conflicts_with = "key_file")]
    pub auth_key: Option<String>,

    /// TOML file with `key` and `auth_key` (keeps keys out of the process list).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,

    /// Built-in template for values-only bodies: `burgenland` or `wiener-netze`.
    #[arg(long, value_name = "NAME", conflicts_with = "template_file")]
    pub template: Option<String>,

    /// A template for values-only bodies, as TOML.
    #[arg(long, value_name = "PATH")]
    pub template_file: Option<PathBuf>,

    /// Print one JSON object per line (docs/schema/push.schema.json).
    #[arg(long)]
    pub json: bool,
}

/// The key file's contents.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    key: Option<String>,
    auth_key: Option<String>,
    // Accepted for symmetry with the meter commands; a push names its own system title.
    #[allow(dead_code)]
    system_title: Option<String>,
}

/// Why the command could not start: bad arguments (exit 2) or an I/O failure (exit 1).
enum Failure {
    Usage(String),
    Io(String),
}

/// Runs `compteur decode`.
pub(super) fn run(
    args: &DecodeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let (input, config) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(Failure::Usage(message)) => {
            writeln!(err, "compteur decode: {message}")?;
            return Ok(super::EXIT_USAGE);
        }
        Err(Failure::Io(message)) => {
            writeln!(err, "compteur decode: {message}")?;
            return Ok(1);
        }
    };

    let mut items: Vec<Result<Message, PushError>> = Vec::new();
    let mut listener = PushListener::new(config.clone());
    listener.feed(&input);
    items.extend(listener.messages());
    if let Some(unfinished) = listener.finish() {
        items.push(Err(unfinished));
    }
    if listener.stats().frames == 0 && items.is_empty() {
        // No HDLC frame anywhere: a bare APDU (data-notification or ciphered push).
        items.push(push::decode_apdu(&input, &config));
    }

    if items.is_empty() {
        writeln!(
            err,
            "compteur decode: no message found in {} bytes",
            input.len()
        )?;
    }
    for item in &items {
        if args.json {
            let value = match item {
                Ok(message) => message.to_json_value(),
                Err(error) => error.to_json_value(),
            };
            writeln!(out, "{value}")?;
        } else {
            match item {
                Ok(Message::Reading(reading)) => write_reading(out, reading)?,
                Ok(Message::Encrypted(e)) => writeln!(
                    out,
                    "encrypted push at offset {}: system title {}, frame counter {} (give --key to decrypt)\n",
                    e.offset,
                    hex(&e.system_title),
                    e.frame_counter
                )?,
                Err(error) => writeln!(
                    out,
                    "damaged message at offset {}: {error}\n",
                    error.offset()
                )?,
            }
        }
    }
    Ok(0)
}

fn prepare(args: &DecodeArgs) -> Result<(Vec<u8>, PushConfig), Failure> {
    let input = match (&args.hex, &args.file) {
        (_, Some(path)) => std::fs::read(path)
            .map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display())))?,
        (Some(text), None) if text == "-" => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::Io(format!("cannot read standard input: {e}")))?;
            match std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| parse_hex(text).ok())
            {
                Some(decoded) => decoded,
                None => bytes,
            }
        }
        (Some(text), None) => parse_hex(text).map_err(Failure::Usage)?,
        (None, None) => {
            return Err(Failure::Usage(
                "give the bytes as HEX, `-` for standard input, or --file PATH".into(),
            ));
        }
    };

    let (key, auth_key) = match &args.key_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display())))?;
            let file: KeyFile = toml::from_str(&text)
                // The TOML error quotes the offending line, which may hold a key: say only where.
                .map_err(|e| {
                    Failure::Usage(format!(
                        "{}: not a valid key file ({:?})",
                        path.display(),
                        e.span()
                    ))
                })?;
            (file.key, file.auth_key)
        }
        None => (args.key.clone(), args.auth_key.clone()),
    };
    let key = key
        .map(|k| EncryptionKey::from_hex(k.trim()))
        .transpose()
        .map_err(|e| Failure::Usage(format!("--key: {e}")))?;
    let auth_key = auth_key
        .map(|k| AuthenticationKey::from_hex(k.trim()))
        .transpose()
        .map_err(|e| Failure::Usage(format!("--auth-key: {e}")))?;

    let template = match (&args.template, &args.template_file) {
        (Some(name), _) => {
            Some(Template::builtin(name).map_err(|e| Failure::Usage(format!("--template: {e}")))?)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::Io(format!("cannot read {}: {e}", path.display())))?;
            Some(
                Template::from_toml(&text)
                    .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?,
            )
        }
        (None, None) => None,
    };

    Ok((
        input,
        PushConfig {
            key,
            auth_key,
            template,
            replay_guard: false,
        },
    ))
}

/// Hex digits with any whitespace between them.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<(usize, char)> = text
        .char_indices()
        .filter(|(_, c)| !c.is_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "HEX has an odd number of digits ({})",
            digits.len()
        ));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let mut byte = 0u8;
            for &(at, c) in pair {
                let nibble = c
                    .to_digit(16)
                    .ok_or_else(|| format!("HEX: '{c}' at character {at} is not a hex digit"))?;
                // A hex digit is below 16, so the shift and add stay within a byte.
                byte = (byte << 4)
                    | u8::try_from(nibble).map_err(|_| "HEX: digit out of range".to_string())?;
            }
            Ok(byte)
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A reading as an aligned table.
fn write_reading(out: &mut dyn Write, reading: &Reading) -> std::io::Result<()> {
    let json = reading.to_json_value();
    let text = |key: &str| json.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    writeln!(
        out,
        "push at offset {}: {}  serial {}  security {}  layout {}",
        reading.offset,
        text("timestamp").unwrap_or_else(|| "no timestamp".into()),
        reading.serial.as_deref().unwrap_or("unknown"),
        text("security").unwrap_or_default(),
        text("layout").unwrap_or_default(),
    )?;
    let rows: Vec<(String, String, String, String)> = reading
        .values
        .iter()
        .map(|v| {
            let value = match &v.value {
                Value::Number(n) => format!("{n}"),
                Value::Text(t) => t.clone(),
            };
            (
                v.obis.to_string(),
                v.quantity
                    .map(|q| q.as_str().to_owned())
                    .unwrap_or_default(),
                value,
                v.unit.as_deref().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let width =
        |f: fn(&(String, String, String, String)) -> usize| rows.iter().map(f).max().unwrap_or(0);
    let (w0, w1, w2) = (
        width(|r| r.0.len()),
        width(|r| r.1.len()),
        width(|r| r.2.len()),
    );
    for (obis, quantity, value, unit) in &rows {
        writeln!(out, "  {obis:<w0$}  {quantity:<w1$}  {value:>w2$} {unit}")?;
    }
    writeln!(out)
}
