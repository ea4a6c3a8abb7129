//! Templates for values-only push bodies: which OBIS object each position carries.
//!
//! A template is TOML: a `name` and one `[[value]]` table per body element, in order, either
//! `clock = true` (a date-time, the meter clock `0-0:1.0.0`) or
//! `obis` (text form), `class` (default from the registry, else 3), `attribute` (default 2),
//! `scaler` (default from the registry, else 0) and `unit` (a symbol such as `Wh`, `V`, `A`;
//! default from the registry).
//!
//! ```
//! use e450::push::Template;
//! let t = Template::from_toml(r#"
//! name = "mine"
//! [[value]]
//! clock = true
//! [[value]]
//! obis = "1-0:1.8.0*255"
//! unit = "Wh"
//! "#)?;
//! assert_eq!(t.entries.len(), 2);
//! assert_eq!(Template::builtin("wiener-netze").unwrap().entries.len(), 9);
//! # Ok::<(), e450::push::TemplateError>(())
//! ```

use obis::{ObisCode, Unit};
use serde::Deserialize;

/// The built-in templates: (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    ("burgenland", include_str!("../templates/burgenland.toml")),
    (
        "wiener-netze",
        include_str!("../templates/wiener-netze.toml"),
    ),
];

/// Why a template could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The text is not valid TOML of the template format.
    #[error("template is not valid: {0}")]
    Syntax(String),
    /// An entry has an OBIS code that does not parse.
    #[error("template entry {index}: bad OBIS code {code:?}")]
    Obis {
        /// Entry index (0-based).
        index: usize,
        /// The text given.
        code: String,
    },
    /// An entry has a unit symbol that is not known.
    #[error("template entry {index}: unknown unit {unit:?}")]
    Unit {
        /// Entry index (0-based).
        index: usize,
        /// The symbol given.
        unit: String,
    },
    /// An entry has neither `clock = true` nor `obis`.
    #[error("template entry {index}: needs `obis` or `clock = true`")]
    Missing {
        /// Entry index (0-based).
        index: usize,
    },
    /// No built-in template has this name.
    #[error("no built-in template named {0:?} (known: burgenland, wiener-netze)")]
    UnknownName(String),
}

/// One position of a values-only body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateEntry {
    /// A date-time: the meter clock.
    Clock,
    /// A COSEM attribute.
    Object {
        /// Logical name.
        obis: ObisCode,
        /// Interface class.
        class: u16,
        /// Attribute.
        attribute: i8,
        /// Power of ten applied to the raw value.
        scaler: i8,
        /// Unit of the scaled value.
        unit: Option<Unit>,
    },
}

/// A named values-only layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template's name.
    pub name: String,
    /// One entry per body element.
    pub entries: Vec<TemplateEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Option<String>,
    #[serde(default)]
    value: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    #[serde(default)]
    clock: bool,
    obis: Option<String>,
    class: Option<u16>,
    attribute: Option<i8>,
    scaler: Option<i8>,
    unit: Option<String>,
}

impl Template {
    /// Reads a template from its TOML text.
    ///
    /// # Errors
    ///
    /// [`TemplateError`] says which entry is wrong.
    pub fn from_toml(text: &str) -> Result<Self, TemplateError> {
        let raw: RawTemplate =
            toml::from_str(text).map_err(|e| TemplateError::Syntax(e.message().to_owned()))?;
        let mut entries = Vec::with_capacity(raw.value.len());
        for (index, e) in raw.value.into_iter().enumerate() {
            if e.clock {
                entries.push(TemplateEntry::Clock);
                continue;
            }
            let Some(code) = e.obis else {
                return Err(TemplateError::Missing { index });
            };
            let obis: ObisCode = code.parse().map_err(|_| TemplateError::Obis {
                index,
                code: code.clone(),
            })?;
            let entry = obis::registry::lookup_tolerant(obis);
            let unit = match e.unit {
                Some(u) => Some(Unit::from_symbol(&u).ok_or(TemplateError::Unit {
                    index,
                    unit: u.clone(),
                })?),
                None => entry.and_then(|r| r.unit()),
            };
            let default_scaler = entry.and_then(|r| r.scaler_unit).map_or(0, |su| su.scaler);
            let scaler = e.scaler.unwrap_or(default_scaler);
            let class = e.class.or(entry.map(|r| r.class_id)).unwrap_or(3);
            if class == 8 {
                entries.push(TemplateEntry::Clock);
                continue;
            }
            entries.push(TemplateEntry::Object {
                obis,
                class,
                attribute: e.attribute.unwrap_or(2),
                scaler,
                unit,
            });
        }
        Ok(Template {
            name: raw.name.unwrap_or_default(),
            entries,
        })
    }

    /// A built-in template: `burgenland` or `wiener-netze`.
    ///
    /// # Errors
    ///
    /// [`TemplateError::UnknownName`].
    pub fn builtin(name: &str) -> Result<Self, TemplateError> {
        let (_, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| TemplateError::UnknownName(name.to_owned()))?;
        Self::from_toml(text)
    }
}
