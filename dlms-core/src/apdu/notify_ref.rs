//! A borrowed, allocation-free data-notification.

use super::Tag;
use crate::reader::Reader;
use crate::{DataRef, DateTime, DecodeLimits, Error};

/// A data-notification whose body is a [`DataRef`]: no allocation, the fast path for pushes.
///
/// ```
/// use dlms::apdu::DataNotificationRef;
/// let bytes = [0x0F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x01, 0x06, 0x00, 0x00, 0x00, 0x1C];
/// let n = DataNotificationRef::parse(&bytes).unwrap();
/// assert_eq!(n.invoke_id_and_priority, 1);
/// assert_eq!(n.body.iter().next().unwrap().as_u64(), Some(28));
/// ```
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct DataNotificationRef<'a> {
    /// Long-Invoke-Id-And-Priority, raw.
    pub invoke_id_and_priority: u32,
    /// The time stamp, when present.
    pub date_time: Option<DateTime>,
    /// The validated body.
    pub body: DataRef<'a>,
}

impl<'a> DataNotificationRef<'a> {
    /// Parses one whole data-notification APDU (tag `0F` included) with the default limits.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        Self::parse_with_limits(bytes, DecodeLimits::DEFAULT)
    }

    /// Parses one whole data-notification APDU with the given limits.
    pub fn parse_with_limits(bytes: &'a [u8], limits: DecodeLimits) -> Result<Self, Error> {
        let mut r = Reader::new(bytes);
        let offset = r.offset();
        let tag = r.u8()?;
        if tag != Tag::DATA_NOTIFICATION.0 {
            return Err(Error::UnknownTag { offset, tag });
        }
        let invoke_id_and_priority = r.u32()?;
        let offset = r.offset();
        let dt = r.length_prefixed()?;
        let date_time = match dt.len() {
            0 => None,
            12 => Some(DateTime::parse(dt)?),
            _ => {
                return Err(Error::InvalidValue {
                    offset,
                    what: "date-time length",
                });
            }
        };
        let body = DataRef::read_with_limits(&mut r, limits)?;
        r.finish()?;
        Ok(DataNotificationRef {
            invoke_id_and_priority,
            date_time,
            body,
        })
    }
}
