//! Byte fixtures for the data record decoder: every data type, DIFE chains, the VIF tables,
//! combinable VIFEs and plain-text VIFs in both orders.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use mbus::{
    DataField, DecodeOptions, Error, PlainTextOrder, Quantity, Record, RecordFunction, Records,
    SiUnit, Value, Vif, Vife,
};

fn one(bytes: &[u8]) -> Record<'_> {
    let mut it = Records::new(bytes, DecodeOptions::STRICT);
    let r = it.next().unwrap().unwrap();
    assert!(it.next().is_none(), "one record expected");
    r
}

fn scaled(bytes: &[u8]) -> (f64, SiUnit) {
    let s = one(bytes).scaled().unwrap();
    (s.value, s.unit)
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn integers_of_every_width_are_signed() {
    assert_eq!(one(&[0x01, 0x13, 0xFF]).value, Value::Integer(-1));
    assert_eq!(one(&[0x02, 0x13, 0x34, 0x12]).value, Value::Integer(0x1234));
    assert_eq!(
        one(&[0x03, 0x13, 0xFE, 0xFF, 0xFF]).value,
        Value::Integer(-2)
    );
    assert_eq!(
        one(&[0x03, 0x13, 0x01, 0x00, 0x80]).value,
        Value::Integer(-0x7F_FFFF)
    );
    assert_eq!(
        one(&[0x04, 0x13, 0x78, 0x56, 0x34, 0x12]).value,
        Value::Integer(0x1234_5678)
    );
    assert_eq!(
        one(&[0x06, 0x13, 0x01, 0, 0, 0, 0, 0x80]).value,
        Value::Integer(-0x7FFF_FFFF_FFFF)
    );
    assert_eq!(
        one(&[0x07, 0x13, 1, 0, 0, 0, 0, 0, 0, 0x80]).value,
        Value::Integer(i64::MIN + 1)
    );
    let r = one(&[0x05, 0x2B, 0x00, 0x00, 0x20, 0x41]);
    assert_eq!(r.value, Value::Real(10.0));
    assert_eq!(r.dib.data_field, DataField::Real32);
    // MSB first (CI 76)
    let r = Records::new_msb_first(&[0x02, 0x13, 0x12, 0x34], DecodeOptions::STRICT)
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(r.value, Value::Integer(0x1234));
}

#[test]
fn bcd_positive_negative_and_invalid() {
    assert_eq!(one(&[0x09, 0x13, 0x42]).value, Value::Bcd(42));
    assert_eq!(one(&[0x0A, 0x13, 0x34, 0x12]).value, Value::Bcd(1234));
    assert_eq!(
        one(&[0x0B, 0x13, 0x56, 0x34, 0x12]).value,
        Value::Bcd(123_456)
    );
    assert_eq!(
        one(&[0x0C, 0x13, 0x78, 0x56, 0x34, 0x12]).value,
        Value::Bcd(12_345_678)
    );
    assert_eq!(
        one(&[0x0E, 0x13, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12]).value,
        Value::Bcd(123_456_789_012)
    );
    // top nibble F: negative
    assert_eq!(one(&[0x0A, 0x13, 0x34, 0xF2]).value, Value::Bcd(-234));
    // strict rejects other hex digits, lenient keeps the bytes
    let err = Records::new(&[0x0A, 0x13, 0x3A, 0x12], DecodeOptions::STRICT)
        .next()
        .unwrap();
    assert_eq!(
        err,
        Err(Error::InvalidBcd {
            offset: 2,
            found: 0x3A
        })
    );
    let r = Records::new(&[0x0A, 0x13, 0x3A, 0x12], DecodeOptions::LENIENT)
        .next()
        .unwrap();
    assert_eq!(r.unwrap().value, Value::InvalidBcd(&[0x3A, 0x12]));
    // a value error does not end the iteration
    let recs: Vec<_> = Records::new(
        &[0x0A, 0x13, 0x3A, 0x12, 0x01, 0x13, 0x05],
        DecodeOptions::STRICT,
    )
    .collect();
    assert_eq!(recs.len(), 2);
    assert!(recs[0].is_err() && recs[1].is_ok());
}

#[test]
fn variable_length_data() {
    // text, stored last character first
    let r = one(&[0x0D, 0xFD, 0x11, 0x03, b'C', b'B', b'A']);
    let Value::Text(t) = r.value else { panic!() };
    assert!(t.eq_str("ABC"));
    assert_eq!(r.info().unwrap().quantity, Quantity::Customer);
    // positive and negative BCD
    assert_eq!(one(&[0x0D, 0x13, 0xC2, 0x34, 0x12]).value, Value::Bcd(1234));
    assert_eq!(one(&[0x0D, 0x13, 0xD1, 0x99]).value, Value::Bcd(-99));
    // binary
    assert_eq!(
        one(&[0x0D, 0x7F, 0xE2, 0xAA, 0xBB]).value,
        Value::Binary(&[0xAA, 0xBB])
    );
    // F0: 16 bytes of binary
    let mut long = vec![0x0D, 0xFD, 0x16, 0xF0];
    long.extend(0..16u8);
    assert!(matches!(one(&long).value, Value::Binary(b) if b.len() == 16));
    // reserved LVAR
    assert_eq!(
        Records::new(&[0x0D, 0x13, 0xF7], DecodeOptions::STRICT)
            .next()
            .unwrap(),
        Err(Error::InvalidLvar {
            offset: 2,
            found: 0xF7
        })
    );
}

#[test]
fn dib_storage_tariff_subunit_function() {
    // DIF C4 (ext, storage bit, 32 bit), DIFE 8A (ext, storage 10), DIFE 61 (subunit 1, tariff 2, storage 1)
    let r = one(&[0xC4, 0x8A, 0x61, 0x13, 1, 0, 0, 0]);
    assert_eq!(r.dib.storage, 1 | (10 << 1) | (1 << 5));
    assert_eq!(r.dib.tariff, 2 << 2);
    assert_eq!(r.dib.subunit, 1 << 1);
    assert_eq!(r.dib.dife_count, 2);
    assert_eq!(r.dib.function, RecordFunction::Instantaneous);
    assert_eq!(
        one(&[0x14, 0x13, 1, 0, 0, 0]).dib.function,
        RecordFunction::Maximum
    );
    assert_eq!(
        one(&[0x24, 0x13, 1, 0, 0, 0]).dib.function,
        RecordFunction::Minimum
    );
    assert_eq!(
        one(&[0x34, 0x13, 1, 0, 0, 0]).dib.function,
        RecordFunction::ErrorState
    );
    // the DIFE bound is configurable
    let mut many = vec![0x84];
    many.extend([0x80; 11]);
    many.extend([0x00, 0x13, 1, 0, 0, 0]);
    assert!(matches!(
        Records::new(&many, DecodeOptions::STRICT).next().unwrap(),
        Err(Error::TooManyDife { limit: 10, .. })
    ));
    let opts = DecodeOptions {
        max_dife: 15,
        ..DecodeOptions::STRICT
    };
    assert!(Records::new(&many, opts).next().unwrap().is_ok());
}

#[test]
fn primary_vif_units() {
    let cases: &[(&[u8], f64, SiUnit)] = &[
        (&[0x01, 0x06, 2], 2000.0, SiUnit::WattHour),     // kWh
        (&[0x01, 0x0E, 2], 2e6, SiUnit::Joule),           // MJ
        (&[0x01, 0x16, 2], 2.0, SiUnit::CubicMetre),      // m³
        (&[0x01, 0x1B, 2], 2.0, SiUnit::Kilogram),        // kg
        (&[0x01, 0x22, 2], 7200.0, SiUnit::Second),       // on time, hours
        (&[0x01, 0x27, 2], 172_800.0, SiUnit::Second),    // operating time, days
        (&[0x01, 0x2E, 2], 2000.0, SiUnit::Watt),         // kW
        (&[0x01, 0x33, 2], 2000.0, SiUnit::JoulePerHour), // kJ/h
        (&[0x01, 0x3B, 2], 0.002, SiUnit::CubicMetrePerHour),
        (&[0x01, 0x47, 2], 2.0, SiUnit::CubicMetrePerMinute),
        (&[0x01, 0x4F, 2], 0.02, SiUnit::CubicMetrePerSecond),
        (&[0x01, 0x53, 2], 2.0, SiUnit::KilogramPerHour),
        (&[0x01, 0x5A, 2], 0.2, SiUnit::DegreeCelsius),
        (&[0x01, 0x5E, 2], 0.2, SiUnit::DegreeCelsius),
        (&[0x01, 0x61, 2], 0.02, SiUnit::Kelvin),
        (&[0x01, 0x67, 2], 2.0, SiUnit::DegreeCelsius),
        (&[0x01, 0x68, 2], 0.002, SiUnit::Bar),
        (&[0x01, 0x6E, 2], 2.0, SiUnit::Hca),
        (&[0x01, 0x71, 2], 120.0, SiUnit::Second),
        (&[0x01, 0x74, 2], 2.0, SiUnit::Second),
    ];
    for (bytes, value, unit) in cases {
        let (v, u) = scaled(bytes);
        assert!(approx(v, *value) && u == *unit, "{bytes:02X?}: {v} {u:?}");
    }
    let r = one(&[0x0C, 0x78, 0x78, 0x56, 0x34, 0x12]);
    assert_eq!(r.info().unwrap().quantity, Quantity::FabricationNumber);
    assert_eq!(r.scaler_unit().unwrap().unit, obis::Unit::COUNT);
}

#[test]
fn extension_tables() {
    // FD 48: volts 10^-1, FD 59: mA
    assert_eq!(
        scaled(&[0x02, 0xFD, 0x48, 0xE8, 0x08]),
        (228.0, SiUnit::Volt)
    );
    let (v, u) = scaled(&[0x02, 0xFD, 0x59, 0x10, 0x00]);
    assert!(approx(v, 0.016) && u == SiUnit::Ampere);
    assert_eq!(
        one(&[0x01, 0xFD, 0x17, 0x00]).info().unwrap().quantity,
        Quantity::ErrorFlags
    );
    assert_eq!(
        one(&[0x01, 0xFD, 0x0E, 0x05]).info().unwrap().quantity,
        Quantity::FirmwareVersion
    );
    assert_eq!(
        scaled(&[0x01, 0xFD, 0x74, 0x02]),
        (172_800.0, SiUnit::Second)
    );
    // FB 01: MWh, FB 1A: 0.1 % relative humidity, FB 2E: 0.1 Hz
    assert_eq!(scaled(&[0x01, 0xFB, 0x01, 0x03]), (3e6, SiUnit::WattHour));
    let (v, u) = scaled(&[0x02, 0xFB, 0x1A, 0x0A, 0x02]);
    assert!(approx(v, 52.2) && u == SiUnit::Percent);
    let (v, u) = scaled(&[0x02, 0xFB, 0x2E, 0xF4, 0x01]);
    assert!(approx(v, 50.0) && u == SiUnit::Hertz);
    // FD without its extension byte
    assert!(matches!(
        Records::new(&[0x01, 0xFD], DecodeOptions::STRICT)
            .next()
            .unwrap(),
        Err(Error::Truncated { what: "VIFE", .. })
    ));
}

#[test]
fn combinable_vifes() {
    // energy Wh with VIFE 74 (×10^-2), VIFE 3B (forward flow only)
    let r = one(&[0x02, 0x83, 0xF4, 0x3B, 0x10, 0x27]);
    let vib = r.vib.unwrap();
    assert_eq!(vib.vif, Vif::Primary(0x03));
    assert_eq!(
        vib.combinable().collect::<Vec<_>>(),
        vec![Vife(0x74), Vife(0x3B)]
    );
    assert!(approx(r.scaled().unwrap().value, 100.0));
    assert_eq!(r.scaler_unit().unwrap().scaler, -2);
    // additive correction 10^(nn-3) in the VIF unit: 78 → +0.001 × 10^0 Wh
    let r = one(&[0x01, 0x83, 0x7B, 0x01]);
    assert!(approx(r.scaled().unwrap().value, 1.0 + 1.0));
    // record error VIFE 15 (no data available)
    assert_eq!(
        one(&[0x00, 0x93, 0x15]).vib.unwrap().record_error(),
        Some(0x15)
    );
    // a time point via VIFE: start date of (39) on a volume record
    assert!(matches!(
        one(&[0x02, 0x93, 0x39, 0xCD, 0x13]).value,
        Value::Date(_)
    ));
    // manufacturer specific VIF keeps the data field decoding and the raw bytes
    let r = one(&[0x02, 0xFF, 0x01, 0x34, 0x12]);
    assert_eq!(r.vib.unwrap().vif, Vif::Manufacturer);
    assert_eq!(
        (r.value, r.data),
        (Value::Integer(0x1234), &[0x34, 0x12][..])
    );
    // the VIFE bound
    let mut many = vec![0x01, 0x83];
    many.extend([0xA0; 10]);
    many.extend([0x20, 0x01]);
    assert!(matches!(
        Records::new(&many, DecodeOptions::STRICT).next().unwrap(),
        Err(Error::TooManyVife { limit: 10, .. })
    ));
}

#[test]
fn plain_text_vif_in_both_orders() {
    // text first (field order): FC 03 "HR%" 74 then data
    let field = [0x02, 0xFC, 0x03, b'H', b'R', b'%', 0x74, 0xD4, 0x11];
    // VIFEs first (EN 13757-3 order): FC 74 03 "HR%" then data
    let standard = [0x02, 0xFC, 0x74, 0x03, b'H', b'R', b'%', 0xD4, 0x11];
    for bytes in [&field, &standard] {
        let r = one(bytes);
        let vib = r.vib.unwrap();
        assert_eq!(vib.vif, Vif::PlainText);
        assert!(vib.text.eq_str("%RH"));
        assert_eq!(vib.text.to_string(), "%RH");
        assert_eq!(vib.combinable().next(), Some(Vife(0x74)));
        assert_eq!(r.value, Value::Integer(0x11D4));
        assert!(approx(r.scaled().unwrap().value, 45.64));
    }
    // forced orders
    let text_first = DecodeOptions {
        plain_text: PlainTextOrder::TextFirst,
        ..DecodeOptions::STRICT
    };
    assert!(Records::new(&field, text_first).next().unwrap().is_ok());
    let vife_first = DecodeOptions {
        plain_text: PlainTextOrder::VifeFirst,
        ..DecodeOptions::STRICT
    };
    assert!(Records::new(&standard, vife_first).next().unwrap().is_ok());
    // 7C: no VIFE
    let r = one(&[0x01, 0x7C, 0x01, b'X', 0x05]);
    assert!(r.vib.unwrap().text.eq_str("X"));
}

#[test]
fn dates_and_times() {
    let Value::Date(d) = one(&[0x02, 0x6C, 0xCD, 0x13]).value else {
        panic!()
    };
    assert_eq!((d.year, d.month, d.day), (2014, 3, 13));
    let Value::DateTime(dt) = one(&[0x04, 0x6D, 0x0B, 0x0B, 0xCD, 0x13]).value else {
        panic!()
    };
    assert_eq!((dt.date.year, dt.time.hour, dt.time.minute), (2014, 11, 11));
    let Value::Time(t) = one(&[0x03, 0x6D, 0x1E, 0x0F, 0x0C]).value else {
        panic!()
    };
    assert_eq!((t.hour, t.minute, t.second), (12, 15, 30));
    let Value::DateTime(i) = one(&[0x06, 0x6D, 0x1E, 0x0F, 0x2C, 0x8D, 0x23, 0x4B]).value else {
        panic!()
    };
    assert_eq!(
        (i.date.year, i.time.second, i.weekday, i.week),
        (2020, 30, 1, 11)
    );
    // battery change date (FD 70)
    assert!(matches!(
        one(&[0x04, 0xFD, 0x70, 0, 0, 0x21, 0x01]).value,
        Value::DateTime(_)
    ));
}

#[test]
fn special_functions() {
    // 2F fillers are skipped; 0F takes the rest as manufacturer data
    let recs: Vec<_> = Records::new(
        &[0x2F, 0x2F, 0x01, 0x13, 0x01, 0x0F, 0xAA, 0xBB],
        DecodeOptions::STRICT,
    )
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].value, Value::Manufacturer(&[0xAA, 0xBB]));
    assert_eq!(recs[1].offset, 5);
    // 1F: more records follow
    let mut it = Records::new(&[0x1F], DecodeOptions::STRICT);
    assert!(it.next().unwrap().is_ok());
    assert!(it.more_records_follow());
    // 7F: global readout request; 3F: reserved
    assert_eq!(
        Records::new(&[0x7F], DecodeOptions::STRICT)
            .next()
            .unwrap()
            .unwrap()
            .kind,
        mbus::RecordKind::GlobalReadout
    );
    assert!(matches!(
        Records::new(&[0x3F], DecodeOptions::STRICT).next().unwrap(),
        Err(Error::Invalid { offset: 0, .. })
    ));
    // truncated data is never accepted
    for opts in [DecodeOptions::STRICT, DecodeOptions::LENIENT] {
        assert!(matches!(
            Records::new(&[0x04, 0x13, 0x01, 0x02], opts)
                .next()
                .unwrap(),
            Err(Error::Truncated {
                what: "data",
                offset: 2,
                needed: 2
            })
        ));
    }
}

/// FB table codes checked against EN 13757-3:2018 table 14.
#[test]
fn fb_apparent_power_and_reserved_codes() {
    // E011 01nn: apparent power 10^(nn-3) kVA
    for (code, exponent) in [(0x34, 0), (0x35, 1), (0x36, 2), (0x37, 3)] {
        let i = Vif::Fb(code).info();
        assert_eq!(
            (i.quantity, i.unit, i.exponent),
            (Quantity::ApparentPower, SiUnit::VoltAmpere, exponent)
        );
    }
    // E011 001n is reserved
    for code in [0x32, 0x33, 0x06, 0x07, 0x38, 0x57] {
        assert_eq!(
            Vif::Fb(code).info().quantity,
            Quantity::Reserved,
            "{code:02X}"
        );
    }
    // legacy M-Bus 4.8 meanings of codes the 2018 edition leaves reserved
    assert_eq!(Vif::Fb(0x23).info().unit, SiUnit::UsGallon);
    assert_eq!(Vif::Fb(0x58).info().unit, SiUnit::DegreeFahrenheit);
    // a record: DIF 02, VIF FB 36 (10^2 VA), 5 -> 500 VA
    let rec = one(&[0x02, 0xFB, 0x36, 0x05, 0x00]);
    let s = rec.scaled().unwrap();
    assert_eq!(s.unit, SiUnit::VoltAmpere);
    assert!((s.value - 500.0).abs() < 1e-9);
}
