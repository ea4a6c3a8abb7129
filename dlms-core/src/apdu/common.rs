//! Pieces shared by the xDLMS services: invoke ids, descriptors, selective access, result codes,
//! data blocks.

use alloc::vec::Vec;

use obis::ObisCode;

use crate::reader::{Reader, push_length};
use crate::{Data, DecodeLimits, Error};

/// Invoke-Id-And-Priority: id in bits 0..=3, service class (1 = confirmed) bit 6, priority
/// (1 = high) bit 7.
///
/// ```
/// use dlms::apdu::InvokeIdAndPriority;
/// let p = InvokeIdAndPriority(0xC1);
/// assert_eq!(p.invoke_id(), 1);
/// assert!(p.confirmed() && p.high_priority());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvokeIdAndPriority(pub u8);

impl InvokeIdAndPriority {
    /// Builds the byte from its parts (`id` is masked to 4 bits).
    pub const fn new(id: u8, confirmed: bool, high_priority: bool) -> Self {
        InvokeIdAndPriority(
            (id & 0x0F) | if confirmed { 0x40 } else { 0 } | if high_priority { 0x80 } else { 0 },
        )
    }
    /// The invoke id (0..=15).
    pub const fn invoke_id(self) -> u8 {
        self.0 & 0x0F
    }
    /// Service class: confirmed.
    pub const fn confirmed(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Priority: high.
    pub const fn high_priority(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// Long-Invoke-Id-And-Priority (data-notification): id in bits 0..=23, self-descriptive bit 28,
/// break-on-error bit 29, confirmed bit 30, high priority bit 31.
///
/// ```
/// use dlms::apdu::LongInvokeIdAndPriority;
/// assert_eq!(LongInvokeIdAndPriority(0x0000_5539).invoke_id(), 21817);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LongInvokeIdAndPriority(pub u32);

impl LongInvokeIdAndPriority {
    /// The invoke id (24 bits).
    pub const fn invoke_id(self) -> u32 {
        self.0 & 0x00FF_FFFF
    }
    /// Bit 28: self-descriptive.
    pub const fn self_descriptive(self) -> bool {
        self.0 & (1 << 28) != 0
    }
    /// Bit 29: processing option, break on error.
    pub const fn break_on_error(self) -> bool {
        self.0 & (1 << 29) != 0
    }
    /// Bit 30: confirmed.
    pub const fn confirmed(self) -> bool {
        self.0 & (1 << 30) != 0
    }
    /// Bit 31: high priority.
    pub const fn high_priority(self) -> bool {
        self.0 & (1 << 31) != 0
    }
}

/// Cosem-Attribute-Descriptor: class id, instance (logical name) and attribute.
///
/// ```
/// use dlms::apdu::AttributeDescriptor;
/// use obis::ObisCode;
/// let a = AttributeDescriptor { class_id: 8, instance: ObisCode::new(0, 0, 1, 0, 0, 255), attribute: 2 };
/// assert_eq!(a.class_id, 8);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AttributeDescriptor {
    /// Interface class id.
    pub class_id: u16,
    /// Logical name of the object.
    pub instance: ObisCode,
    /// Attribute index.
    pub attribute: i8,
}

/// Cosem-Method-Descriptor: class id, instance and method.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MethodDescriptor {
    /// Interface class id.
    pub class_id: u16,
    /// Logical name of the object.
    pub instance: ObisCode,
    /// Method index.
    pub method: i8,
}

pub(crate) fn read_descriptor(r: &mut Reader<'_>) -> Result<(u16, ObisCode, i8), Error> {
    let class_id = r.u16()?;
    let instance = ObisCode::from_bytes(r.array()?);
    let index = r.u8()? as i8;
    Ok((class_id, instance, index))
}

pub(crate) fn put_descriptor(out: &mut Vec<u8>, class_id: u16, instance: ObisCode, index: i8) {
    out.extend_from_slice(&class_id.to_be_bytes());
    out.extend_from_slice(instance.as_bytes());
    out.extend_from_slice(&index.to_be_bytes());
}

impl AttributeDescriptor {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (class_id, instance, attribute) = read_descriptor(r)?;
        Ok(AttributeDescriptor {
            class_id,
            instance,
            attribute,
        })
    }
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        put_descriptor(out, self.class_id, self.instance, self.attribute);
    }
}

impl MethodDescriptor {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, Error> {
        let (class_id, instance, method) = read_descriptor(r)?;
        Ok(MethodDescriptor {
            class_id,
            instance,
            method,
        })
    }
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        put_descriptor(out, self.class_id, self.instance, self.method);
    }
}

/// A capture object definition (profile generic): `{class, logical name, attribute, data index}`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CaptureObject {
    /// Interface class id.
    pub class_id: u16,
    /// Logical name.
    pub logical_name: ObisCode,
    /// Attribute index.
    pub attribute: i8,
    /// Data index (0 = the whole attribute).
    pub data_index: u16,
}

impl CaptureObject {
    /// From its `Data` form.
    pub fn from_data(d: &Data) -> Option<Self> {
        match d {
            Data::Structure(f) => match f.as_slice() {
                [
                    Data::LongUnsigned(c),
                    Data::OctetString(ln),
                    Data::Integer(a),
                    Data::LongUnsigned(i),
                ] => Some(CaptureObject {
                    class_id: *c,
                    logical_name: ObisCode::from_bytes(<[u8; 6]>::try_from(ln.as_slice()).ok()?),
                    attribute: *a,
                    data_index: *i,
                }),
                _ => None,
            },
            _ => None,
        }
    }
    /// Its `Data` form.
    pub fn to_data(&self) -> Data {
        Data::Structure(alloc::vec![
            Data::LongUnsigned(self.class_id),
            Data::OctetString(self.logical_name.as_bytes().to_vec()),
            Data::Integer(self.attribute),
            Data::LongUnsigned(self.data_index),
        ])
    }
}

/// range_descriptor (selector 1): entries whose restricting object (usually the clock column)
/// lies between `from` and `to`, with the selected columns (empty = all).
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RangeDescriptor {
    /// The column the range applies to.
    pub restricting_object: CaptureObject,
    /// Lower bound (usually a date-time octet string).
    pub from: Data,
    /// Upper bound.
    pub to: Data,
    /// Columns to return; empty means all.
    pub selected_values: Vec<CaptureObject>,
}

/// entry_descriptor (selector 2): rows and columns by index (1-based, 0 = up to the last).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EntryDescriptor {
    /// First row.
    pub from_entry: u32,
    /// Last row (0 = the newest).
    pub to_entry: u32,
    /// First column.
    pub from_selected_value: u16,
    /// Last column (0 = the last).
    pub to_selected_value: u16,
}

/// Selective access: selector and parameters, typed for the two profile-generic selectors.
///
/// ```
/// use dlms::apdu::{EntryDescriptor, SelectiveAccess};
/// let e = SelectiveAccess::Entry(EntryDescriptor { from_entry: 1, to_entry: 0, from_selected_value: 1, to_selected_value: 0 });
/// assert_eq!(e.selector(), 2);
/// assert_eq!(SelectiveAccess::from_parts(2, e.parameters()), e);
/// ```
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SelectiveAccess {
    /// Selector 1.
    Range(RangeDescriptor),
    /// Selector 2.
    Entry(EntryDescriptor),
    /// Any other selector, or parameters that do not have the standard form.
    Other {
        /// The access selector.
        selector: u8,
        /// The access parameters.
        parameters: Data,
    },
}

impl SelectiveAccess {
    /// Interprets a selector and its parameters.
    pub fn from_parts(selector: u8, parameters: Data) -> Self {
        let typed = match (selector, &parameters) {
            (1, Data::Structure(f)) => match f.as_slice() {
                [obj, from, to, Data::Array(cols)] => {
                    let cols: Option<Vec<_>> = cols.iter().map(CaptureObject::from_data).collect();
                    match (CaptureObject::from_data(obj), cols) {
                        (Some(o), Some(c)) => Some(SelectiveAccess::Range(RangeDescriptor {
                            restricting_object: o,
                            from: from.clone(),
                            to: to.clone(),
                            selected_values: c,
                        })),
                        _ => None,
                    }
                }
                _ => None,
            },
            (2, Data::Structure(f)) => match f.as_slice() {
                [
                    Data::DoubleLongUnsigned(a),
                    Data::DoubleLongUnsigned(b),
                    Data::LongUnsigned(c),
                    Data::LongUnsigned(d),
                ] => Some(SelectiveAccess::Entry(EntryDescriptor {
                    from_entry: *a,
                    to_entry: *b,
                    from_selected_value: *c,
                    to_selected_value: *d,
                })),
                _ => None,
            },
            _ => None,
        };
        typed.unwrap_or(SelectiveAccess::Other {
            selector,
            parameters,
        })
    }

    /// The access selector.
    pub fn selector(&self) -> u8 {
        match self {
            SelectiveAccess::Range(_) => 1,
            SelectiveAccess::Entry(_) => 2,
            SelectiveAccess::Other { selector, .. } => *selector,
        }
    }

    /// The access parameters as `Data`.
    pub fn parameters(&self) -> Data {
        match self {
            SelectiveAccess::Range(r) => Data::Structure(alloc::vec![
                r.restricting_object.to_data(),
                r.from.clone(),
                r.to.clone(),
                Data::Array(
                    r.selected_values
                        .iter()
                        .map(CaptureObject::to_data)
                        .collect()
                ),
            ]),
            SelectiveAccess::Entry(e) => Data::Structure(alloc::vec![
                Data::DoubleLongUnsigned(e.from_entry),
                Data::DoubleLongUnsigned(e.to_entry),
                Data::LongUnsigned(e.from_selected_value),
                Data::LongUnsigned(e.to_selected_value),
            ]),
            SelectiveAccess::Other { parameters, .. } => parameters.clone(),
        }
    }

    pub(crate) fn read_optional(
        r: &mut Reader<'_>,
        lim: DecodeLimits,
    ) -> Result<Option<Self>, Error> {
        if read_bool_flag(r, "access-selection flag")? {
            let selector = r.u8()?;
            let parameters = Data::read_with_limits(r, lim)?;
            Ok(Some(Self::from_parts(selector, parameters)))
        } else {
            Ok(None)
        }
    }

    pub(crate) fn put_optional(this: &Option<Self>, out: &mut Vec<u8>) -> Result<(), Error> {
        match this {
            None => out.push(0),
            Some(s) => {
                out.push(1);
                out.push(s.selector());
                s.parameters().encode(out)?;
            }
        }
        Ok(())
    }
}

/// Reads an A-XDR OPTIONAL/BOOLEAN flag byte, which must be 0 or 1.
pub(crate) fn read_bool_flag(r: &mut Reader<'_>, what: &'static str) -> Result<bool, Error> {
    let offset = r.offset();
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::InvalidValue { offset, what }),
    }
}

/// Reads a SEQUENCE OF count.
pub(crate) fn read_count(r: &mut Reader<'_>) -> Result<usize, Error> {
    r.length()
}

pub(crate) fn put_count(out: &mut Vec<u8>, n: usize) -> Result<(), Error> {
    push_length(out, n)
}

macro_rules! result_codes {
    ($(#[$doc:meta])* $name:ident { $($(#[$cdoc:meta])* $c:ident = $v:expr, $text:expr;)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name(pub u8);

        impl $name {
            $(#[doc = concat!("`", $text, "` (", stringify!($v), ").")] pub const $c: $name = $name($v);)*

            /// The standard's name, for a known code.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($text),)*
                    _ => None,
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }
    };
}

result_codes! {
    /// Data-Access-Result (GET and SET results).
    ///
    /// ```
    /// use dlms::apdu::DataAccessResult;
    /// assert_eq!(DataAccessResult(1), DataAccessResult::HARDWARE_FAULT);
    /// assert_eq!(DataAccessResult::HARDWARE_FAULT.to_string(), "hardware-fault");
    /// ```
    DataAccessResult {
        SUCCESS = 0, "success";
        HARDWARE_FAULT = 1, "hardware-fault";
        TEMPORARY_FAILURE = 2, "temporary-failure";
        READ_WRITE_DENIED = 3, "read-write-denied";
        OBJECT_UNDEFINED = 4, "object-undefined";
        OBJECT_CLASS_INCONSISTENT = 9, "object-class-inconsistent";
        OBJECT_UNAVAILABLE = 11, "object-unavailable";
        TYPE_UNMATCHED = 12, "type-unmatched";
        SCOPE_OF_ACCESS_VIOLATED = 13, "scope-of-access-violated";
        DATA_BLOCK_UNAVAILABLE = 14, "data-block-unavailable";
        LONG_GET_ABORTED = 15, "long-get-aborted";
        NO_LONG_GET_IN_PROGRESS = 16, "no-long-get-in-progress";
        LONG_SET_ABORTED = 17, "long-set-aborted";
        NO_LONG_SET_IN_PROGRESS = 18, "no-long-set-in-progress";
        DATA_BLOCK_NUMBER_INVALID = 19, "data-block-number-invalid";
        OTHER_REASON = 250, "other-reason";
    }
}

result_codes! {
    /// Action-Result (ACTION results).
    ///
    /// ```
    /// use dlms::apdu::ActionResult;
    /// assert_eq!(ActionResult::SUCCESS.0, 0);
    /// ```
    ActionResult {
        SUCCESS = 0, "success";
        HARDWARE_FAULT = 1, "hardware-fault";
        TEMPORARY_FAILURE = 2, "temporary-failure";
        READ_WRITE_DENIED = 3, "read-write-denied";
        OBJECT_UNDEFINED = 4, "object-undefined";
        OBJECT_CLASS_INCONSISTENT = 9, "object-class-inconsistent";
        OBJECT_UNAVAILABLE = 11, "object-unavailable";
        TYPE_UNMATCHED = 12, "type-unmatched";
        SCOPE_OF_ACCESS_VIOLATED = 13, "scope-of-access-violated";
        DATA_BLOCK_UNAVAILABLE = 14, "data-block-unavailable";
        LONG_ACTION_ABORTED = 15, "long-action-aborted";
        NO_LONG_ACTION_IN_PROGRESS = 16, "no-long-action-in-progress";
        OTHER_REASON = 250, "other-reason";
    }
}

/// Get-Data-Result: a value or an access error.
#[derive(Clone, PartialEq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GetDataResult {
    /// `[0] data`.
    Data(Data),
    /// `[1] data-access-result`.
    Error(DataAccessResult),
}

impl GetDataResult {
    pub(crate) fn read(r: &mut Reader<'_>, lim: DecodeLimits) -> Result<Self, Error> {
        let offset = r.offset();
        match r.u8()? {
            0 => Ok(GetDataResult::Data(Data::read_with_limits(r, lim)?)),
            1 => Ok(GetDataResult::Error(DataAccessResult(r.u8()?))),
            tag => Err(Error::UnknownTag { offset, tag }),
        }
    }
    pub(crate) fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        match self {
            GetDataResult::Data(d) => {
                out.push(0);
                d.encode(out)
            }
            GetDataResult::Error(e) => {
                out.extend_from_slice(&[1, e.0]);
                Ok(())
            }
        }
    }
}

/// DataBlock-SA (SET and ACTION block transfer): last-block flag, block number, raw data.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DataBlockSa<'a> {
    /// Whether this is the last block.
    pub last_block: bool,
    /// The block number (1-based).
    pub block_number: u32,
    /// The raw bytes of this block (part of an encoded `Data`).
    pub raw_data: &'a [u8],
}

impl<'a> DataBlockSa<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let last_block = read_bool_flag(r, "last-block")?;
        let block_number = r.u32()?;
        let raw_data = r.length_prefixed()?;
        Ok(DataBlockSa {
            last_block,
            block_number,
            raw_data,
        })
    }
    pub(crate) fn put(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        out.push(u8::from(self.last_block));
        out.extend_from_slice(&self.block_number.to_be_bytes());
        push_length(out, self.raw_data.len())?;
        out.extend_from_slice(self.raw_data);
        Ok(())
    }
}
