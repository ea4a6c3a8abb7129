//! Templates (built-in and TOML), sub-meter channels and typed fields.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::float_cmp,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use e450::push::Message;
use e450::push::{
    PushConfig, PushError, PushListener, Template, TemplateEntry, TemplateError, decode_body,
};
use e450::reading::{Layout, Raw};
use obis::{Unit, obis};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The Netz Burgenland body of the corpus (`plain_burgenland_tasmota23027`), public issue.
const BURGENLAND: &str = "020B1200E41200E21200E612030D1205CA12028306000015380600000000060263BD78060000000009083330303532303032";

#[test]
fn builtin_burgenland_decodes_the_published_body() {
    let Ok(config_t) = Template::builtin("burgenland") else {
        panic!()
    };
    assert_eq!(config_t.entries.len(), 11);
    let config = PushConfig {
        template: Some(config_t),
        ..PushConfig::default()
    };
    let bytes = hex(BURGENLAND);
    let r = decode_body(&bytes, &config).unwrap();
    assert_eq!(r.layout, Layout::Values);
    assert_eq!(r.voltage, [Some(228.0), Some(226.0), Some(230.0)]);
    assert_eq!(r.current, [Some(7.81), Some(14.82), Some(6.43)]);
    assert_eq!(r.active_power_import, Some(5432.0));
    assert_eq!(r.active_energy_import, Some(40_091_000.0));
    assert_eq!(r.serial.as_deref(), Some("30052002"));
    assert_eq!(r.timestamp, None);
}

#[test]
fn a_user_template_in_toml() {
    let t = Template::from_toml(
        r#"
name = "three"
[[value]]
obis = "1-0:32.7.0*255"
scaler = -1
unit = "V"
[[value]]
obis = "1-0:1.8.0*255"
[[value]]
clock = true
"#,
    )
    .unwrap();
    assert_eq!(t.name, "three");
    assert_eq!(
        t.entries[0],
        TemplateEntry::Object {
            obis: obis!("1-0:32.7.0"),
            class: 3,
            attribute: 2,
            scaler: -1,
            unit: Some(Unit::VOLT)
        }
    );
    // Defaults come from the registry.
    assert_eq!(
        t.entries[1],
        TemplateEntry::Object {
            obis: obis!("1-0:1.8.0"),
            class: 3,
            attribute: 2,
            scaler: 0,
            unit: Some(Unit::WATT_HOUR)
        }
    );
    assert_eq!(t.entries[2], TemplateEntry::Clock);
    // structure { 2301 (230.1 V), 1234 Wh, date-time 2024-08-22 10:45:55 DST }
    let body = hex("02031208FD06000004D2090C07E80816040A2D37FF800081");
    let r = decode_body(
        &body,
        &PushConfig {
            template: Some(t.clone()),
            ..PushConfig::default()
        },
    )
    .unwrap();
    assert_eq!(r.voltage[0], Some(230.1));
    assert_eq!(r.active_energy_import, Some(1234.0));
    assert_eq!(r.values[1].value.as_f64(), Some(1.234));
    assert_eq!(r.values[1].unit.as_deref(), Some("kWh"));
    let ts = r.timestamp.unwrap();
    assert_eq!(ts.local, "2024-08-22T10:45:55");
    assert!(ts.dst);
    assert_eq!(ts.deviation, None);
    assert_eq!(ts.status, 0x81);
    // A body that does not fit the template is an error, not a guess.
    let short = hex("02021208FD06000004D2");
    assert!(matches!(
        decode_body(
            &short,
            &PushConfig {
                template: Some(t),
                ..PushConfig::default()
            }
        ),
        Err(PushError::Layout { .. })
    ));
    // And without a template a values-only body is refused.
    assert!(matches!(
        decode_body(&body, &PushConfig::default()),
        Err(PushError::Layout { .. })
    ));
}

#[test]
fn template_errors_name_the_entry() {
    assert!(matches!(
        Template::from_toml("name = 3"),
        Err(TemplateError::Syntax(_))
    ));
    assert!(matches!(
        Template::from_toml("[[value]]\nobis = \"1-0:1.8.0\"\n[[value]]\nobis = \"nope\""),
        Err(TemplateError::Obis { index: 1, .. })
    ));
    assert!(matches!(
        Template::from_toml("[[value]]\nobis = \"1-0:1.8.0*255\"\nunit = \"furlong\""),
        Err(TemplateError::Unit { index: 0, .. })
    ));
    assert!(matches!(
        Template::from_toml("[[value]]\nscaler = 1"),
        Err(TemplateError::Missing { index: 0 })
    ));
    assert!(matches!(
        Template::from_toml("[[value]]\nobiss = \"x\""),
        Err(TemplateError::Syntax(_))
    ));
    assert!(matches!(
        Template::builtin("elsewhere"),
        Err(TemplateError::UnknownName(_))
    ));
}

#[test]
fn sub_meter_channels_and_empty_ids() {
    // Self-describing push: ids of channels 1 and 2, values of channels 1 and 2 (class 4).
    let apdu = hex(concat!(
        "0F0004157A00",
        "0205",
        "0105",
        "02041200280906000B190900FF0F02120000",
        "020412000109060001600100FF0F02120000",
        "020412000109060002600100FF0F02120000",
        "020412000409060001180201FF0F02120000",
        "020412000409060002180201FF0F02120000",
        "09083234353231363632",
        "090100",
        "0500007751",
        "05FFFFFFFF",
    ));
    let mut l = PushListener::new(PushConfig::default());
    let Ok(Message::Reading(r)) = l.decode_apdu(&apdu, 0) else {
        panic!()
    };
    assert_eq!(r.layout, Layout::SelfDescribing);
    assert_eq!(r.submeters.len(), 2);
    assert_eq!(r.submeters[0].channel, 1);
    assert_eq!(r.submeters[0].id.as_deref(), Some("24521662"));
    assert_eq!(r.submeters[0].value, Some(30545));
    assert_eq!(r.submeters[1].id, None);
    assert_eq!(r.submeters[1].value, Some(-1));
    assert_eq!(r.get(obis!("0-2:24.2.1")).unwrap().raw, Raw::Int(-1));
    assert_eq!(l.stats().messages, 1);
}
