//! Every stream of the E450 customer-interface corpus reaches its `required_outcome`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::float_cmp,
    missing_docs
)]

use std::path::PathBuf;

use dlms::security::{AuthenticationKey, EncryptionKey};
use e450::push::{
    Message, PushConfig, PushError, PushListener, Template, decode_apdu, decode_body,
};
use e450::reading::{Layout, Raw, Reading, ReadingValue, Security};
use obis::ObisCode;
use serde_json::Value as Json;

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus folder {} is missing", dir.display());
    } else {
        println!("corpus folder {} absent: skipping", dir.display());
        None
    }
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn entries() -> Option<Vec<Json>> {
    let dir = corpus_dir()?;
    let text = std::fs::read_to_string(dir.join("e450_cii.json")).unwrap();
    Some(serde_json::from_str::<Vec<Json>>(&text).unwrap())
}

/// The key published with issue 54 (it is the wrong key for that frame).
const ISSUE54_KEY: &str = "6E3272357538782F443F442B472D4B64";

fn config_for(e: &Json) -> PushConfig {
    let name = e["name"].as_str().unwrap();
    let mut key = e["encryption_key"]
        .as_str()
        .map(|k| EncryptionKey::from_hex(k).unwrap());
    if name == "scs_issue54_burgenland_wrong_key" {
        key = Some(EncryptionKey::from_hex(ISSUE54_KEY).unwrap());
    }
    let auth_key = e["authentication_key"]
        .as_str()
        .map(|k| AuthenticationKey::from_hex(k).unwrap());
    let template = if name.contains("workshop_meter") || name.contains("wiener_netze") {
        Some(Template::builtin("wiener-netze").unwrap())
    } else if name.contains("burgenland_tasmota") {
        Some(Template::builtin("burgenland").unwrap())
    } else {
        None
    };
    PushConfig {
        key,
        auth_key,
        template,
        replay_guard: true,
    }
}

/// Runs a stream through a listener in chunks of `chunk` bytes (0 = whole).
pub fn run(bytes: &[u8], config: &PushConfig, chunk: usize) -> Vec<Result<Message, PushError>> {
    let mut l = PushListener::new(config.clone());
    let mut out = Vec::new();
    if chunk == 0 {
        l.feed(bytes);
        out.extend(l.messages());
    } else {
        for c in bytes.chunks(chunk) {
            l.feed(c);
            out.extend(l.messages());
        }
    }
    out.extend(l.finish().into_iter().map(Err));
    out
}

fn items_json(items: &[Result<Message, PushError>]) -> Vec<Json> {
    items
        .iter()
        .map(|i| match i {
            Ok(m) => m.to_json_value(),
            Err(e) => e.to_json_value(),
        })
        .collect()
}

/// `2026-05-04 11:39:21 dow=1 ...` → `2026-05-04T11:39:21`.
fn iso(reference_dt: &str) -> String {
    let mut parts = reference_dt.split(' ');
    let (d, t) = (parts.next().unwrap(), parts.next().unwrap());
    format!("{d}T{t}")
}

fn obis_of(s: &str) -> ObisCode {
    let text = s.strip_prefix("OBIS ").unwrap();
    let (head, f) = text.rsplit_once('.').unwrap();
    format!("{head}*{f}").parse().unwrap()
}

fn check_value(v: &ReadingValue, expected: &Json, ctx: &str) {
    match expected {
        Json::Number(n) => {
            let got = match v.raw {
                Raw::Int(i) => i as f64,
                Raw::UInt(u) => u as f64,
                Raw::Float(f) => f,
                Raw::Text(ref t) => panic!("{ctx}: {} expected {n}, found text {t}", v.obis),
            };
            assert_eq!(got, n.as_f64().unwrap(), "{ctx}: {}", v.obis);
            // The scaled value is the raw value with the scaler (and kWh) applied.
            let exp = i32::from(v.scaler)
                - if matches!(v.unit.as_deref(), Some("kWh" | "kvarh")) {
                    3
                } else {
                    0
                };
            let want = got * 10f64.powi(exp);
            let value = v.value.as_f64().unwrap();
            assert!(
                (value - want).abs() <= want.abs() * 1e-12,
                "{ctx}: {} {value} {want}",
                v.obis
            );
        }
        Json::String(s) => {
            let Raw::Text(t) = &v.raw else {
                panic!("{ctx}: {} expected {s}, found {:?}", v.obis, v.raw)
            };
            if let Some(x) = s.strip_prefix("STR ") {
                assert_eq!(t, x, "{ctx}");
            } else if let Some(x) = s.strip_prefix("HEX ") {
                assert_eq!(t.to_lowercase(), x.to_lowercase(), "{ctx}");
            } else if let Some(x) = s.strip_prefix("DT ") {
                assert_eq!(*t, iso(x), "{ctx}");
            } else {
                panic!("{ctx}: unknown reference value {s}");
            }
        }
        Json::Array(a) if a[0] == "enum" => {
            assert_eq!(v.raw, Raw::UInt(a[1].as_u64().unwrap()), "{ctx}");
        }
        other => panic!("{ctx}: unknown reference value {other}"),
    }
}

/// Asserts every value of one `reference_decoding` message.
fn check_reading(r: &Reading, reference: &Json, ctx: &str) {
    let body = if reference.get("body").is_some() {
        &reference["body"]
    } else {
        reference
    };
    assert_eq!(body[0], "struct", "{ctx}");
    let elems = body[1].as_array().unwrap();
    if let Some(h) = reference
        .get("header_datetime")
        .or_else(|| reference.get("datetime"))
        .and_then(Json::as_str)
    {
        assert_eq!(
            r.timestamp.as_ref().unwrap().local,
            iso(h),
            "{ctx}: timestamp"
        );
    }
    match r.layout {
        Layout::SelfDescribing => {
            let list = elems[0][1].as_array().unwrap();
            let mut checked = 0;
            for (entry, value) in list.iter().zip(elems) {
                let fields = entry[1].as_array().unwrap();
                if fields[0] == 40 {
                    continue;
                }
                let code = obis_of(fields[1].as_str().unwrap());
                let v = r
                    .get(code)
                    .unwrap_or_else(|| panic!("{ctx}: {code} missing"));
                assert_eq!(
                    u64::from(v.class),
                    fields[0].as_u64().unwrap(),
                    "{ctx}: class"
                );
                check_value(v, value, ctx);
                checked += 1;
            }
            assert_eq!(r.values.len(), checked, "{ctx}: value count");
        }
        Layout::Pairs => {
            let mut rest = &elems[..];
            if rest[0].as_str().is_some_and(|s| s.starts_with("DT ")) {
                check_value(&r.values[0], &rest[0], ctx);
                rest = &rest[1..];
            }
            for pair in rest.chunks(2) {
                let code = obis_of(pair[0].as_str().unwrap());
                check_value(r.get(code).unwrap(), &pair[1], ctx);
            }
            assert_eq!(
                r.values.len(),
                elems.len().div_ceil(2),
                "{ctx}: value count"
            );
        }
        Layout::Values => {
            assert_eq!(r.values.len(), elems.len(), "{ctx}: value count");
            for (v, e) in r.values.iter().zip(elems) {
                check_value(v, e, ctx);
            }
        }
    }
}

fn expected_security(outcome: &str) -> Security {
    if outcome.contains("(authenticated") {
        Security::Authenticated
    } else if outcome.contains("(decrypted") {
        Security::Decrypted
    } else {
        Security::None
    }
}

fn readings(items: &[Result<Message, PushError>]) -> Vec<&Reading> {
    items
        .iter()
        .filter_map(|i| match i {
            Ok(Message::Reading(r)) => Some(&**r),
            _ => None,
        })
        .collect()
}

#[test]
fn every_stream_reaches_its_required_outcome() {
    let Some(entries) = entries() else { return };
    assert_eq!(entries.len(), 21);
    for e in &entries {
        let name = e["name"].as_str().unwrap();
        let outcome = e["required_outcome"].as_str().unwrap();
        let bytes = hex(e["stream_hex"].as_str().unwrap());
        let config = config_for(e);
        let items: Vec<Result<Message, PushError>> = match bytes[0] {
            0x7E => {
                let whole = run(&bytes, &config, 0);
                for chunk in [1, 7] {
                    assert_eq!(
                        items_json(&run(&bytes, &config, chunk)),
                        items_json(&whole),
                        "{name}: chunks of {chunk}"
                    );
                }
                whole
            }
            0x0F | 0xDB => vec![decode_apdu(&bytes, &config)],
            _ => vec![decode_body(&bytes, &config).map(|r| Message::Reading(Box::new(r)))],
        };
        let errors: Vec<&PushError> = items.iter().filter_map(|i| i.as_ref().err()).collect();
        let got = readings(&items);
        match name {
            "scs_unencrypted_valid_data" => {
                assert_eq!(items.len(), 2, "{name}");
                assert!(
                    matches!(
                        errors[..],
                        [PushError::MissingBlock {
                            offset: 0,
                            expected: 3,
                            found: 1
                        }]
                    ),
                    "{name}: {errors:?}"
                );
                assert_eq!(got.len(), 1);
            }
            "scs_issue45_graz_first_block" => {
                assert_eq!(items.len(), 1, "{name}");
                assert!(
                    matches!(errors[..], [PushError::Incomplete { offset: 0, next: 2 }]),
                    "{name}: {errors:?}"
                );
                continue;
            }
            "scs_issue54_burgenland_wrong_key" => {
                assert_eq!(items.len(), 1, "{name}");
                assert!(
                    matches!(errors[..], [PushError::WrongKey { offset: 0 }]),
                    "{name}: {errors:?}"
                );
                // With an authentication key the tag check fails instead.
                let with_ak = PushConfig {
                    auth_key: Some(AuthenticationKey::new([0x55; 16])),
                    ..config.clone()
                };
                let items = run(&bytes, &with_ak, 0);
                assert!(
                    matches!(items[..], [Err(PushError::Security { offset: 0, .. })]),
                    "{name}: {items:?}"
                );
                continue;
            }
            "amsreader501_burgenland_no_key" => {
                assert_eq!(items.len(), 1, "{name}");
                let Ok(Message::Encrypted(enc)) = &items[0] else {
                    panic!("{name}: {items:?}")
                };
                assert_eq!(enc.offset, 0);
                assert_eq!(enc.security_control, 0x30);
                assert_eq!(&enc.system_title[..3], b"LGZ");
                let j = items[0].as_ref().unwrap().to_json_value();
                assert_eq!(j["kind"], "encrypted");
                assert_eq!(j["frame_counter"], enc.frame_counter);
                continue;
            }
            "dlms_parser_hdlc_landis_gyr_zmf100_norway" => {
                assert!(got.is_empty(), "{name}");
                assert!(!errors.is_empty(), "{name}");
                assert!(
                    errors.iter().all(|e| matches!(e, PushError::Frame { .. })),
                    "{name}: {errors:?}"
                );
                continue;
            }
            _ => {
                assert!(errors.is_empty(), "{name}: {errors:?}");
            }
        }
        let rd = &e["reference_decoding"];
        let reference = match rd.as_array() {
            Some(list) if rd[0] != "struct" => list.clone(),
            _ => vec![rd.clone()],
        };
        assert_eq!(
            got.len(),
            reference.len(),
            "{name}: message count ({outcome})"
        );
        for (i, (r, reference)) in got.iter().zip(&reference).enumerate() {
            let ctx = format!("{name}[{i}]");
            check_reading(r, reference, &ctx);
            assert_eq!(r.security, expected_security(outcome), "{ctx}");
            if let Some(glo) = reference.get("glo").filter(|g| !g.is_null()) {
                assert_eq!(
                    r.frame_counter,
                    glo["frame_counter"].as_u64().map(|c| c as u32),
                    "{ctx}"
                );
                let title: String = r
                    .system_title
                    .unwrap()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(title, glo["system_title"], "{ctx}");
            }
        }
    }
}

#[test]
fn vse_2026_matches_the_published_values_and_the_cli_json() {
    let Some(entries) = entries() else { return };
    let e = entries
        .iter()
        .find(|e| e["name"] == "scs_unencrypted_vse_2026")
        .unwrap();
    let items = run(
        &hex(e["stream_hex"].as_str().unwrap()),
        &PushConfig::default(),
        0,
    );
    let r = readings(&items)[0];
    assert_eq!(r.serial.as_deref(), Some("1909113"));
    assert_eq!(r.active_power_import, Some(28.0));
    assert_eq!(r.active_power_export, Some(0.0));
    assert_eq!(r.active_energy_import, Some(482_939.0));
    assert_eq!(r.active_energy_export, Some(0.0));
    assert_eq!(r.reactive_energy_import, Some(37.0));
    assert_eq!(r.reactive_energy_export, Some(344_697.0));
    assert_eq!(r.voltage, [Some(236.0), Some(236.0), Some(0.0)]);
    assert_eq!(r.current, [Some(0.09), Some(0.08), Some(0.0)]);
    let j = r.to_json_value();
    assert_eq!(j["kind"], "push");
    assert_eq!(j["offset"], 0);
    assert_eq!(j["timestamp"], "2026-05-04T11:39:20");
    assert_eq!(j["dst"], false);
    assert_eq!(j["system_title"], Json::Null);
    assert_eq!(j["serial"], "1909113");
    assert_eq!(j["frame_counter"], Json::Null);
    assert_eq!(j["security"], "none");
    assert_eq!(j["layout"], "self-describing");
    let energy = j["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["obis"] == "1-1:1.8.0*255")
        .unwrap();
    assert_eq!(
        *energy,
        serde_json::json!({"obis":"1-1:1.8.0*255","class":3,"quantity":"active_energy_import",
            "value":482.939,"unit":"kWh","raw":482939,"scaler":0})
    );
    // The clock value keeps its DST flag (status 0x81: L+G sets bit 0 as well).
    let clock = r.get(obis::obis!("0-0:1.0.0")).unwrap();
    assert_eq!(clock.raw, Raw::Text("2026-05-04T11:39:21".into()));
}

#[test]
fn serial_comes_from_the_system_title_when_not_pushed() {
    let Some(entries) = entries() else { return };
    let e = entries
        .iter()
        .find(|e| e["name"] == "horfic_graz_8_pushes")
        .unwrap();
    let items = run(&hex(e["stream_hex"].as_str().unwrap()), &config_for(e), 0);
    let got = readings(&items);
    assert_eq!(got.len(), 8);
    for r in &got {
        let title = r.system_title.unwrap();
        assert_eq!(
            r.serial.as_deref(),
            Some(
                e450::reading::serial_from_system_title(&title)
                    .unwrap()
                    .to_string()
                    .as_str()
            )
        );
        assert_eq!(r.layout, Layout::Pairs);
    }
    // The offsets step by the three frames of each push.
    assert_eq!(got[0].offset, 0);
    assert!(got.windows(2).all(|w| w[0].offset < w[1].offset));
}

#[test]
fn replay_guard_rejects_a_repeated_push() {
    let Some(entries) = entries() else { return };
    let e = entries
        .iter()
        .find(|e| e["name"] == "dlms_parser_hdlc_landis_gyr_e450")
        .unwrap();
    let bytes = hex(e["stream_hex"].as_str().unwrap());
    let mut twice = bytes.clone();
    twice.extend_from_slice(&bytes);
    let items = run(&twice, &config_for(e), 0);
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(
        matches!(items[1], Err(PushError::Replay { offset, .. }) if offset == bytes.len()),
        "{items:?}"
    );
    let off = PushConfig {
        replay_guard: false,
        ..config_for(e)
    };
    assert!(run(&twice, &off, 0).iter().all(Result::is_ok));
}

#[test]
fn without_the_auth_key_a_push_is_decrypted_not_authenticated() {
    let Some(entries) = entries() else { return };
    let e = entries
        .iter()
        .find(|e| e["name"] == "dlms_parser_hdlc_landis_gyr_e450")
        .unwrap();
    let config = PushConfig {
        auth_key: None,
        ..config_for(e)
    };
    let items = run(&hex(e["stream_hex"].as_str().unwrap()), &config, 0);
    let r = readings(&items)[0];
    assert_eq!(r.security, Security::Decrypted);
    assert_eq!(r.active_energy_import, Some(4_408_736.0));
}

#[test]
fn a_tampered_push_is_rejected_with_the_auth_key() {
    let Some(entries) = entries() else { return };
    let e = entries
        .iter()
        .find(|e| e["name"] == "dlms_parser_hdlc_landis_gyr_e450")
        .unwrap();
    // Change one ciphertext byte of the message and re-seal the frames: run on the APDU.
    let bytes = hex(e["stream_hex"].as_str().unwrap());
    let config = config_for(e);
    let mut l = PushListener::new(PushConfig {
        replay_guard: false,
        ..config.clone()
    });
    l.feed(&bytes);
    assert!(l.next_message().unwrap().is_ok());
    // Reassemble the APDU by hand from the frames (every frame is E6E700?/E0 block).
    let mut apdu = Vec::new();
    let mut dec = hdlc::FrameDecoder::new();
    dec.feed(&bytes);
    while let Some(Ok(f)) = dec.next_frame() {
        let body = hdlc::Llc::strip(f.info);
        let g = dlms::apdu::GeneralBlockTransfer::parse(body).unwrap();
        apdu.extend_from_slice(g.block_data);
    }
    let n = apdu.len();
    apdu[n - 20] ^= 0x01;
    assert!(matches!(
        l.decode_apdu(&apdu, 0),
        Err(PushError::Security {
            error: dlms::security::SecurityError::TagMismatch,
            ..
        })
    ));
}

#[test]
fn json_output_matches_the_schema() {
    let Some(entries) = entries() else { return };
    let schema: Json =
        serde_json::from_str(include_str!("../../docs/schema/push.schema.json")).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for e in &entries {
        let bytes = hex(e["stream_hex"].as_str().unwrap());
        if bytes[0] != 0x7E {
            continue;
        }
        for j in items_json(&run(&bytes, &config_for(e), 0)) {
            kinds.insert(j["kind"].as_str().unwrap().to_owned());
            validate(&schema, &j);
        }
    }
    assert!(kinds.contains("push") && kinds.contains("encrypted") && kinds.contains("error"));

    // Wired M-Bus frames (libmbus corpus) and DLMS over M-Bus, all kinds.
    let dir = corpus_dir().unwrap().join("mbus/libmbus/test-frames");
    let mut stream = Vec::new();
    for path in std::fs::read_dir(dir).unwrap() {
        let path = path.unwrap().path();
        if path.extension().is_some_and(|x| x == "hex") {
            stream.extend(hex(&std::fs::read_to_string(path).unwrap()));
            stream.push(0x00);
        }
    }
    let mut kinds = std::collections::BTreeSet::new();
    for j in items_json(&run(&stream, &PushConfig::default(), 0)) {
        kinds.insert(j["kind"].as_str().unwrap().to_owned());
        validate(&schema, &j);
    }
    assert!(kinds.contains("mbus"), "{kinds:?}");
    let evn = corpus_dir()
        .unwrap()
        .join("dlms_over_mbus/evn_kaifa_ma309_sample.hex");
    let evn = hex(&std::fs::read_to_string(evn).unwrap());
    let key = corpus_dir()
        .unwrap()
        .join("dlms_over_mbus/evn_kaifa_ma309_sample.key");
    let key = EncryptionKey::from_hex(std::fs::read_to_string(key).unwrap().trim()).unwrap();
    let config = PushConfig {
        key: Some(key),
        ..PushConfig::default()
    };
    let items = items_json(&run(&evn, &config, 0));
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "push");
    validate(&schema, &items[0]);
}

/// A small JSON Schema subset checker: `oneOf` picked by the `kind` const, `required`,
/// `type` (string or list), `const`, `enum`, `properties`, `items`, `additionalProperties: false`.
fn validate(schema: &Json, v: &Json) {
    let defs = &schema["$defs"];
    let variant = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| resolve(defs, r))
        .find(|s| s["properties"]["kind"]["const"] == v["kind"])
        .unwrap_or_else(|| panic!("no schema for {v}"));
    check(defs, variant, v, "$");
}

fn resolve<'a>(defs: &'a Json, s: &'a Json) -> &'a Json {
    match s.get("$ref").and_then(Json::as_str) {
        Some(r) => &defs[r.strip_prefix("#/$defs/").unwrap()],
        None => s,
    }
}

fn check(defs: &Json, s: &Json, v: &Json, path: &str) {
    let s = resolve(defs, s);
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Json::String(t) => vec![t.as_str()],
            Json::Array(a) => a.iter().map(|t| t.as_str().unwrap()).collect(),
            _ => panic!(),
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_u64() || v.is_i64(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        assert!(ok, "{path}: {v} is not {types:?}");
    }
    if let Some(c) = s.get("const") {
        assert_eq!(v, c, "{path}");
    }
    if let Some(e) = s.get("enum").and_then(Json::as_array) {
        assert!(e.contains(v), "{path}: {v} not in {e:?}");
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            assert!(obj.contains_key(r.as_str().unwrap()), "{path}: missing {r}");
        }
        let props = s.get("properties").and_then(Json::as_object);
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(defs, ps, x, &format!("{path}.{k}")),
                None => assert!(
                    s.get("additionalProperties") != Some(&Json::Bool(false)),
                    "{path}: unexpected key {k}"
                ),
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            check(defs, items, x, &format!("{path}[{i}]"));
        }
    }
}
