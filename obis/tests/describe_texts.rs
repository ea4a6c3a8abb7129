//! `describe()` on real and tricky codes, with the exact expected text.
#![allow(missing_docs, clippy::unwrap_used)]

use obis::{
    Billing, Channel, Classification, ElectricityQuantity, Medium, ObisCode, ObjectGroup, Phase,
    Processing, QuantityKind, Tariff, describe,
};

const CASES: &[(&str, &str)] = &[
    (
        "1-0:1.8.0",
        "Active energy import (+A), time integral 1, total",
    ),
    (
        "1-0:1.8.1",
        "Active energy import (+A), time integral 1, tariff 1",
    ),
    (
        "1-1:1.8.0",
        "Active energy import (+A), time integral 1, total, channel 1",
    ),
    (
        "1-0:2.8.2",
        "Active energy export (-A), time integral 1, tariff 2",
    ),
    (
        "1-0:3.8.0",
        "Reactive energy import (+R), time integral 1, total",
    ),
    (
        "1-0:4.8.0",
        "Reactive energy export (-R), time integral 1, total",
    ),
    (
        "1-1:5.8.0",
        "Reactive energy QI, time integral 1, total, channel 1",
    ),
    ("1-0:8.8.0", "Reactive energy QIV, time integral 1, total"),
    ("1-0:1.7.0", "Active power import (+P), instantaneous value"),
    ("1-0:2.7.0", "Active power export (-P), instantaneous value"),
    (
        "1-0:3.7.0",
        "Reactive power import (+Q), instantaneous value",
    ),
    (
        "1-0:4.7.0",
        "Reactive power export (-Q), instantaneous value",
    ),
    (
        "1-0:21.7.0",
        "Active power import (+P) L1, instantaneous value",
    ),
    (
        "1-0:42.7.0",
        "Active power export (-P) L2, instantaneous value",
    ),
    ("1-0:32.7.0", "Voltage L1, instantaneous value"),
    ("1-0:52.7.0", "Voltage L2, instantaneous value"),
    ("1-0:72.7.0", "Voltage L3, instantaneous value"),
    ("1-0:31.7.0", "Current L1, instantaneous value"),
    ("1-0:71.7.0", "Current L3, instantaneous value"),
    ("1-0:91.7.0", "Neutral current, instantaneous value"),
    ("1-0:13.7.0", "Power factor, instantaneous value"),
    ("1-0:33.7.0", "Power factor L1, instantaneous value"),
    ("1-0:14.7.0", "Supply frequency, instantaneous value"),
    ("1-0:1.6.0", "Active power import (+P), maximum 1, total"),
    (
        "1-0:1.6.1*101",
        "Active power import (+P), maximum 1, tariff 1, last billing period",
    ),
    (
        "1-0:1.8.0*102",
        "Active energy import (+A), time integral 1, total, 2nd last billing period",
    ),
    (
        "1-0:1.8.0*3",
        "Active energy import (+A), time integral 1, total, billing period 3",
    ),
    (
        "1-0:1.4.0",
        "Active power import (+P), current average 1, total",
    ),
    (
        "1-0:1.5.0",
        "Active power import (+P), last average 1, total",
    ),
    (
        "1-0:1.29.0",
        "Active energy import (+A), time integral 5, total",
    ),
    (
        "1-0:9.8.0",
        "Apparent energy import (+S), time integral 1, total",
    ),
    ("1-0:16.7.0", "Active power |+P|-|-P|, instantaneous value"),
    (
        "1-0:81.7.4",
        "Phase angle I(L1) relative to U(L1), instantaneous value",
    ),
    (
        "1-0:81.7.26",
        "Phase angle I(L3) relative to U(L3), instantaneous value",
    ),
    (
        "1-0:32.7.124",
        "Voltage L1, instantaneous value, total harmonic distortion",
    ),
    (
        "1-0:31.7.3",
        "Current L1, instantaneous value, 3rd harmonic",
    ),
    ("1-0:32.32.0", "Voltage L1, under-limit occurrence counter"),
    ("1-0:0.2.0", "Active firmware identifier"),
    ("1-0:99.1.0", "Load profile with recording period 1"),
    ("1-0:99.2.0", "Load profile with recording period 2"),
    ("0-0:1.0.0", "Clock"),
    ("0-0:17.0.0", "Limiter"),
    ("0-0:40.0.0", "Association, current association"),
    ("0-0:42.0.0", "COSEM logical device name"),
    ("0-0:43.0.0", "Security setup"),
    ("0-0:43.1.0", "Invocation counter (frame counter)"),
    ("0-0:44.0.0", "Image transfer"),
    ("0-0:96.1.0", "Device ID 1 (manufacturing number)"),
    ("0-0:96.1.1", "Device ID 2"),
    ("0-0:96.3.10", "Disconnect control"),
    ("0-0:96.14.0", "Currently active tariff"),
    ("0-0:98.1.0", "Data of billing period (scheme 1)"),
    ("0-0:99.98.0", "Event log"),
    ("0-0:99.98.2", "Event log, instance 2"),
    ("0-1:24.1.0", "M-Bus client setup, channel 1"),
    (
        "0-2:96.1.0",
        "Device ID 1 (manufacturing number), channel 2",
    ),
    ("0-8:25.9.0", "Push setup, channel 8"),
    ("0-0:22.0.0", "IEC HDLC setup"),
    ("0-0:97.97.0", "Error register"),
    ("7-0:3.0.0", "Gas quantity 3, processing 0"),
    ("6-0:99.1.0", "Load profile with recording period 1 (heat)"),
    (
        "1-0:128.8.0",
        "Manufacturer-specific quantity 128, time integral 1, total",
    ),
    ("1-0:100.7.0", "Reserved quantity 100 (electricity)"),
    (
        "1-0:1.8.70",
        "Active energy import (+A), time integral 1, reserved classification 70",
    ),
    (
        "255-255:255.255.255*255",
        "Reserved quantity 255 (reserved medium 255), reserved channel 255",
    ),
];

#[test]
fn texts() {
    assert!(CASES.len() >= 40);
    for (code, expected) in CASES {
        let parsed: ObisCode = code.parse().unwrap();
        assert_eq!(describe(parsed).to_string(), *expected, "{code}");
    }
}

#[test]
fn structure_of_an_energy_register() {
    let d = describe("1-1:1.8.2*101".parse().unwrap());
    assert_eq!(d.medium, Medium::Electricity);
    assert_eq!(d.channel, Channel::Number(1));
    assert_eq!(
        d.quantity,
        QuantityKind::Electricity(ElectricityQuantity::ActivePowerImport)
    );
    assert!(d.is_energy());
    assert_eq!(d.phase, None);
    assert_eq!(d.processing, Processing::TimeIntegral(1));
    assert_eq!(d.classification, Classification::Tariff(Tariff::Rate(2)));
    assert_eq!(d.tariff(), Some(Tariff::Rate(2)));
    assert_eq!(d.billing, Some(Billing::Last(1)));
}

#[test]
fn structure_of_per_phase_and_objects() {
    let d = describe("1-0:71.7.0".parse().unwrap());
    assert_eq!(d.phase, Some(Phase::L3));
    assert_eq!(
        d.quantity,
        QuantityKind::Electricity(ElectricityQuantity::Current)
    );
    let d = describe("0-3:24.2.1".parse().unwrap());
    assert_eq!(d.medium, Medium::Abstract);
    assert_eq!(d.quantity, QuantityKind::Object(ObjectGroup::MBus));
    assert_eq!(d.object_name, Some("M-Bus value"));
    assert_eq!(d.processing, Processing::NotApplicable);
    let d = describe("1-0:81.7.15".parse().unwrap());
    assert!(matches!(d.classification, Classification::Angle { .. }));
}

#[test]
fn media() {
    for (a, medium) in [
        (0, Medium::Abstract),
        (1, Medium::Electricity),
        (4, Medium::HeatCostAllocator),
        (5, Medium::Cooling),
        (6, Medium::Heat),
        (7, Medium::Gas),
        (8, Medium::ColdWater),
        (9, Medium::HotWater),
        (2, Medium::Reserved(2)),
        (15, Medium::Reserved(15)),
    ] {
        assert_eq!(describe(ObisCode::new(a, 0, 1, 8, 0, 255)).medium, medium);
    }
}
