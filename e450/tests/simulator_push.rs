//! The push generator: what it emits decodes with `PushListener`, for every layout, plain
//! and encrypted (SC 0x20 with the key only, SC 0x30 with both keys), to the simulated
//! values.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use dlms::security::{AuthenticationKey, EncryptionKey};
use e450::push::{Message, PushConfig as ListenerConfig, PushListener, Template};
use e450::reading::{Layout, Reading, Security};
use e450::simulator::{
    PushConfig, PushEncryption, PushGenerator, PushLayout, SimClock, SimulatedMeter, TimeZone,
};

const KEY: &str = "000102030405060708090A0B0C0D0E0F";
const AUTH: &str = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";

fn meter() -> SimulatedMeter {
    let clock = SimClock::manual(
        TimeZone::CENTRAL_EUROPE,
        "2026-05-04T18:20:00".parse().unwrap(),
    );
    SimulatedMeter::new(1_909_113, 5, clock, 3)
}

fn layouts() -> Vec<PushLayout> {
    vec![
        PushLayout::SelfDescribing,
        PushLayout::Pairs,
        PushLayout::Values(Template::builtin("burgenland").unwrap()),
        PushLayout::Values(Template::builtin("wiener-netze").unwrap()),
    ]
}

fn decode(bytes: &[u8], listener: ListenerConfig) -> Vec<Reading> {
    let mut l = PushListener::new(listener);
    l.feed(bytes);
    let mut out = Vec::new();
    while let Some(m) = l.next_message() {
        match m.unwrap() {
            Message::Reading(r) => out.push(*r),
            other => panic!("{other:?}"),
        }
    }
    out
}

/// Equal up to the rounding of a decimal rescaling (the listener scales to kWh and back).
fn close(got: Option<f64>, want: f64) {
    let got = got.expect("value present");
    assert!(
        (got - want).abs() <= want.abs() * 1e-12 + 1e-9,
        "{got} != {want}"
    );
}

fn check(r: &Reading, meter: &mut SimulatedMeter, utc: i64, layout: &PushLayout) {
    let s = meter.snapshot(utc);
    let e = s.energies;
    close(r.active_energy_import, f64::from(e.import));
    close(r.active_energy_export, f64::from(e.export));
    let expected_layout = match layout {
        PushLayout::SelfDescribing => Layout::SelfDescribing,
        PushLayout::Pairs => Layout::Pairs,
        PushLayout::Values(_) => Layout::Values,
    };
    assert_eq!(r.layout, expected_layout);
    let name = match layout {
        PushLayout::Values(t) => t.name.as_str(),
        _ => "",
    };
    if name != "burgenland" {
        let ts = r.timestamp.as_ref().expect("timestamp");
        let json = serde_json::to_value(ts).unwrap();
        assert!(json.to_string().contains("2026-05-04T18:2"), "{json}");
        close(r.active_power_import, f64::from(s.slot.import));
    }
    if name != "wiener-netze" {
        close(r.voltage[0], f64::from(s.slot.voltage[0]));
    }
    if matches!(layout, PushLayout::SelfDescribing) || name == "burgenland" {
        close(r.current[1], f64::from(s.slot.current[1]) / 100.0);
        assert_eq!(r.serial.as_deref(), Some("1909113"));
    }
    if name == "wiener-netze" {
        close(r.reactive_energy_import, f64::from(e.reactive_import));
    }
    if matches!(layout, PushLayout::Pairs) {
        close(r.active_energy_import_tariff[0], f64::from(e.import_t1));
        close(r.frequency, f64::from(s.slot.frequency) / 100.0);
    }
}

fn listener_for(layout: &PushLayout) -> ListenerConfig {
    ListenerConfig {
        template: match layout {
            PushLayout::Values(t) => Some(t.clone()),
            _ => None,
        },
        ..ListenerConfig::default()
    }
}

#[test]
fn every_layout_plain() {
    for layout in layouts() {
        let mut m = meter();
        let mut g = PushGenerator::new(PushConfig {
            layout: layout.clone(),
            ..PushConfig::default()
        });
        let mut stream = Vec::new();
        let mut times = Vec::new();
        for k in 0..3 {
            let t = m.now() + 5 * k;
            stream.extend(g.frames(&mut m, t).unwrap());
            times.push(t);
        }
        let readings = decode(&stream, listener_for(&layout));
        assert_eq!(readings.len(), 3, "{layout:?}");
        for (r, &t) in readings.iter().zip(&times) {
            assert_eq!(r.security, Security::None);
            check(r, &mut m, t, &layout);
        }
    }
}

#[test]
fn the_self_describing_push_uses_block_transfer_and_llc_once() {
    let mut m = meter();
    let mut g = PushGenerator::new(PushConfig::default());
    let t = m.now();
    let bytes = g.frames(&mut m, t).unwrap();
    let mut d = hdlc::FrameDecoder::new();
    d.feed(&bytes);
    let mut infos = Vec::new();
    while let Some(f) = d.next_frame() {
        let f = f.unwrap();
        assert_eq!(f.dest.emit_array().as_slice(), &[0xCE, 0xFF]);
        assert_eq!(f.src.emit_array().as_slice(), &[0x03]);
        assert_eq!(f.control, hdlc::Control::Ui { pf: true });
        infos.push(f.info.to_vec());
    }
    assert!(infos.len() >= 2, "long enough for general-block-transfer");
    assert_eq!(&infos[0][..4], &[0xE6, 0xE7, 0x00, 0xE0]);
    assert_eq!(infos[0][4], 0x40); // streaming, not last
    assert_eq!(infos.last().unwrap()[0], 0xE0);
    assert_eq!(infos.last().unwrap()[1], 0xC0); // last block
}

#[test]
fn every_layout_encrypted_and_authenticated() {
    let key: EncryptionKey = KEY.parse().unwrap();
    let auth: AuthenticationKey = AUTH.parse().unwrap();
    for layout in layouts() {
        for with_tag in [false, true] {
            let mut m = meter();
            let encryption = if with_tag {
                PushEncryption::Authenticated(key.clone(), auth.clone())
            } else {
                PushEncryption::Encrypted(key.clone())
            };
            let mut g = PushGenerator::new(PushConfig {
                layout: layout.clone(),
                encryption,
                frame_counter: 41,
                ..PushConfig::default()
            });
            let t = m.now();
            let bytes = g.frames(&mut m, t).unwrap();
            assert_eq!(g.frame_counter(), 42);

            // With the key (and the authentication key when a tag is sent).
            let mut cfg = listener_for(&layout);
            cfg.key = Some(key.clone());
            if with_tag {
                cfg.auth_key = Some(auth.clone());
            }
            let r = decode(&bytes, cfg.clone());
            assert_eq!(r.len(), 1);
            assert_eq!(r[0].frame_counter, Some(41));
            assert_eq!(r[0].system_title, Some(m.system_title()));
            assert_eq!(
                r[0].security,
                if with_tag {
                    Security::Authenticated
                } else {
                    Security::Decrypted
                }
            );
            check(&r[0], &mut m, t, &layout);

            // Without a key: reported as encrypted, not decoded.
            let mut l = PushListener::new(listener_for(&layout));
            l.feed(&bytes);
            match l.next_message() {
                Some(Ok(Message::Encrypted(e))) => assert_eq!(e.frame_counter, 41),
                other => panic!("{other:?}"),
            }

            // A wrong authentication key is rejected, never decoded.
            if with_tag {
                let mut bad = cfg;
                bad.auth_key = Some("00112233445566778899AABBCCDDEEFF".parse().unwrap());
                let mut l = PushListener::new(bad);
                l.feed(&bytes);
                assert!(matches!(l.next_message(), Some(Err(_))));
            }
        }
    }
}

#[test]
fn a_user_template_with_other_scalers() {
    let t = Template::from_toml(
        r#"
name = "mine"
[[value]]
clock = true
[[value]]
obis = "1-0:1.8.0*255"
scaler = 3
unit = "Wh"
[[value]]
obis = "1-0:32.7.0*255"
scaler = -1
unit = "V"
"#,
    )
    .unwrap();
    let mut m = meter();
    let layout = PushLayout::Values(t);
    let mut g = PushGenerator::new(PushConfig {
        layout: layout.clone(),
        ..PushConfig::default()
    });
    let now = m.now();
    let r = decode(&g.frames(&mut m, now).unwrap(), listener_for(&layout));
    let s = m.snapshot(now);
    assert_eq!(r[0].voltage[0], Some(f64::from(s.slot.voltage[0])));
    let kwh = (f64::from(s.energies.import) / 1000.0).round() * 1000.0;
    assert_eq!(r[0].active_energy_import, Some(kwh));
}
