//! The customer-interface push generator: data-notifications as an E450 sends them on its
//! CII (HDLC UI frames, general-block-transfer for long messages, optional
//! general-glo-ciphering), with the values of a [`SimulatedMeter`].

use dlms::Data;
use dlms::apdu::{
    Apdu, BlockControl, DataNotification, GeneralBlockTransfer, GeneralGloCiphering,
    LongInvokeIdAndPriority, SecurityControl,
};
use dlms::security::{AuthenticationKey, EncryptionKey};
use hdlc::{Address, Control, Frame, LLC_RESPONSE};
use obis::ObisCode;

use super::model::SimulatedMeter;
use crate::push::{Template, TemplateEntry};

/// The push setup the self-describing layout names (`0-8:25.9.0`).
const PUSH_SETUP: ObisCode = ObisCode::new(0, 8, 25, 9, 0, 255);

/// The objects of the self-describing layout after the push setup (the EKZ list: logical
/// device name, serial, clock, energies on channel 1, powers, voltages, currents).
const SELF_DESCRIBING: &[(u16, ObisCode)] = &[
    (1, ObisCode::new(0, 0, 42, 0, 0, 255)),
    (1, ObisCode::new(0, 0, 96, 1, 1, 255)),
    (8, ObisCode::new(0, 0, 1, 0, 0, 255)),
    (3, ObisCode::new(1, 1, 1, 8, 0, 255)),
    (3, ObisCode::new(1, 1, 2, 8, 0, 255)),
    (3, ObisCode::new(1, 1, 3, 8, 0, 255)),
    (3, ObisCode::new(1, 1, 4, 8, 0, 255)),
    (3, ObisCode::new(1, 0, 1, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 2, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 32, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 52, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 72, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 31, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 51, 7, 0, 255)),
    (3, ObisCode::new(1, 0, 71, 7, 0, 255)),
];

/// The objects of the pairs layout (the Graz list, 16 pairs after the date-time).
const PAIRS: &[ObisCode] = &[
    ObisCode::new(1, 0, 1, 8, 0, 255),
    ObisCode::new(1, 0, 1, 8, 1, 255),
    ObisCode::new(1, 0, 1, 8, 2, 255),
    ObisCode::new(1, 0, 1, 7, 0, 255),
    ObisCode::new(1, 0, 2, 8, 0, 255),
    ObisCode::new(1, 0, 2, 8, 1, 255),
    ObisCode::new(1, 0, 2, 8, 2, 255),
    ObisCode::new(1, 0, 2, 7, 0, 255),
    ObisCode::new(1, 0, 3, 8, 0, 255),
    ObisCode::new(1, 0, 3, 7, 0, 255),
    ObisCode::new(1, 0, 4, 8, 0, 255),
    ObisCode::new(1, 0, 4, 7, 0, 255),
    ObisCode::new(1, 0, 32, 7, 0, 255),
    ObisCode::new(1, 0, 52, 7, 0, 255),
    ObisCode::new(1, 0, 72, 7, 0, 255),
    ObisCode::new(1, 0, 14, 7, 0, 255),
];

/// The body layout of the pushes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushLayout {
    /// A structure whose first element is the push-object-list (Switzerland, Cyprus).
    SelfDescribing,
    /// A date-time and OBIS/value pairs (Stromnetz Graz).
    Pairs,
    /// Values only, in the order of a template (Netz Burgenland, Wiener Netze, or yours).
    Values(Template),
}

impl PushLayout {
    /// `self-describing`, `pairs` or `values`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            PushLayout::SelfDescribing => "self-describing",
            PushLayout::Pairs => "pairs",
            PushLayout::Values(_) => "values",
        }
    }
}

/// How pushes are protected. Keys are zeroized when dropped and never printed.
#[derive(Clone, Debug, Default)]
pub enum PushEncryption {
    /// Plain data-notifications.
    #[default]
    None,
    /// general-glo-ciphering, security control `0x20` (encrypted, no tag).
    Encrypted(EncryptionKey),
    /// general-glo-ciphering, security control `0x30` (encrypted and authenticated).
    Authenticated(EncryptionKey, AuthenticationKey),
}

/// Settings of a [`PushGenerator`].
#[derive(Clone, Debug)]
pub struct PushConfig {
    /// The body layout.
    pub layout: PushLayout,
    /// The protection.
    pub encryption: PushEncryption,
    /// Messages longer than this (bytes) are split with general-block-transfer into
    /// blocks of this size, one HDLC frame each.
    pub max_block: usize,
    /// The first frame counter (incremented for every encrypted push).
    pub frame_counter: u32,
}

impl Default for PushConfig {
    /// Self-describing, plain, blocks of 200 bytes, frame counter 1.
    fn default() -> Self {
        PushConfig {
            layout: PushLayout::SelfDescribing,
            encryption: PushEncryption::None,
            max_block: 200,
            frame_counter: 1,
        }
    }
}

/// Why a push could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PushBuildError {
    /// The template names an object the simulated meter does not have.
    #[error("the simulated meter has no object {0} (template entry {1})")]
    UnknownObject(ObisCode, usize),
    /// Encoding failed (a value too large for its form).
    #[error("cannot encode the push: {0}")]
    Encode(String),
}

/// Builds the pushes of one meter: call [`frames`](Self::frames) (or
/// [`apdu`](Self::apdu)) at each interval.
///
/// ```
/// use e450::push::{Message, PushConfig as ListenerConfig, PushListener};
/// use e450::simulator::{SimulatedMeter, PushConfig, PushGenerator, SimClock, TimeZone};
///
/// let clock = SimClock::manual(TimeZone::CENTRAL_EUROPE, "2026-05-04T11:39:20".parse()?);
/// let mut meter = SimulatedMeter::new(1_909_113, 1, clock, 2);
/// let mut push = PushGenerator::new(PushConfig::default());
/// let now = meter.now();
/// let bytes = push.frames(&mut meter, now)?;
///
/// let mut listener = PushListener::new(ListenerConfig::default());
/// listener.feed(&bytes);
/// let Some(Ok(Message::Reading(r))) = listener.next_message() else { panic!() };
/// let e = meter.snapshot(now).energies;
/// assert_eq!(r.active_energy_import, Some(f64::from(e.import)));
/// assert_eq!(r.serial.as_deref(), Some("1909113"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PushGenerator {
    cfg: PushConfig,
    frame_counter: u32,
    invoke_id: u32,
}

fn encode_err(e: impl core::fmt::Display) -> PushBuildError {
    PushBuildError::Encode(e.to_string())
}

/// Converts a raw value from one scaler to another (`raw × 10^(from − to)`), keeping the type.
fn rescale(d: Data, from: i8, to: i8) -> Data {
    if from == to {
        return d;
    }
    let Some(v) = d.as_i64() else { return d };
    let exp = i32::from(from).saturating_sub(i32::from(to));
    let f = (v as f64) * 10f64.powi(exp);
    let r = f.round();
    match d {
        Data::LongUnsigned(_) => Data::LongUnsigned(r.clamp(0.0, f64::from(u16::MAX)) as u16),
        Data::DoubleLongUnsigned(_) => {
            Data::DoubleLongUnsigned(r.clamp(0.0, f64::from(u32::MAX)) as u32)
        }
        Data::Long(_) => Data::Long(r.clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16),
        Data::DoubleLong(_) => {
            Data::DoubleLong(r.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32)
        }
        other => other,
    }
}

fn registry_scaler(obis: ObisCode) -> i8 {
    obis::registry::lookup_tolerant(obis)
        .and_then(|e| e.scaler_unit)
        .map_or(0, |su| su.scaler)
}

impl PushGenerator {
    /// A generator with these settings.
    #[must_use]
    pub fn new(cfg: PushConfig) -> Self {
        PushGenerator {
            frame_counter: cfg.frame_counter,
            cfg,
            invoke_id: 0,
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &PushConfig {
        &self.cfg
    }

    /// The frame counter the next encrypted push will carry.
    #[must_use]
    pub fn frame_counter(&self) -> u32 {
        self.frame_counter
    }

    /// The notification body at `utc`.
    ///
    /// # Errors
    ///
    /// A template entry the meter cannot fill.
    pub fn body(&self, meter: &mut SimulatedMeter, utc: i64) -> Result<Data, PushBuildError> {
        let mut value = |obis: ObisCode, i: usize| {
            meter
                .value_at(obis, utc)
                .ok_or(PushBuildError::UnknownObject(obis, i))
        };
        match &self.cfg.layout {
            PushLayout::SelfDescribing => {
                let entry = |class: u16, ln: ObisCode, attr: i8| {
                    Data::Structure(vec![
                        Data::LongUnsigned(class),
                        Data::OctetString(ln.as_bytes().to_vec()),
                        Data::Integer(attr),
                        Data::LongUnsigned(0),
                    ])
                };
                let mut list = vec![entry(40, PUSH_SETUP, 2), entry(40, PUSH_SETUP, 1)];
                list.extend(SELF_DESCRIBING.iter().map(|&(c, ln)| entry(c, ln, 2)));
                let mut items = vec![
                    Data::Array(list),
                    Data::OctetString(PUSH_SETUP.as_bytes().to_vec()),
                ];
                for (i, &(_, ln)) in SELF_DESCRIBING.iter().enumerate() {
                    items.push(value(ln, i)?);
                }
                Ok(Data::Structure(items))
            }
            PushLayout::Pairs => {
                let mut items = vec![Data::OctetString(meter.push_time(utc).to_bytes().to_vec())];
                for (i, &ln) in PAIRS.iter().enumerate() {
                    items.push(Data::OctetString(ln.as_bytes().to_vec()));
                    items.push(
                        meter
                            .value_at(ln, utc)
                            .ok_or(PushBuildError::UnknownObject(ln, i))?,
                    );
                }
                Ok(Data::Structure(items))
            }
            PushLayout::Values(t) => {
                let mut items = Vec::with_capacity(t.entries.len());
                for (i, e) in t.entries.iter().enumerate() {
                    items.push(match *e {
                        TemplateEntry::Clock => {
                            Data::OctetString(meter.push_time(utc).to_bytes().to_vec())
                        }
                        TemplateEntry::Object { obis, scaler, .. } => {
                            let v = meter
                                .value_at(obis, utc)
                                .ok_or(PushBuildError::UnknownObject(obis, i))?;
                            rescale(v, registry_scaler(obis), scaler)
                        }
                    });
                }
                Ok(Data::Structure(items))
            }
        }
    }

    /// The push APDU at `utc`: a data-notification with the date-time in its header, ciphered
    /// as configured.
    ///
    /// # Errors
    ///
    /// See [`body`](Self::body); encryption failures.
    pub fn apdu(
        &mut self,
        meter: &mut SimulatedMeter,
        utc: i64,
    ) -> Result<Vec<u8>, PushBuildError> {
        let body = self.body(meter, utc)?;
        self.invoke_id = self.invoke_id.wrapping_add(1) & 0x00FF_FFFF;
        let plain = Apdu::DataNotification(DataNotification {
            invoke: LongInvokeIdAndPriority(self.invoke_id),
            date_time: Some(meter.push_time(utc)),
            body,
        })
        .to_vec()
        .map_err(encode_err)?;
        let (key, auth, sc) = match &self.cfg.encryption {
            PushEncryption::None => return Ok(plain),
            PushEncryption::Encrypted(k) => (k, None, SecurityControl::ENCRYPTED),
            PushEncryption::Authenticated(k, a) => {
                (k, Some(a), SecurityControl::AUTHENTICATED_ENCRYPTED)
            }
        };
        let title = meter.system_title();
        let fc = self.frame_counter;
        self.frame_counter = self.frame_counter.wrapping_add(1);
        let payload =
            dlms::security::encrypt(key, auth, &title, sc.0, fc, &plain).map_err(encode_err)?;
        let g = GeneralGloCiphering {
            system_title: title,
            security_control: sc,
            invocation_counter: fc,
            ciphertext: &payload,
        };
        let mut out = Vec::with_capacity(g.buffer_len());
        g.encode(&mut out).map_err(encode_err)?;
        Ok(out)
    }

    /// The push at `utc` as the E450 puts it on the line: HDLC UI frames (destination
    /// `CE FF`, source `03`), the LLC header in the first frame, general-block-transfer when
    /// the message is longer than [`PushConfig::max_block`].
    ///
    /// # Errors
    ///
    /// See [`apdu`](Self::apdu).
    pub fn frames(
        &mut self,
        meter: &mut SimulatedMeter,
        utc: i64,
    ) -> Result<Vec<u8>, PushBuildError> {
        let apdu = self.apdu(meter, utc)?;
        let block = self.cfg.max_block.clamp(16, 1_900);
        let mut infos: Vec<Vec<u8>> = Vec::new();
        if apdu.len() <= block {
            infos.push(apdu);
        } else {
            let chunks: Vec<&[u8]> = apdu.chunks(block).collect();
            let n = chunks.len();
            for (i, chunk) in chunks.into_iter().enumerate() {
                let last = i.saturating_add(1) == n;
                let g = GeneralBlockTransfer {
                    control: BlockControl::new(last, true, 0),
                    block_number: u16::try_from(i.saturating_add(1)).unwrap_or(u16::MAX),
                    block_number_ack: 0,
                    block_data: chunk,
                };
                let mut b = Vec::with_capacity(g.buffer_len());
                g.encode(&mut b).map_err(encode_err)?;
                infos.push(b);
            }
        }
        let dest = Address::server(0x67, 0x7F).map_err(encode_err)?;
        let src = Address::one(1).map_err(encode_err)?;
        let mut out = Vec::new();
        for (i, info) in infos.iter().enumerate() {
            let with_llc;
            let info: &[u8] = if i == 0 {
                with_llc = [LLC_RESPONSE.as_slice(), info].concat();
                &with_llc
            } else {
                info
            };
            let f = Frame::new(dest, src, Control::Ui { pf: true }, info);
            f.encode(&mut out).map_err(encode_err)?;
        }
        Ok(out)
    }
}
