//! Argument groups shared by several subcommands: keys, templates, serial settings, hex.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use dlms::security::{AuthenticationKey, EncryptionKey};
use serde::Deserialize;

use crate::push::Template;
use crate::serial::{Parity, SerialSettings};

/// Why a command could not start or go on: bad arguments (exit 2) or an operation that failed
/// (exit 1).
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad arguments or bad input given on the command line: exit status 2.
    Usage(String),
    /// I/O failed, the meter refused, a timeout: exit status 1.
    Failed(String),
}

impl Failure {
    /// The exit status for this failure.
    pub(crate) fn status(&self) -> u8 {
        match self {
            Failure::Usage(_) => super::EXIT_USAGE,
            Failure::Failed(_) => 1,
        }
    }

    /// The one-line message.
    pub(crate) fn message(&self) -> &str {
        match self {
            Failure::Usage(m) | Failure::Failed(m) => m,
        }
    }
}

/// KEYS: `--key HEX --auth-key HEX --system-title HEX | --key-file PATH`.
#[derive(Debug, Clone, Default, Args)]
pub struct KeyArgs {
    /// Encryption key (GUEK, global unicast encryption key), 32 hex digits.
    #[arg(long, value_name = "HEX", conflicts_with = "key_file")]
    pub key: Option<String>,

    /// Authentication key (GAK), 32 hex digits: tags are then verified.
    #[arg(long, value_name = "HEX", conflicts_with = "key_file")]
    pub auth_key: Option<String>,

    /// The client's system title, 16 hex digits (HLS and ciphered associations).
    #[arg(long, value_name = "HEX", conflicts_with = "key_file")]
    pub system_title: Option<String>,

    /// TOML file with `key`, `auth_key` and `system_title` (keeps keys out of the process
    /// list).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// The keys named by [`KeyArgs`], parsed.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    pub(crate) key: Option<EncryptionKey>,
    pub(crate) auth_key: Option<AuthenticationKey>,
    pub(crate) system_title: Option<[u8; 8]>,
}

/// The key file's contents.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    key: Option<String>,
    auth_key: Option<String>,
    system_title: Option<String>,
}

impl KeyArgs {
    /// Reads the key file if one is named and parses the keys.
    pub(crate) fn load(&self) -> Result<Keys, Failure> {
        let (key, auth_key, system_title) = match &self.key_file {
            Some(path) => {
                let text = read_text(path)?;
                let file: KeyFile = toml::from_str(&text)
                    // The TOML error quotes the offending line, which may hold a key: say
                    // only where.
                    .map_err(|e| {
                        Failure::Usage(format!(
                            "{}: not a valid key file ({:?})",
                            path.display(),
                            e.span()
                        ))
                    })?;
                (file.key, file.auth_key, file.system_title)
            }
            None => (
                self.key.clone(),
                self.auth_key.clone(),
                self.system_title.clone(),
            ),
        };
        let key = key
            .map(|k| EncryptionKey::from_hex(k.trim()))
            .transpose()
            .map_err(|e| Failure::Usage(format!("--key: {e}")))?;
        let auth_key = auth_key
            .map(|k| AuthenticationKey::from_hex(k.trim()))
            .transpose()
            .map_err(|e| Failure::Usage(format!("--auth-key: {e}")))?;
        let system_title = system_title
            .map(|t| {
                let bytes = parse_hex(&t).map_err(|e| format!("--system-title: {e}"))?;
                <[u8; 8]>::try_from(bytes.as_slice()).map_err(|_| {
                    format!(
                        "--system-title: expected 16 hex digits (8 bytes), got {} bytes",
                        bytes.len()
                    )
                })
            })
            .transpose()
            .map_err(Failure::Usage)?;
        Ok(Keys {
            key,
            auth_key,
            system_title,
        })
    }
}

/// TEMPLATE: `--template burgenland|wiener-netze | --template-file PATH`.
#[derive(Debug, Clone, Default, Args)]
pub struct TemplateArgs {
    /// Built-in template for values-only bodies: `burgenland` or `wiener-netze`.
    #[arg(long, value_name = "NAME", conflicts_with = "template_file")]
    pub template: Option<String>,

    /// A template for values-only bodies, as TOML.
    #[arg(long, value_name = "PATH")]
    pub template_file: Option<PathBuf>,
}

impl TemplateArgs {
    /// The template named, if any.
    pub(crate) fn load(&self) -> Result<Option<Template>, Failure> {
        match (&self.template, &self.template_file) {
            (Some(name), _) => Template::builtin(name)
                .map(Some)
                .map_err(|e| Failure::Usage(format!("--template: {e}"))),
            (None, Some(path)) => {
                let text = read_text(path)?;
                Template::from_toml(&text)
                    .map(Some)
                    .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
            }
            (None, None) => Ok(None),
        }
    }
}

/// The parity names accepted on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParityArg {
    /// Even parity.
    Even,
    /// Odd parity.
    Odd,
    /// No parity bit.
    None,
}

/// SERIAL: `--baud N --parity even|odd|none --data-bits 7|8 --stop-bits 1|2`; what is not
/// given comes from the command's default.
#[derive(Debug, Clone, Default, Args)]
pub struct SerialArgs {
    /// Bits per second (default: 2400 for `listen`, 9600 for the meter commands).
    #[arg(long, value_name = "N")]
    pub baud: Option<u32>,

    /// The parity bit (default: even for `listen`, none for the meter commands).
    #[arg(long, value_enum)]
    pub parity: Option<ParityArg>,

    /// Data bits per character.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(5..=8))]
    pub data_bits: Option<u8>,

    /// Stop bits.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=2))]
    pub stop_bits: Option<u8>,
}

impl SerialArgs {
    /// The settings: what was given, the rest from `default`.
    pub(crate) fn settings(&self, default: SerialSettings) -> SerialSettings {
        SerialSettings {
            baud: self.baud.unwrap_or(default.baud),
            parity: match self.parity {
                Some(ParityArg::Even) => Parity::Even,
                Some(ParityArg::Odd) => Parity::Odd,
                Some(ParityArg::None) => Parity::None,
                None => default.parity,
            },
            data_bits: self.data_bits.unwrap_or(default.data_bits),
            stop_bits: self.stop_bits.unwrap_or(default.stop_bits),
        }
    }
}

/// Reads a text file named on the command line.
pub(crate) fn read_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Failed(format!("cannot read {}: {e}", path.display())))
}

/// Hex digits with any whitespace between them.
pub(crate) fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
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

/// Upper-case hex digits without separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
