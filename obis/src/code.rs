//! The six-byte OBIS code.

/// An OBIS code: six value groups `A-B:C.D.E*F`.
///
/// ```
/// use obis::ObisCode;
/// let clock = ObisCode::new(0, 0, 1, 0, 0, 255);
/// assert_eq!(clock.a(), 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ObisCode([u8; 6]);

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

    /// The six-byte octet-string form.
    ///
    /// ```
    /// assert_eq!(obis::ObisCode::new(0, 0, 1, 0, 0, 255).as_bytes(), &[0, 0, 1, 0, 0, 255]);
    /// ```
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
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
}

impl core::fmt::Display for ObisCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        if f.alternate() {
            write!(f, "{a}.{b}.{c}.{d}.{e}.{g}")
        } else {
            write!(f, "{a}-{b}:{c}.{d}.{e}*{g}")
        }
    }
}
