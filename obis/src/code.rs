//! The six-byte OBIS code, its textual forms and their parser.

use core::fmt;

/// An OBIS code: six value groups `A-B:C.D.E*F`.
///
/// The order (`Ord`) is the byte order of the six-byte form, which is also the order of the
/// [`registry`](crate::registry).
///
/// ```
/// use obis::ObisCode;
/// let clock = ObisCode::new(0, 0, 1, 0, 0, 255);
/// assert_eq!(clock.a(), 0);
/// assert_eq!(clock.to_string(), "0-0:1.0.0*255");
/// assert_eq!(format!("{clock:#}"), "0.0.1.0.0.255");
/// assert_eq!("0-0:1.0.0".parse::<ObisCode>(), Ok(clock));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ObisCode([u8; 6]);

/// One of the six value groups of an OBIS code, named in error messages.
///
/// ```
/// assert_eq!(obis::Group::C.to_string(), "C");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Group {
    /// Value group A (medium).
    A,
    /// Value group B (channel).
    B,
    /// Value group C (quantity).
    C,
    /// Value group D (processing).
    D,
    /// Value group E (tariff or classification).
    E,
    /// Value group F (billing period).
    F,
}

impl Group {
    /// The six groups in order.
    pub const ALL: [Group; 6] = [Group::A, Group::B, Group::C, Group::D, Group::E, Group::F];

    const fn from_index(index: usize) -> Group {
        match index {
            0 => Group::A,
            1 => Group::B,
            2 => Group::C,
            3 => Group::D,
            4 => Group::E,
            _ => Group::F,
        }
    }

    /// The letter of the group.
    ///
    /// ```
    /// assert_eq!(obis::Group::F.letter(), 'F');
    /// ```
    #[must_use]
    pub const fn letter(self) -> char {
        match self {
            Group::A => 'A',
            Group::B => 'B',
            Group::C => 'C',
            Group::D => 'D',
            Group::E => 'E',
            Group::F => 'F',
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        f.write_char(self.letter())
    }
}

/// Why a text or byte string is not an OBIS code.
///
/// Offsets are byte offsets into the input.
///
/// ```
/// use obis::{Group, ObisCode, ParseError};
/// assert_eq!(
///     "1-0:1.8.x".parse::<ObisCode>(),
///     Err(ParseError::InvalidCharacter { group: Group::E, offset: 8, found: 'x' })
/// );
/// assert_eq!(
///     "1-0:256.8.0".parse::<ObisCode>(),
///     Err(ParseError::ValueOutOfRange { group: Group::C, offset: 4 })
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is empty.
    #[error("empty OBIS code")]
    Empty,
    /// A character that is neither a digit nor the separator expected at this place.
    #[error("invalid character {found:?} at offset {offset} (in or before value group {group})")]
    InvalidCharacter {
        /// The value group being read (or whose separator was expected).
        group: Group,
        /// Byte offset of the character.
        offset: usize,
        /// The character found.
        found: char,
    },
    /// A value group is larger than 255.
    #[error("value group {group} at offset {offset} is larger than 255")]
    ValueOutOfRange {
        /// The value group.
        group: Group,
        /// Byte offset where the group starts.
        offset: usize,
    },
    /// The input ends before this value group.
    #[error("value group {group} is missing")]
    MissingGroup {
        /// The first missing group.
        group: Group,
    },
    /// More input follows a complete code.
    #[error("unexpected input at offset {offset} after the last value group")]
    TrailingInput {
        /// Byte offset of the first extra character.
        offset: usize,
    },
    /// The octet-string form does not have six bytes.
    #[error("an OBIS octet string has {expected} bytes, found {found}")]
    WrongLength {
        /// Always 6.
        expected: usize,
        /// The length of the input.
        found: usize,
    },
}

/// The byte at `index`, if any (usable in `const fn`).
const fn byte_at(bytes: &[u8], index: usize) -> Option<u8> {
    match bytes.split_at_checked(index) {
        Some((_, rest)) => match rest.first() {
            Some(&b) => Some(b),
            None => None,
        },
        None => None,
    }
}

/// The character starting at `index` (input is UTF-8 text; anything else becomes U+FFFD).
const fn char_at(bytes: &[u8], index: usize) -> char {
    let rest = match bytes.split_at_checked(index) {
        Some((_, rest)) => rest,
        None => return char::REPLACEMENT_CHARACTER,
    };
    let code = match *rest {
        [b0, ..] if b0 < 0x80 => b0 as u32,
        [b0, b1, ..] if b0 & 0xE0 == 0xC0 => ((b0 as u32 & 0x1F) << 6) | (b1 as u32 & 0x3F),
        [b0, b1, b2, ..] if b0 & 0xF0 == 0xE0 => {
            ((b0 as u32 & 0x0F) << 12) | ((b1 as u32 & 0x3F) << 6) | (b2 as u32 & 0x3F)
        }
        [b0, b1, b2, b3, ..] if b0 & 0xF8 == 0xF0 => {
            ((b0 as u32 & 0x07) << 18)
                | ((b1 as u32 & 0x3F) << 12)
                | ((b2 as u32 & 0x3F) << 6)
                | (b3 as u32 & 0x3F)
        }
        _ => 0xFFFD,
    };
    match char::from_u32(code) {
        Some(c) => c,
        None => char::REPLACEMENT_CHARACTER,
    }
}

/// A decimal number read from the text: its value (saturated above 255) and where it ends.
struct Number {
    value: u16,
    end: usize,
}

/// Reads the decimal digits at `start`; `None` if there is no digit there.
const fn read_number(bytes: &[u8], start: usize) -> Option<Number> {
    let mut pos = start;
    let mut value: u16 = 0;
    while let Some(b) = byte_at(bytes, pos) {
        if !b.is_ascii_digit() {
            break;
        }
        if value <= 255 {
            value = value
                .saturating_mul(10)
                .saturating_add(b.wrapping_sub(b'0') as u16);
        }
        pos = pos.saturating_add(1);
    }
    if pos == start {
        None
    } else {
        Some(Number { value, end: pos })
    }
}

/// The error for "a number was expected at `pos` for `group`".
const fn expected_number(bytes: &[u8], pos: usize, group: Group) -> ParseError {
    if pos >= bytes.len() {
        ParseError::MissingGroup { group }
    } else {
        ParseError::InvalidCharacter {
            group,
            offset: pos,
            found: char_at(bytes, pos),
        }
    }
}

/// Reads one value group (a number <= 255) at `pos`.
const fn read_group(bytes: &[u8], pos: usize, group: Group) -> Result<(u8, usize), ParseError> {
    match read_number(bytes, pos) {
        None => Err(expected_number(bytes, pos, group)),
        Some(n) if n.value > 255 => Err(ParseError::ValueOutOfRange { group, offset: pos }),
        Some(n) => Ok((n.value as u8, n.end)),
    }
}

/// Expects the separator `sep` at `pos` before `group`; returns the position after it.
const fn expect_separator(
    bytes: &[u8],
    pos: usize,
    sep: u8,
    group: Group,
) -> Result<usize, ParseError> {
    match byte_at(bytes, pos) {
        Some(b) if b == sep => Ok(pos.saturating_add(1)),
        Some(_) => Err(ParseError::InvalidCharacter {
            group,
            offset: pos,
            found: char_at(bytes, pos),
        }),
        None => Err(ParseError::MissingGroup { group }),
    }
}

const fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b.wrapping_sub(b'0')),
        b'a'..=b'f' => Some(b.wrapping_sub(b'a').wrapping_add(10)),
        b'A'..=b'F' => Some(b.wrapping_sub(b'A').wrapping_add(10)),
        _ => None,
    }
}

/// The 12-hex-digit form (`0100010800FF`), if the input is exactly that.
const fn parse_hex(bytes: &[u8]) -> Option<ObisCode> {
    let [a1, a2, b1, b2, c1, c2, d1, d2, e1, e2, f1, f2] = *bytes else {
        return None;
    };
    let pairs = [(a1, a2), (b1, b2), (c1, c2), (d1, d2), (e1, e2), (f1, f2)];
    let mut out = [0u8; 6];
    let mut i = 0usize;
    while i < 6 {
        let (hi, lo) = match i {
            0 => pairs[0],
            1 => pairs[1],
            2 => pairs[2],
            3 => pairs[3],
            4 => pairs[4],
            _ => pairs[5],
        };
        let (Some(hi), Some(lo)) = (hex_value(hi), hex_value(lo)) else {
            return None;
        };
        let v = (hi << 4) | lo;
        match i {
            0 => out[0] = v,
            1 => out[1] = v,
            2 => out[2] = v,
            3 => out[3] = v,
            4 => out[4] = v,
            _ => out[5] = v,
        }
        i = i.wrapping_add(1);
    }
    Some(ObisCode(out))
}

/// Counts the dots in the input (decides between the dotted six-group and the short form).
const fn count_dots(bytes: &[u8]) -> usize {
    let mut rest = bytes;
    let mut n = 0usize;
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'.' {
            n = n.saturating_add(1);
        }
        rest = tail;
    }
    n
}

/// `A-B:C.D.E` then optionally `*F` / `.F` / `&F`, starting after `A-`.
const fn parse_full(bytes: &[u8], a: u8, pos: usize) -> Result<ObisCode, ParseError> {
    let (b, pos) = match read_group(bytes, pos, Group::B) {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    let pos = match expect_separator(bytes, pos, b':', Group::C) {
        Ok(p) => p,
        Err(e) => return Err(e),
    };
    let (c, pos) = match read_group(bytes, pos, Group::C) {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    let pos = match expect_separator(bytes, pos, b'.', Group::D) {
        Ok(p) => p,
        Err(e) => return Err(e),
    };
    let (d, pos) = match read_group(bytes, pos, Group::D) {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    let pos = match expect_separator(bytes, pos, b'.', Group::E) {
        Ok(p) => p,
        Err(e) => return Err(e),
    };
    let (e, pos) = match read_group(bytes, pos, Group::E) {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    match parse_tail_f(bytes, pos) {
        Ok(f) => Ok(ObisCode([a, b, c, d, e, f])),
        Err(err) => Err(err),
    }
}

/// After group E: end of input (F = 255) or `*F`, `.F`, `&F` then end of input.
const fn parse_tail_f(bytes: &[u8], pos: usize) -> Result<u8, ParseError> {
    match byte_at(bytes, pos) {
        None => Ok(255),
        Some(b'*' | b'.' | b'&') => {
            let (f, end) = match read_group(bytes, pos.saturating_add(1), Group::F) {
                Ok(v) => v,
                Err(e) => return Err(e),
            };
            if end < bytes.len() {
                Err(ParseError::TrailingInput { offset: end })
            } else {
                Ok(f)
            }
        }
        Some(_) => Err(ParseError::InvalidCharacter {
            group: Group::F,
            offset: pos,
            found: char_at(bytes, pos),
        }),
    }
}

/// `A.B.C.D.E.F` (six groups) or the short form `C.D.E` / `C.D.E*F`, starting at 0.
const fn parse_dotted(bytes: &[u8]) -> Result<ObisCode, ParseError> {
    let six = count_dots(bytes) >= 3;
    // Which value group the n-th number of the text is.
    const fn group_of(six: bool, n: usize) -> Group {
        if six {
            Group::from_index(n)
        } else {
            Group::from_index(n.saturating_add(2))
        }
    }
    let wanted = if six { 6 } else { 3 };
    let mut values = [0u8; 6];
    let mut pos = 0usize;
    let mut n = 0usize;
    while n < wanted {
        if n > 0 {
            pos = match expect_separator(bytes, pos, b'.', group_of(six, n)) {
                Ok(p) => p,
                Err(e) => return Err(e),
            };
        }
        let (v, end) = match read_group(bytes, pos, group_of(six, n)) {
            Ok(v) => v,
            Err(e) => return Err(e),
        };
        match n {
            0 => values[0] = v,
            1 => values[1] = v,
            2 => values[2] = v,
            3 => values[3] = v,
            4 => values[4] = v,
            _ => values[5] = v,
        }
        pos = end;
        n = n.saturating_add(1);
    }
    if six {
        if pos < bytes.len() {
            return Err(ParseError::TrailingInput { offset: pos });
        }
        return Ok(ObisCode(values));
    }
    // Short form: the three numbers are C, D, E.
    let f = match byte_at(bytes, pos) {
        None => 255,
        Some(b'*' | b'&') => match parse_tail_f(bytes, pos) {
            Ok(f) => f,
            Err(e) => return Err(e),
        },
        Some(_) => {
            return Err(ParseError::InvalidCharacter {
                group: Group::F,
                offset: pos,
                found: char_at(bytes, pos),
            });
        }
    };
    Ok(ObisCode([1, 0, values[0], values[1], values[2], f]))
}

/// Parses any textual form given as bytes (see [`ObisCode::parse_const`]).
const fn parse_text(bytes: &[u8]) -> Result<ObisCode, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::Empty);
    }
    if let Some(code) = parse_hex(bytes) {
        return Ok(code);
    }
    let Some(first) = read_number(bytes, 0) else {
        return Err(expected_number(bytes, 0, Group::A));
    };
    let pos = first.end;
    match byte_at(bytes, pos) {
        // Dotted forms: the first number is A (six groups) or C (short form).
        Some(b'.') => parse_dotted(bytes),
        _ if first.value > 255 => Err(ParseError::ValueOutOfRange {
            group: Group::A,
            offset: 0,
        }),
        Some(b'-') => parse_full(bytes, first.value as u8, pos.saturating_add(1)),
        Some(_) => Err(ParseError::InvalidCharacter {
            group: Group::B,
            offset: pos,
            found: char_at(bytes, pos),
        }),
        None => Err(ParseError::MissingGroup { group: Group::B }),
    }
}

impl ObisCode {
    /// Builds a code from its six value groups.
    ///
    /// ```
    /// let code = obis::ObisCode::new(1, 0, 1, 8, 0, 255);
    /// assert_eq!(code.e(), 0);
    /// ```
    #[must_use]
    pub const fn new(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) -> Self {
        Self([a, b, c, d, e, f])
    }

    /// Builds a code from the six-byte octet-string form used on the wire.
    ///
    /// ```
    /// let code = obis::ObisCode::from_bytes([1, 0, 1, 8, 0, 255]);
    /// assert_eq!(code, obis::ObisCode::new(1, 0, 1, 8, 0, 255));
    /// ```
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 6]) -> Self {
        Self(bytes)
    }

    /// Parses the six-byte octet-string form; any other length is an error.
    ///
    /// ```
    /// use obis::{ObisCode, ParseError};
    /// assert_eq!(ObisCode::parse(&[1, 0, 1, 8, 0, 255]), Ok(ObisCode::new(1, 0, 1, 8, 0, 255)));
    /// assert_eq!(
    ///     ObisCode::parse(&[1, 0, 1]),
    ///     Err(ParseError::WrongLength { expected: 6, found: 3 })
    /// );
    /// ```
    pub const fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        match *bytes {
            [a, b, c, d, e, f] => Ok(Self([a, b, c, d, e, f])),
            _ => Err(ParseError::WrongLength {
                expected: 6,
                found: bytes.len(),
            }),
        }
    }

    /// Parses any textual form, in a `const` context too.
    ///
    /// Accepted forms:
    ///
    /// | form | example | notes |
    /// | --- | --- | --- |
    /// | canonical | `1-0:1.8.0*255` | `&` is accepted in place of `*` |
    /// | dotted F | `1-0:1.8.0.255` | |
    /// | without F | `1-0:1.8.0` | F = 255 |
    /// | six dotted groups | `1.0.1.8.0.255` | the `{:#}` form |
    /// | short | `1.8.0`, `1.8.0*1` | A = 1 (electricity), B = 0, F = 255 unless given |
    /// | hexadecimal | `0100010800FF` | exactly 12 hex digits, the octet string |
    ///
    /// Every group is a decimal number 0..=255 (leading zeros allowed). No white space.
    ///
    /// ```
    /// use obis::ObisCode;
    /// const ENERGY: ObisCode = match ObisCode::parse_const("1-0:1.8.0") {
    ///     Ok(code) => code,
    ///     Err(_) => panic!("bad code"),
    /// };
    /// assert_eq!(ENERGY, ObisCode::new(1, 0, 1, 8, 0, 255));
    /// assert_eq!(ObisCode::parse_const("1.8.1"), Ok(ObisCode::new(1, 0, 1, 8, 1, 255)));
    /// assert_eq!(ObisCode::parse_const("0100010800FF"), Ok(ENERGY));
    /// ```
    pub const fn parse_const(text: &str) -> Result<Self, ParseError> {
        parse_text(text.as_bytes())
    }

    /// Parses a textual form given as bytes (for input that is not known to be UTF-8).
    ///
    /// ```
    /// assert_eq!(
    ///     obis::ObisCode::parse_text(b"0-0:1.0.0*255"),
    ///     Ok(obis::ObisCode::new(0, 0, 1, 0, 0, 255))
    /// );
    /// ```
    pub const fn parse_text(text: &[u8]) -> Result<Self, ParseError> {
        parse_text(text)
    }

    /// The six-byte octet-string form.
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(0, 0, 1, 0, 0, 255).as_bytes(), &[0, 0, 1, 0, 0, 255]);
    /// ```
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }

    /// The six-byte octet-string form, by value.
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(0, 0, 1, 0, 0, 255).to_bytes(), [0, 0, 1, 0, 0, 255]);
    /// ```
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 6] {
        self.0
    }

    /// Value group A (medium).
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(1, 0, 1, 8, 0, 255).a(), 1);
    /// ```
    #[must_use]
    pub const fn a(&self) -> u8 {
        self.0[0]
    }

    /// Value group B (channel).
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(1, 1, 1, 8, 0, 255).b(), 1);
    /// ```
    #[must_use]
    pub const fn b(&self) -> u8 {
        self.0[1]
    }

    /// Value group C (quantity).
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(1, 0, 32, 7, 0, 255).c(), 32);
    /// ```
    #[must_use]
    pub const fn c(&self) -> u8 {
        self.0[2]
    }

    /// Value group D (processing).
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(1, 0, 1, 8, 0, 255).d(), 8);
    /// ```
    #[must_use]
    pub const fn d(&self) -> u8 {
        self.0[3]
    }

    /// Value group E (tariff or further classification).
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(1, 0, 1, 8, 2, 255).e(), 2);
    /// ```
    #[must_use]
    pub const fn e(&self) -> u8 {
        self.0[4]
    }

    /// Value group F (billing period; 255 = not used).
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(1, 0, 1, 8, 0, 255).f(), 255);
    /// ```
    #[must_use]
    pub const fn f(&self) -> u8 {
        self.0[5]
    }

    /// The value of one group.
    ///
    /// ```
    /// use obis::{Group, ObisCode};
    /// assert_eq!(ObisCode::new(1, 0, 32, 7, 0, 255).group(Group::C), 32);
    /// ```
    #[must_use]
    pub const fn group(&self, group: Group) -> u8 {
        match group {
            Group::A => self.0[0],
            Group::B => self.0[1],
            Group::C => self.0[2],
            Group::D => self.0[3],
            Group::E => self.0[4],
            Group::F => self.0[5],
        }
    }

    /// The same code with value group B (channel) replaced.
    ///
    /// ```
    /// let code = obis::ObisCode::new(1, 1, 1, 8, 0, 255);
    /// assert_eq!(code.with_b(0), obis::ObisCode::new(1, 0, 1, 8, 0, 255));
    /// ```
    #[must_use]
    pub const fn with_b(self, b: u8) -> Self {
        let [a, _, c, d, e, f] = self.0;
        Self([a, b, c, d, e, f])
    }

    /// Channel-B tolerance: electricity codes (A = 1) with any channel map to channel 0.
    ///
    /// Swiss E450 configurations push energies on channel 1 (`1-1:1.8.0`), Austrian ones on
    /// channel 0 (`1-0:1.8.0`); both mean the same register. Other media keep their channel,
    /// since there B tells sub-meters apart.
    ///
    /// ```
    /// use obis::ObisCode;
    /// let swiss = ObisCode::new(1, 1, 1, 8, 0, 255);
    /// assert_eq!(swiss.normalize_channel(), ObisCode::new(1, 0, 1, 8, 0, 255));
    /// let gas = ObisCode::new(0, 1, 24, 2, 1, 255);
    /// assert_eq!(gas.normalize_channel(), gas);
    /// ```
    #[must_use]
    pub const fn normalize_channel(self) -> Self {
        if self.0[0] == 1 { self.with_b(0) } else { self }
    }

    /// The largest text the canonical `Display` form can need (`255-255:255.255.255*255`).
    pub const MAX_TEXT_LEN: usize = 23;

    /// Writes the canonical text into a stack buffer and returns it as a `&str`.
    ///
    /// ```
    /// let mut buf = [0u8; obis::ObisCode::MAX_TEXT_LEN];
    /// let code = obis::ObisCode::new(1, 0, 1, 8, 0, 255);
    /// assert_eq!(code.write_canonical(&mut buf), "1-0:1.8.0*255");
    /// ```
    pub fn write_canonical<'b>(&self, buf: &'b mut [u8; Self::MAX_TEXT_LEN]) -> &'b str {
        self.write_with(buf, *b"-:..*")
    }

    /// Writes the six groups with the given five separators.
    fn write_with<'b>(&self, buf: &'b mut [u8; Self::MAX_TEXT_LEN], seps: [u8; 5]) -> &'b str {
        let mut len = 0usize;
        let [s1, s2, s3, s4, s5] = seps;
        for (value, sep) in self.0.into_iter().zip([s1, s2, s3, s4, s5, 0]) {
            let digits = decimal(value);
            for &digit in digits.as_slice() {
                if let Some(slot) = buf.get_mut(len) {
                    *slot = digit;
                    len = len.saturating_add(1);
                }
            }
            if sep != 0
                && let Some(slot) = buf.get_mut(len)
            {
                *slot = sep;
                len = len.saturating_add(1);
            }
        }
        let text = buf.get(..len).unwrap_or_default();
        core::str::from_utf8(text).unwrap_or_default()
    }
}

/// The decimal digits of a byte, without leading zeros.
struct Digits {
    buf: [u8; 3],
    len: usize,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

fn decimal(value: u8) -> Digits {
    // Each digit is at most 9, so `b'0' | digit` is the ASCII digit.
    let hundreds = value / 100;
    let tens = (value / 10) % 10;
    let ones = value % 10;
    if hundreds > 0 {
        Digits {
            buf: [b'0' | hundreds, b'0' | tens, b'0' | ones],
            len: 3,
        }
    } else if tens > 0 {
        Digits {
            buf: [b'0' | tens, b'0' | ones, 0],
            len: 2,
        }
    } else {
        Digits {
            buf: [b'0' | ones, 0, 0],
            len: 1,
        }
    }
}

impl fmt::Display for ObisCode {
    /// `A-B:C.D.E*F`; with `{:#}` the dotted `A.B.C.D.E.F`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; Self::MAX_TEXT_LEN];
        if f.alternate() {
            f.pad(self.write_with(&mut buf, *b"....."))
        } else {
            f.pad(self.write_canonical(&mut buf))
        }
    }
}

impl core::str::FromStr for ObisCode {
    type Err = ParseError;

    /// Parses any textual form, see [`ObisCode::parse_const`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_text(s.as_bytes())
    }
}

impl TryFrom<&str> for ObisCode {
    type Error = ParseError;

    /// Parses any textual form, see [`ObisCode::parse_const`].
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        parse_text(s.as_bytes())
    }
}

impl TryFrom<&[u8]> for ObisCode {
    type Error = ParseError;

    /// The six-byte octet-string form, see [`ObisCode::parse`].
    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        Self::parse(bytes)
    }
}

impl From<[u8; 6]> for ObisCode {
    fn from(bytes: [u8; 6]) -> Self {
        Self(bytes)
    }
}

impl From<ObisCode> for [u8; 6] {
    fn from(code: ObisCode) -> Self {
        code.0
    }
}

impl AsRef<[u8]> for ObisCode {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An OBIS code constant from any textual form, checked at compile time.
///
/// ```
/// use obis::{ObisCode, obis};
/// const VOLTAGE_L1: ObisCode = obis!("1-0:32.7.0");
/// assert_eq!(VOLTAGE_L1, ObisCode::new(1, 0, 32, 7, 0, 255));
/// assert_eq!(obis!("1.8.0"), ObisCode::new(1, 0, 1, 8, 0, 255));
/// ```
///
/// A malformed code does not compile:
///
/// ```compile_fail
/// const BAD: obis::ObisCode = obis::obis!("1-0:1.8.x");
/// ```
#[macro_export]
macro_rules! obis {
    ($text:expr) => {{
        #[allow(
            clippy::panic,
            reason = "a panic in a const item is a compile-time error"
        )]
        const CODE: $crate::ObisCode = match $crate::ObisCode::parse_const($text) {
            ::core::result::Result::Ok(code) => code,
            ::core::result::Result::Err(_) => ::core::panic!("invalid OBIS code"),
        };
        CODE
    }};
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::ObisCode;
    use core::fmt;
    use serde::de::{self, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    impl Serialize for ObisCode {
        /// As the canonical string `A-B:C.D.E*F`.
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut buf = [0u8; ObisCode::MAX_TEXT_LEN];
            serializer.serialize_str(self.write_canonical(&mut buf))
        }
    }

    struct CodeVisitor;

    impl Visitor<'_> for CodeVisitor {
        type Value = ObisCode;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an OBIS code such as \"1-0:1.8.0*255\" or its six bytes")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<ObisCode, E> {
            v.parse().map_err(E::custom)
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ObisCode, E> {
            ObisCode::parse(v).map_err(E::custom)
        }
    }

    impl<'de> Deserialize<'de> for ObisCode {
        /// From any textual form (or the six bytes, in binary formats).
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_str(CodeVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use core::str::FromStr;

    fn p(s: &str) -> Result<ObisCode, ParseError> {
        ObisCode::from_str(s)
    }

    const ENERGY: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);

    #[test]
    fn every_textual_form() {
        for text in [
            "1-0:1.8.0*255",
            "1-0:1.8.0&255",
            "1-0:1.8.0.255",
            "1.0.1.8.0.255",
            "1-0:1.8.0",
            "1.8.0",
            "1.8.0*255",
            "0100010800FF",
            "0100010800ff",
            "001-000:001.008.000*255",
        ] {
            assert_eq!(p(text), Ok(ENERGY), "{text}");
        }
        assert_eq!(p("1.8.1*3"), Ok(ObisCode::new(1, 0, 1, 8, 1, 3)));
        assert_eq!(p("0-0:1.0.0"), Ok(ObisCode::new(0, 0, 1, 0, 0, 255)));
        assert_eq!(
            p("255.255.255.255.255.255"),
            Ok(ObisCode::from_bytes([255; 6]))
        );
        assert_eq!(p("0.0.0.0.0.0"), Ok(ObisCode::from_bytes([0; 6])));
    }

    #[test]
    fn malformed_text_is_rejected_precisely() {
        use Group::*;
        use ParseError::*;
        let cases: &[(&str, ParseError)] = &[
            ("", Empty),
            ("1", MissingGroup { group: B }),
            ("1-", MissingGroup { group: B }),
            ("1-0", MissingGroup { group: C }),
            ("1-0:", MissingGroup { group: C }),
            ("1-0:1", MissingGroup { group: D }),
            ("1-0:1.8", MissingGroup { group: E }),
            ("1-0:1.8.", MissingGroup { group: E }),
            ("1-0:1.8.0*", MissingGroup { group: F }),
            (
                "1-0:1.8.x",
                InvalidCharacter {
                    group: E,
                    offset: 8,
                    found: 'x',
                },
            ),
            (
                "1-0;1.8.0",
                InvalidCharacter {
                    group: C,
                    offset: 3,
                    found: ';',
                },
            ),
            (
                "1-0:1.8.0 ",
                InvalidCharacter {
                    group: F,
                    offset: 9,
                    found: ' ',
                },
            ),
            (
                "x",
                InvalidCharacter {
                    group: A,
                    offset: 0,
                    found: 'x',
                },
            ),
            ("1-0:1.8.0*25é", TrailingInput { offset: 12 }),
            (
                "1-0:256.8.0",
                ValueOutOfRange {
                    group: C,
                    offset: 4,
                },
            ),
            (
                "1-0:1.8.0*1000",
                ValueOutOfRange {
                    group: F,
                    offset: 10,
                },
            ),
            (
                "1.0.1.8.0.256",
                ValueOutOfRange {
                    group: F,
                    offset: 10,
                },
            ),
            (
                "300.8.0",
                ValueOutOfRange {
                    group: C,
                    offset: 0,
                },
            ),
            ("1-0:1.8.0*255*", TrailingInput { offset: 13 }),
            ("1.0.1.8.0.255.1", TrailingInput { offset: 13 }),
            ("1.0.1.8", MissingGroup { group: E }),
            ("1.0.1.8.0", MissingGroup { group: F }),
            ("1.8", MissingGroup { group: E }),
            (
                "1.8.0-1",
                InvalidCharacter {
                    group: F,
                    offset: 5,
                    found: '-',
                },
            ),
            (
                "0100010800FG",
                ValueOutOfRange {
                    group: A,
                    offset: 0,
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(p(text), Err(*expected), "{text}");
        }
    }

    #[test]
    fn non_ascii_character_is_reported_whole() {
        assert_eq!(
            p("1-0:1.8.€"),
            Err(ParseError::InvalidCharacter {
                group: Group::E,
                offset: 8,
                found: '€'
            })
        );
    }

    #[test]
    fn octet_string_form() {
        assert_eq!(ObisCode::try_from(&[1u8, 0, 1, 8, 0, 255][..]), Ok(ENERGY));
        assert_eq!(
            ObisCode::try_from(&[1u8, 0, 1, 8, 0, 255, 0][..]),
            Err(ParseError::WrongLength {
                expected: 6,
                found: 7
            })
        );
        assert_eq!(
            ObisCode::parse(&[]),
            Err(ParseError::WrongLength {
                expected: 6,
                found: 0
            })
        );
    }

    #[test]
    fn display_forms() {
        extern crate alloc;
        use alloc::format;
        assert_eq!(format!("{ENERGY}"), "1-0:1.8.0*255");
        assert_eq!(format!("{ENERGY:#}"), "1.0.1.8.0.255");
        let max = ObisCode::from_bytes([255; 6]);
        assert_eq!(format!("{max}"), "255-255:255.255.255*255");
        assert_eq!(format!("{max}").len(), ObisCode::MAX_TEXT_LEN);
        assert_eq!(format!("{}", ObisCode::from_bytes([0; 6])), "0-0:0.0.0*0");
        assert_eq!(format!("{ENERGY:<15}|"), "1-0:1.8.0*255  |");
        assert_eq!(format!("{ENERGY:>#14}"), " 1.0.1.8.0.255");
        assert_eq!(
            format!("{}", ObisCode::new(10, 99, 100, 9, 19, 200)),
            "10-99:100.9.19*200"
        );
    }

    #[test]
    fn macro_and_const() {
        const C: ObisCode = crate::obis!("0-8:25.9.0");
        assert_eq!(C, ObisCode::new(0, 8, 25, 9, 0, 255));
    }

    #[test]
    fn group_messages() {
        extern crate alloc;
        use alloc::string::ToString;
        assert_eq!(
            p("1-0:1.8.x").unwrap_err().to_string(),
            "invalid character 'x' at offset 8 (in or before value group E)"
        );
        assert_eq!(
            p("1-0:1.8").unwrap_err().to_string(),
            "value group E is missing"
        );
    }
}
