//! The EN 13757-3 application layer: CI fields, data headers, fixed data structure,
//! application errors and alarms.

use crate::record::{DecodeOptions, Records, bcd};
use crate::units::SiUnit;
use crate::vif::{Quantity, VifInfo};
use crate::{Address, Ci, Control, Error, Frame};

/// The manufacturer identification: three letters A..Z packed 5 bits each into 16 bits.
///
/// ```
/// use mbus::Manufacturer;
/// let m = Manufacturer(0x1593);
/// assert_eq!(&m.code(), b"ELS");
/// assert_eq!(Manufacturer::from_code(*b"ELS"), Some(m));
/// assert_eq!(m.to_string(), "ELS");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Manufacturer(pub u16);

impl Manufacturer {
    /// The three letters (each `@` + 5-bit value, so 0 shows as `@`).
    pub const fn code(self) -> [u8; 3] {
        let m = self.0;
        [
            0x40 | ((m >> 10) & 0x1F) as u8,
            0x40 | ((m >> 5) & 0x1F) as u8,
            0x40 | (m & 0x1F) as u8,
        ]
    }

    /// From three upper-case letters.
    pub const fn from_code(code: [u8; 3]) -> Option<Manufacturer> {
        let [a, b, c] = code;
        if !(a.is_ascii_uppercase() && b.is_ascii_uppercase() && c.is_ascii_uppercase()) {
            return None;
        }
        let v = (((a & 0x1F) as u16) << 10) | (((b & 0x1F) as u16) << 5) | (c & 0x1F) as u16;
        Some(Manufacturer(v))
    }
}

impl core::fmt::Display for Manufacturer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.code() {
            core::fmt::Write::write_char(f, char::from(b))?;
        }
        Ok(())
    }
}

/// The medium (device type) byte of the data header.
///
/// ```
/// use mbus::Medium;
/// assert_eq!(Medium(0x07), Medium::WATER);
/// assert_eq!(Medium::WATER.name(), "water");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Medium(pub u8);

#[allow(missing_docs)]
impl Medium {
    pub const OTHER: Medium = Medium(0x00);
    pub const OIL: Medium = Medium(0x01);
    pub const ELECTRICITY: Medium = Medium(0x02);
    pub const GAS: Medium = Medium(0x03);
    pub const HEAT_OUTLET: Medium = Medium(0x04);
    pub const STEAM: Medium = Medium(0x05);
    pub const WARM_WATER: Medium = Medium(0x06);
    pub const WATER: Medium = Medium(0x07);
    pub const HEAT_COST_ALLOCATOR: Medium = Medium(0x08);
    pub const COMPRESSED_AIR: Medium = Medium(0x09);
    pub const COOLING_OUTLET: Medium = Medium(0x0A);
    pub const COOLING_INLET: Medium = Medium(0x0B);
    pub const HEAT_INLET: Medium = Medium(0x0C);
    pub const HEAT_COOLING: Medium = Medium(0x0D);
    pub const BUS_SYSTEM: Medium = Medium(0x0E);
    pub const UNKNOWN: Medium = Medium(0x0F);
    pub const HOT_WATER: Medium = Medium(0x15);
    pub const COLD_WATER: Medium = Medium(0x16);
    pub const DUAL_WATER: Medium = Medium(0x17);
    pub const PRESSURE: Medium = Medium(0x18);
    pub const AD_CONVERTER: Medium = Medium(0x19);
    pub const BREAKER: Medium = Medium(0x20);
    pub const VALVE: Medium = Medium(0x21);
    pub const WASTE_WATER: Medium = Medium(0x28);
}

impl Medium {
    /// English name (EN 13757-3:2018 device types).
    pub const fn name(self) -> &'static str {
        match self.0 {
            0x00 => "other",
            0x01 => "oil",
            0x02 => "electricity",
            0x03 => "gas",
            0x04 => "heat (outlet)",
            0x05 => "steam",
            0x06 => "warm water (30 °C to 90 °C)",
            0x07 => "water",
            0x08 => "heat cost allocator",
            0x09 => "compressed air",
            0x0A => "cooling load meter (outlet)",
            0x0B => "cooling load meter (inlet)",
            0x0C => "heat (inlet)",
            0x0D => "heat / cooling load meter",
            0x0E => "bus / system component",
            0x0F => "unknown medium",
            0x10 => "irrigation water",
            0x11 => "water data logger",
            0x12 => "gas data logger",
            0x13 => "gas converter",
            0x14 => "calorific value",
            0x15 => "hot water (above 90 °C)",
            0x16 => "cold water",
            0x17 => "dual register (hot/cold) water",
            0x18 => "pressure",
            0x19 => "A/D converter",
            0x1A => "smoke detector",
            0x1B => "room sensor",
            0x1C => "gas detector",
            0x20 => "breaker (electricity)",
            0x21 => "valve (gas or water)",
            0x25 => "customer unit (display)",
            0x28 => "waste water",
            0x29 => "garbage",
            0x31 => "communication controller",
            0x32 => "unidirectional repeater",
            0x33 => "bidirectional repeater",
            0x36 => "radio converter (system side)",
            0x37 => "radio converter (meter side)",
            0x38 => "wired adapter",
            _ => "reserved",
        }
    }
}

/// The status byte of the data header.
///
/// ```
/// let s = mbus::StatusByte(0x05);
/// assert_eq!(s.application(), 1); // busy
/// assert!(s.power_low());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct StatusByte(pub u8);

impl StatusByte {
    /// Bits 1..0: 0 no error, 1 application busy, 2 any application error, 3 abnormal
    /// condition / alarm.
    pub const fn application(self) -> u8 {
        self.0 & 3
    }
    /// Bit 2: power low.
    pub const fn power_low(self) -> bool {
        self.0 & 0x04 != 0
    }
    /// Bit 3: permanent error.
    pub const fn permanent_error(self) -> bool {
        self.0 & 0x08 != 0
    }
    /// Bit 4: temporary error.
    pub const fn temporary_error(self) -> bool {
        self.0 & 0x10 != 0
    }
    /// Bits 7..5: manufacturer specific.
    pub const fn manufacturer_bits(self) -> u8 {
        self.0 >> 5
    }
}

/// The identification number: 8 BCD digits as sent (`raw`, least significant byte first once
/// read), or any 32-bit value from a meter that breaks the rule.
///
/// ```
/// let id = mbus::Identification(0x4449_3951);
/// assert_eq!(id.number(), Some(44493951));
/// assert_eq!(mbus::Identification(0x0000_00AB).number(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Identification(pub u32);

impl Identification {
    /// The decimal number when every nibble is a BCD digit.
    pub fn number(self) -> Option<u32> {
        let b = self.0.to_le_bytes();
        let v = bcd(&b, false, false).ok()?;
        u32::try_from(v).ok()
    }
}

/// The 12-byte data header (CI `72`, `76`): identification, manufacturer, version, medium,
/// access number, status, signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct LongHeader {
    /// Identification number.
    pub id: Identification,
    /// Manufacturer.
    pub manufacturer: Manufacturer,
    /// Version (generation) of the meter.
    pub version: u8,
    /// Medium / device type.
    pub medium: Medium,
    /// Access number (incremented per response).
    pub access_number: u8,
    /// Status byte.
    pub status: StatusByte,
    /// Signature (configuration word; 0 when unencrypted).
    pub signature: u16,
}

impl LongHeader {
    /// The 12 header bytes as a slave sends them after CI `72` (least significant byte first).
    ///
    /// ```
    /// use mbus::{Identification, LongHeader, Manufacturer, Medium, StatusByte};
    /// let h = LongHeader {
    ///     id: Identification(0x1234_5678),
    ///     manufacturer: Manufacturer::from_code(*b"ELS").unwrap(),
    ///     version: 1,
    ///     medium: Medium::WATER,
    ///     access_number: 0x2A,
    ///     status: StatusByte(0),
    ///     signature: 0,
    /// };
    /// assert_eq!(
    ///     h.to_bytes(),
    ///     [0x78, 0x56, 0x34, 0x12, 0x93, 0x15, 0x01, 0x07, 0x2A, 0x00, 0x00, 0x00]
    /// );
    /// ```
    pub fn to_bytes(&self) -> [u8; 12] {
        let [i0, i1, i2, i3] = self.id.0.to_le_bytes();
        let [m0, m1] = self.manufacturer.0.to_le_bytes();
        let [s0, s1] = self.signature.to_le_bytes();
        [
            i0,
            i1,
            i2,
            i3,
            m0,
            m1,
            self.version,
            self.medium.0,
            self.access_number,
            self.status.0,
            s0,
            s1,
        ]
    }
}

/// The 4-byte data header (CI `7A`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ShortHeader {
    /// Access number.
    pub access_number: u8,
    /// Status byte.
    pub status: StatusByte,
    /// Signature (configuration word).
    pub signature: u16,
}

/// The data header in front of the records.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Header {
    /// CI `72`/`76`.
    Long(LongHeader),
    /// CI `7A`.
    Short(ShortHeader),
    /// CI `78`: no header.
    None,
}

/// A variable data structure: the header and the undecoded records.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VariableData<'a> {
    /// The CI field.
    pub ci: Ci,
    /// The data header.
    pub header: Header,
    /// The bytes of the records (after the header).
    pub records_data: &'a [u8],
    /// Offset of `records_data` in the user data.
    pub records_offset: usize,
    /// Mode 2 (CI `76`): multi-byte values most significant byte first.
    pub msb_first: bool,
    /// Options the records are decoded with.
    pub options: DecodeOptions,
}

impl<'a> VariableData<'a> {
    /// The records, decoded lazily.
    pub fn records(&self) -> Records<'a> {
        if self.msb_first {
            Records::new_msb_first(self.records_data, self.options)
        } else {
            Records::new(self.records_data, self.options)
        }
    }

    /// The long header, if the structure has one.
    pub fn long_header(&self) -> Option<&LongHeader> {
        match &self.header {
            Header::Long(h) => Some(h),
            _ => None,
        }
    }
}

/// The unit code of a fixed data structure counter (6 bits).
///
/// ```
/// let u = mbus::FixedUnit(0x05);
/// assert_eq!(u.symbol(), "kWh");
/// let i = u.info().unwrap();
/// assert_eq!((i.unit, i.exponent), (mbus::SiUnit::WattHour, 3));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FixedUnit(pub u8);

impl FixedUnit {
    /// The printable unit as the standard's table writes it.
    pub fn symbol(self) -> &'static str {
        const S: [&str; 64] = [
            "h,m,s",
            "D,M,Y",
            "Wh",
            "10 Wh",
            "100 Wh",
            "kWh",
            "10 kWh",
            "100 kWh",
            "MWh",
            "10 MWh",
            "100 MWh",
            "kJ",
            "10 kJ",
            "100 kJ",
            "MJ",
            "10 MJ",
            "100 MJ",
            "GJ",
            "10 GJ",
            "100 GJ",
            "W",
            "10 W",
            "100 W",
            "kW",
            "10 kW",
            "100 kW",
            "MW",
            "10 MW",
            "100 MW",
            "kJ/h",
            "10 kJ/h",
            "100 kJ/h",
            "MJ/h",
            "10 MJ/h",
            "100 MJ/h",
            "GJ/h",
            "10 GJ/h",
            "100 GJ/h",
            "ml",
            "10 ml",
            "100 ml",
            "l",
            "10 l",
            "100 l",
            "m³",
            "10 m³",
            "100 m³",
            "ml/h",
            "10 ml/h",
            "100 ml/h",
            "l/h",
            "10 l/h",
            "100 l/h",
            "m³/h",
            "10 m³/h",
            "100 m³/h",
            "m°C",
            "HCA units",
            "reserved",
            "reserved",
            "reserved",
            "reserved",
            "same but historic",
            "without units",
        ];
        match S.get((self.0 & 0x3F) as usize) {
            Some(s) => s,
            None => "reserved",
        }
    }

    /// Quantity, unit and exponent, for the codes that are physical units.
    pub const fn info(self) -> Option<VifInfo> {
        let c = self.0 & 0x3F;
        // the codes form runs of nine decades
        let (q, u, base, first): (Quantity, SiUnit, i8, u8) = match c {
            0x02..=0x0A => (Quantity::Energy, SiUnit::WattHour, 0, 0x02),
            0x0B..=0x13 => (Quantity::Energy, SiUnit::Joule, 3, 0x0B),
            0x14..=0x1C => (Quantity::Power, SiUnit::Watt, 0, 0x14),
            0x1D..=0x25 => (Quantity::Power, SiUnit::JoulePerHour, 3, 0x1D),
            0x26..=0x2E => (Quantity::Volume, SiUnit::CubicMetre, -6, 0x26),
            0x2F..=0x37 => (Quantity::VolumeFlow, SiUnit::CubicMetrePerHour, -6, 0x2F),
            0x38 => (Quantity::FlowTemperature, SiUnit::DegreeCelsius, -3, 0x38),
            0x39 => (Quantity::HcaUnits, SiUnit::Hca, 0, 0x39),
            0x3F => (Quantity::Dimensionless, SiUnit::None, 0, 0x3F),
            _ => return None,
        };
        Some(VifInfo {
            quantity: q,
            unit: u,
            exponent: base.wrapping_add(c.wrapping_sub(first) as i8),
        })
    }
}

/// One counter of a fixed data structure.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FixedCounter {
    /// Unit code.
    pub unit: FixedUnit,
    /// The counter value (BCD decoded or binary, per the status byte).
    pub value: i64,
}

/// The fixed data structure (CI `73`/`77`): identification, access number, status, medium and
/// two counters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct FixedData {
    /// Identification number.
    pub id: Identification,
    /// Access number.
    pub access_number: u8,
    /// Status byte: bit 7 set means binary counters, clear BCD; bit 6 set means stored
    /// (historic) values, clear actual values.
    pub status: u8,
    /// Medium (4 bits spread over the two unit bytes).
    pub medium: Medium,
    /// The two counters.
    pub counters: [FixedCounter; 2],
}

impl FixedData {
    /// True when the counters hold stored values (status bit 6).
    pub const fn stored(&self) -> bool {
        self.status & 0x40 != 0
    }
}

/// Application error code (CI `70`).
///
/// ```
/// assert_eq!(mbus::ApplicationError::APPLICATION_BUSY.name(), "application busy");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ApplicationError(pub u8);

#[allow(missing_docs)]
impl ApplicationError {
    pub const UNSPECIFIED: ApplicationError = ApplicationError(0);
    pub const UNIMPLEMENTED_CI: ApplicationError = ApplicationError(1);
    pub const BUFFER_TOO_LONG: ApplicationError = ApplicationError(2);
    pub const TOO_MANY_RECORDS: ApplicationError = ApplicationError(3);
    pub const PREMATURE_END_OF_RECORD: ApplicationError = ApplicationError(4);
    pub const TOO_MANY_DIFES: ApplicationError = ApplicationError(5);
    pub const TOO_MANY_VIFES: ApplicationError = ApplicationError(6);
    pub const APPLICATION_BUSY: ApplicationError = ApplicationError(8);
    pub const TOO_MANY_READOUTS: ApplicationError = ApplicationError(9);

    /// English description.
    pub const fn name(self) -> &'static str {
        match self.0 {
            0 => "unspecified error",
            1 => "unimplemented CI field",
            2 => "buffer too long, truncated",
            3 => "too many records",
            4 => "premature end of record",
            5 => "more than 10 DIFEs",
            6 => "more than 10 VIFEs",
            8 => "application busy",
            9 => "too many readouts",
            _ => "reserved",
        }
    }
}

/// Decoded user data of a slave response (the bytes after the CI field).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum UserData<'a> {
    /// Variable data structure (CI `72`, `76`, `78`, `7A`).
    Variable(VariableData<'a>),
    /// Fixed data structure (CI `73`, `77`).
    Fixed(FixedData),
    /// Application error (CI `70`). A frame without an error byte means "unspecified";
    /// `extra` holds the bytes after the code.
    ApplicationError {
        /// The error code.
        code: ApplicationError,
        /// Bytes after the code (often empty).
        extra: &'a [u8],
    },
    /// Alarm status (CI `71`): the alarm bytes.
    Alarm(&'a [u8]),
}

fn u16_le(b: [u8; 2], msb: bool) -> u16 {
    if msb {
        u16::from_be_bytes(b)
    } else {
        u16::from_le_bytes(b)
    }
}

fn u32_le(b: [u8; 4], msb: bool) -> u32 {
    if msb {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

fn long_header(data: &[u8], msb: bool, opts: &DecodeOptions) -> Result<LongHeader, Error> {
    let Some(
        &[
            i0,
            i1,
            i2,
            i3,
            m0,
            m1,
            version,
            medium,
            access,
            status,
            s0,
            s1,
        ],
    ) = data.first_chunk::<12>()
    else {
        return Err(Error::Truncated {
            offset: data.len(),
            needed: 12usize.saturating_sub(data.len()),
            what: "12-byte data header",
        });
    };
    let id = Identification(u32_le([i0, i1, i2, i3], msb));
    if !opts.lenient && id.number().is_none() {
        let le = id.0.to_le_bytes();
        let (offset, found) = le
            .iter()
            .enumerate()
            .find(|(_, b)| (*b >> 4) > 9 || (*b & 0xF) > 9)
            .map(|(i, b)| (i, *b))
            .unwrap_or((0, i0));
        return Err(Error::InvalidBcd { offset, found });
    }
    Ok(LongHeader {
        id,
        manufacturer: Manufacturer(u16_le([m0, m1], msb)),
        version,
        medium: Medium(medium),
        access_number: access,
        status: StatusByte(status),
        signature: u16_le([s0, s1], msb),
    })
}

impl<'a> UserData<'a> {
    /// Decodes the user data that follows a slave's CI field.
    ///
    /// ```
    /// use mbus::{Ci, DecodeOptions, UserData, ApplicationError};
    /// let ud = UserData::parse(Ci::APPLICATION_ERROR, &[0x08], DecodeOptions::STRICT).unwrap();
    /// assert_eq!(ud, UserData::ApplicationError { code: ApplicationError::APPLICATION_BUSY, extra: &[] });
    /// ```
    pub fn parse(ci: Ci, data: &'a [u8], options: DecodeOptions) -> Result<UserData<'a>, Error> {
        match ci.0 {
            0x72 | 0x76 => {
                let msb = ci.0 == 0x76;
                let h = long_header(data, msb, &options)?;
                Ok(UserData::Variable(VariableData {
                    ci,
                    header: Header::Long(h),
                    records_data: data.get(12..).unwrap_or_default(),
                    records_offset: 12,
                    msb_first: msb,
                    options,
                }))
            }
            0x7A => {
                let Some(&[access, status, s0, s1]) = data.first_chunk::<4>() else {
                    return Err(Error::Truncated {
                        offset: data.len(),
                        needed: 4usize.saturating_sub(data.len()),
                        what: "4-byte data header",
                    });
                };
                Ok(UserData::Variable(VariableData {
                    ci,
                    header: Header::Short(ShortHeader {
                        access_number: access,
                        status: StatusByte(status),
                        signature: u16::from_le_bytes([s0, s1]),
                    }),
                    records_data: data.get(4..).unwrap_or_default(),
                    records_offset: 4,
                    msb_first: false,
                    options,
                }))
            }
            0x78 => Ok(UserData::Variable(VariableData {
                ci,
                header: Header::None,
                records_data: data,
                records_offset: 0,
                msb_first: false,
                options,
            })),
            0x73 | 0x77 => parse_fixed(ci, data, &options).map(UserData::Fixed),
            0x70 => Ok(match data.split_first() {
                Some((&code, extra)) => UserData::ApplicationError {
                    code: ApplicationError(code),
                    extra,
                },
                None => UserData::ApplicationError {
                    code: ApplicationError::UNSPECIFIED,
                    extra: &[],
                },
            }),
            0x71 => Ok(UserData::Alarm(data)),
            _ => Err(Error::UnsupportedCi {
                offset: 0,
                ci: ci.0,
            }),
        }
    }
}

fn parse_fixed(ci: Ci, data: &[u8], opts: &DecodeOptions) -> Result<FixedData, Error> {
    let msb = ci.0 == 0x77;
    let Some(chunk) = data.first_chunk::<16>() else {
        return Err(Error::Truncated {
            offset: data.len(),
            needed: 16usize.saturating_sub(data.len()),
            what: "fixed data structure",
        });
    };
    if data.len() > 16 {
        return Err(Error::TrailingBytes {
            offset: 16,
            count: data.len().saturating_sub(16),
        });
    }
    let &[
        i0,
        i1,
        i2,
        i3,
        access,
        status,
        u0,
        u1,
        a0,
        a1,
        a2,
        a3,
        b0,
        b1,
        b2,
        b3,
    ] = chunk;
    let id = Identification(u32_le([i0, i1, i2, i3], msb));
    if !opts.lenient && id.number().is_none() {
        return Err(Error::InvalidBcd {
            offset: 0,
            found: i0,
        });
    }
    let binary = status & 0x80 != 0;
    let counter = |b: [u8; 4], at: usize| -> Result<i64, Error> {
        if binary {
            Ok(i64::from(u32_le(b, msb)))
        } else {
            let le = u32_le(b, msb).to_le_bytes();
            bcd(&le, false, false).map_err(|e| match e {
                Error::InvalidBcd { offset, found } => Error::InvalidBcd {
                    offset: offset.saturating_add(at),
                    found,
                },
                e => e,
            })
        }
    };
    let medium = ((u0 >> 6) & 3) | (((u1 >> 6) & 3) << 2);
    Ok(FixedData {
        id,
        access_number: access,
        status,
        medium: Medium(medium),
        counters: [
            FixedCounter {
                unit: FixedUnit(u0 & 0x3F),
                value: counter([a0, a1, a2, a3], 8)?,
            },
            FixedCounter {
                unit: FixedUnit(u1 & 0x3F),
                value: counter([b0, b1, b2, b3], 12)?,
            },
        ],
    })
}

/// A frame sent by a slave with decoded user data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Response<'a> {
    /// C field (RSP_UD with ACD/DFC).
    pub control: Control,
    /// A field (the slave's primary address, or 253 when selected by secondary address).
    pub address: Address,
    /// The CI field.
    pub ci: Ci,
    /// The decoded user data.
    pub data: UserData<'a>,
}

impl<'a> Response<'a> {
    /// Decodes a long frame from a slave. A frame from a master (for example SND_UD) is
    /// rejected with [`Error::Unexpected`]: it is a valid frame, but not a response.
    ///
    /// ```
    /// use mbus::{DecodeOptions, Frame, Response, UserData};
    /// let f = Frame::parse(&[0x68, 0x03, 0x03, 0x68, 0x08, 0x01, 0x70, 0x79, 0x16]).unwrap();
    /// let r = Response::from_frame(&f, DecodeOptions::STRICT).unwrap();
    /// assert!(matches!(r.data, UserData::ApplicationError { .. }));
    /// ```
    pub fn from_frame(frame: &Frame<'a>, options: DecodeOptions) -> Result<Response<'a>, Error> {
        let (control, address, ci, data) = match *frame {
            Frame::Long {
                control,
                address,
                ci,
                data,
            } => (control, address, ci, data),
            Frame::Control {
                control,
                address,
                ci,
            } => (control, address, ci, &[][..]),
            Frame::Ack | Frame::Short { .. } => {
                return Err(Error::Unexpected {
                    offset: 0,
                    expected: "a long frame",
                    found: "a single character or short frame",
                });
            }
        };
        if control.is_from_master() {
            return Err(Error::Unexpected {
                offset: 4,
                expected: "a slave response",
                found: "a frame from the master",
            });
        }
        let data = UserData::parse(ci, data, options).map_err(|e| shift(e, 7))?;
        Ok(Response {
            control,
            address,
            ci,
            data,
        })
    }

    /// Parses exactly one long frame from a slave and decodes it.
    pub fn parse(bytes: &'a [u8], options: DecodeOptions) -> Result<Response<'a>, Error> {
        let frame = Frame::parse(bytes)?;
        Response::from_frame(&frame, options)
    }
}

/// Moves the offset of an application-layer error into frame coordinates.
pub(crate) fn shift(e: Error, by: usize) -> Error {
    match e {
        Error::Truncated {
            offset,
            needed,
            what,
        } => Error::Truncated {
            offset: offset.saturating_add(by),
            needed,
            what,
        },
        Error::InvalidBcd { offset, found } => Error::InvalidBcd {
            offset: offset.saturating_add(by),
            found,
        },
        Error::UnsupportedCi { offset, ci } => Error::UnsupportedCi {
            offset: offset.saturating_add(by).saturating_sub(1),
            ci,
        },
        Error::TrailingBytes { offset, count } => Error::TrailingBytes {
            offset: offset.saturating_add(by),
            count,
        },
        e => e,
    }
}
