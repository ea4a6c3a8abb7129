//! `compteur decode`: decode a captured customer-interface stream or a bare APDU.

use std::io::{Read, Write};
use std::path::PathBuf;

use clap::Args;

use super::args::{Failure, KeyArgs, TemplateArgs, hex, parse_hex};

use crate::push::{self, MbusMessage, Message, PushConfig, PushError};
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

    /// Keys for encrypted pushes.
    #[command(flatten)]
    pub keys: KeyArgs,

    /// The template for values-only bodies.
    #[command(flatten)]
    pub template: TemplateArgs,

    /// Print one JSON object per line (docs/schema/push.schema.json).
    #[arg(long)]
    pub json: bool,
}

/// Runs `compteur decode`.
pub(super) fn run(
    args: &DecodeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<u8> {
    let (input, config) = match prepare(args) {
        Ok(prepared) => prepared,
        Err(failure) => {
            writeln!(err, "compteur decode: {}", failure.message())?;
            return Ok(failure.status());
        }
    };

    let items = push::decode_capture(&input, &config);

    if items.is_empty() {
        writeln!(
            err,
            "compteur decode: no message found in {} bytes",
            input.len()
        )?;
    }
    for item in &items {
        write_item(out, item, args.json)?;
    }
    Ok(0)
}

/// Prints one item as `decode` and `listen` do: a JSON line, or human text.
pub(super) fn write_item(
    out: &mut dyn Write,
    item: &Result<Message, PushError>,
    json: bool,
) -> std::io::Result<()> {
    if json {
        let value = match item {
            Ok(message) => message.to_json_value(),
            Err(error) => error.to_json_value(),
        };
        return writeln!(out, "{value}");
    }
    match item {
        Ok(Message::Reading(reading)) => write_reading(out, reading),
        Ok(Message::Encrypted(e)) => writeln!(
            out,
            "encrypted push at offset {}: system title {}, frame counter {} (give --key to decrypt)\n",
            e.offset,
            hex(&e.system_title),
            e.frame_counter
        ),
        Ok(Message::Mbus(m)) => write_mbus(out, m),
        Err(error) => writeln!(
            out,
            "damaged message at offset {}: {error}\n",
            error.offset()
        ),
    }
}

/// Rows of four columns, aligned: the first two left, the third right, the unit after.
fn write_rows(out: &mut dyn Write, rows: &[[String; 4]]) -> std::io::Result<()> {
    let width = |i: usize| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for [a, b, c, d] in rows {
        let line = format!("  {a:<w0$}  {b:<w1$}  {c:>w2$} {d}");
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out)
}

/// A wired M-Bus response as an aligned table.
fn write_mbus(out: &mut dyn Write, m: &MbusMessage) -> std::io::Result<()> {
    let mut fields = format!("C {:02X}, A {}, CI {:02X}", m.c, m.a, m.ci);
    if let Some(v) = m.version {
        fields.push_str(&format!(", version {v}"));
    }
    if let Some(n) = m.access_number {
        fields.push_str(&format!(", access {n}"));
    }
    if let Some(s) = m.status {
        fields.push_str(&format!(", status {s:02X}"));
    }
    writeln!(
        out,
        "M-Bus response at offset {}: id {}  manufacturer {}  medium {}  ({fields})",
        m.offset,
        m.id.as_deref().unwrap_or("unknown"),
        m.manufacturer.as_deref().unwrap_or("unknown"),
        m.medium.unwrap_or("unknown"),
    )?;
    let rows: Vec<[String; 4]> = m
        .records
        .iter()
        .map(|r| {
            let mut place = format!("storage {}", r.storage);
            if r.tariff != 0 {
                place.push_str(&format!(" tariff {}", r.tariff));
            }
            if r.subunit != 0 {
                place.push_str(&format!(" subunit {}", r.subunit));
            }
            if r.function != "instantaneous" {
                place.push(' ');
                place.push_str(r.function);
            }
            [
                r.quantity.as_deref().unwrap_or("").to_owned(),
                place,
                r.value
                    .as_ref()
                    .map_or_else(|| "no data".to_owned(), value_text),
                r.unit.as_deref().unwrap_or("").to_owned(),
            ]
        })
        .collect();
    if let Some(data) = &m.manufacturer_data {
        let more = if m.more_records_follow {
            " (more records follow)"
        } else {
            ""
        };
        writeln!(out, "  manufacturer data{more}: {data}")?;
    }
    write_rows(out, &rows)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("{n}"),
        Value::Text(t) => t.to_string(),
    }
}

fn prepare(args: &DecodeArgs) -> Result<(Vec<u8>, PushConfig), Failure> {
    let input = match (&args.hex, &args.file) {
        (_, Some(path)) => std::fs::read(path)
            .map_err(|e| Failure::Failed(format!("cannot read {}: {e}", path.display())))?,
        (Some(text), None) if text == "-" => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::Failed(format!("cannot read standard input: {e}")))?;
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

    let keys = args.keys.load()?;
    let template = args.template.load()?;

    Ok((
        input,
        PushConfig {
            key: keys.key,
            auth_key: keys.auth_key,
            template,
            replay_guard: false,
        },
    ))
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
    let rows: Vec<[String; 4]> = reading
        .values
        .iter()
        .map(|v| {
            [
                v.obis.to_string(),
                v.quantity
                    .map(|q| q.as_str().to_owned())
                    .unwrap_or_default(),
                value_text(&v.value),
                v.unit.as_deref().unwrap_or("").to_owned(),
            ]
        })
        .collect();
    write_rows(out, &rows)
}
