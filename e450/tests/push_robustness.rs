//! The push listener on a damaged line: garbage, truncated frames, bit flips and lost blocks
//! inserted with a fixed-seed PRNG. Every intact message is decoded, every damaged one is
//! reported, and no wrong value comes out.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::path::PathBuf;

use dlms::security::{AuthenticationKey, EncryptionKey};
use e450::push::{
    Message, PushConfig, PushError, PushListener, Template, decode_apdu, decode_body,
};
use proptest::prelude::*;
use serde_json::Value as Json;

fn corpus() -> Option<Vec<Json>> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if !dir.is_dir() {
        assert!(std::env::var_os("CI").is_none(), "corpus folder missing");
        println!("corpus folder absent: skipping");
        return None;
    }
    let text = std::fs::read_to_string(dir.join("e450_cii.json")).unwrap();
    Some(serde_json::from_str(&text).unwrap())
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// xorshift64*: a fixed, dependency-free PRNG.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The frames of a clean stream, grouped into complete messages.
fn messages(stream: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut frames = Vec::new();
    let mut p = 0;
    while p + 3 < stream.len() {
        assert_eq!(stream[p], 0x7E);
        let len = usize::from(u16::from_be_bytes([stream[p + 1], stream[p + 2]]) & 0x07FF);
        frames.push(stream[p..p + len + 2].to_vec());
        p += len + 2;
    }
    let mut out = Vec::new();
    let mut current: Vec<Vec<u8>> = Vec::new();
    for f in frames {
        let len = f.len();
        let info = hdlc::Llc::strip(&f[9..len - 3]).to_vec();
        let (gbt, first, last) = match info.as_slice() {
            [0xE0, control, hi, lo, ..] => (
                true,
                u16::from_be_bytes([*hi, *lo]) == 1,
                control & 0x80 != 0,
            ),
            _ => (false, true, true),
        };
        if first {
            current.clear();
        }
        if gbt && !first && current.is_empty() {
            continue;
        }
        current.push(f);
        if last {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

#[test]
fn damaged_line_decodes_every_intact_message_and_no_wrong_value() {
    let Some(corpus) = corpus() else { return };
    let graz = corpus
        .iter()
        .find(|e| e["name"] == "horfic_graz_8_pushes")
        .unwrap();
    let config = PushConfig {
        key: Some(EncryptionKey::from_hex(graz["encryption_key"].as_str().unwrap()).unwrap()),
        auth_key: Some(
            AuthenticationKey::from_hex(graz["authentication_key"].as_str().unwrap()).unwrap(),
        ),
        template: None,
        replay_guard: false,
    };
    let names = [
        "scs_unencrypted_valid_data",
        "scs_unencrypted_valid_data1",
        "scs_unencrypted_extended_register_mbus",
        "scs_unencrypted_vse_2026",
        "esphome_pr16942_cyprus_eac",
        "horfic_graz_8_pushes",
    ];
    // Each message with what a clean listener makes of it (offset 0).
    let mut pool: Vec<(Vec<Vec<u8>>, Json)> = Vec::new();
    for name in names {
        let e = corpus.iter().find(|e| e["name"] == name).unwrap();
        for m in messages(&hex(e["stream_hex"].as_str().unwrap())) {
            let mut l = PushListener::new(config.clone());
            l.feed(&m.concat());
            let items: Vec<_> = l.messages().collect();
            assert_eq!(items.len(), 1, "{name}");
            let Ok(msg @ Message::Reading(_)) = &items[0] else {
                panic!("{name}: {items:?}")
            };
            pool.push((m, msg.to_json_value()));
        }
    }
    assert_eq!(pool.len(), 13);

    let mut rng = Rng(0x00C0_FFEE_D15E_A5E5);
    let mut stream = Vec::new();
    let mut intact: Vec<Json> = Vec::new();
    let mut damaged: Vec<(usize, usize)> = Vec::new();
    for _ in 0..300 {
        // Garbage between messages, sometimes with flags in it.
        for _ in 0..rng.below(24) {
            let b = if rng.below(6) == 0 {
                0x7E
            } else {
                rng.next() as u8
            };
            stream.push(b);
        }
        let (frames, json) = &pool[rng.below(pool.len())];
        let start = stream.len();
        let mut frames = frames.clone();
        let original_len = frames.len();
        let action = rng.below(10);
        let victim = rng.below(frames.len());
        match action {
            0 => {
                let f = &mut frames[victim];
                let cut = 1 + rng.below(f.len() - 1);
                f.truncate(cut);
            }
            1 => {
                let f = &mut frames[victim];
                let i = rng.below(f.len());
                f[i] ^= 1 << rng.below(8);
            }
            2 if frames.len() > 1 => {
                frames.remove(victim);
            }
            _ => {}
        }
        let damaged_now = action <= 1 || frames.len() < original_len;
        stream.extend_from_slice(&frames.concat());
        if damaged_now {
            damaged.push((start, stream.len()));
        } else {
            intact.push(moved_to(json, start));
        }
    }

    for chunk in [stream.len(), 1, 13] {
        let mut l = PushListener::new(config.clone());
        let mut readings = Vec::new();
        let mut errors: Vec<PushError> = Vec::new();
        for c in stream.chunks(chunk) {
            l.feed(c);
            for item in l.messages() {
                match item {
                    Ok(m) => readings.push(m.to_json_value()),
                    Err(e) => errors.push(e),
                }
            }
        }
        errors.extend(l.finish());
        // Every intact message, in order, with the right values; nothing else.
        assert_eq!(readings.len(), intact.len(), "chunk {chunk}");
        for (got, want) in readings.iter().zip(&intact) {
            assert_eq!(got, want, "chunk {chunk}");
        }
        // Every damaged message is reported by an error inside its span.
        for (start, end) in &damaged {
            assert!(
                errors.iter().any(|e| (*start..*end).contains(&e.offset())),
                "chunk {chunk}: damaged message at {start}..{end} not reported; errors {errors:?}"
            );
        }
        let stats = l.stats();
        assert_eq!(stats.messages, intact.len() as u64);
        assert!(stats.damaged as usize >= damaged.len());
        assert!(stats.bytes_skipped > 0);
    }
    assert!(damaged.len() > 30, "{}", damaged.len());
}

proptest! {
    #[test]
    fn any_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600), chunk in 1usize..40) {
        let config = PushConfig {
            key: Some(EncryptionKey::new([7; 16])),
            auth_key: None,
            template: Some(Template::builtin("burgenland").unwrap()),
            replay_guard: true,
        };
        let mut l = PushListener::new(config.clone());
        for c in data.chunks(chunk) {
            l.feed(c);
            for item in l.messages() {
                let j = match item { Ok(m) => m.to_json_value(), Err(e) => e.to_json_value() };
                prop_assert!(j["offset"].as_u64().unwrap() <= data.len() as u64);
            }
        }
        let _ = l.finish();
        let _ = decode_apdu(&data, &config);
        let _ = decode_body(&data, &config);
        let _ = decode_apdu(&data, &PushConfig::default());
    }

    #[test]
    fn framed_random_apdus_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200), tag in prop::sample::select(vec![0x0Fu8, 0xDB, 0xE0, 0x02])) {
        let mut apdu = vec![tag];
        apdu.extend_from_slice(&body);
        let frame = hdlc::Frame::new(
            hdlc::Address::server(0x67, 0x7F).unwrap(),
            hdlc::Address::client(1).unwrap(),
            hdlc::Control::from_byte(0x13),
            &apdu,
        );
        let mut bytes = Vec::new();
        if frame.encode(&mut bytes).is_ok() {
            let mut l = PushListener::new(PushConfig { key: Some(EncryptionKey::new([1; 16])), ..PushConfig::default() });
            l.feed(&bytes);
            let _ = l.messages().count();
            let _ = l.finish();
        }
    }

    #[test]
    fn any_template_text_never_panics(text in ".{0,200}") {
        let _ = Template::from_toml(&text);
    }
}

/// The Norwegian ZMF100 firmware's swapped logical-name tag (`06 09` for `09 06`), in a whole
/// data-notification: repaired at name positions, the A = 0 energy resolved as +A.
#[test]
fn swapped_logical_name_tags_decode() {
    let apdu = |swapped: bool| {
        let mut a = vec![0x0F, 0x40, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04];
        a.extend_from_slice(if swapped {
            &[0x06, 0x09]
        } else {
            &[0x09, 0x06]
        });
        a.extend_from_slice(&[1, 0, 71, 7, 0, 255, 0x10, 0x00, 0x7B]);
        a.extend_from_slice(&[0x09, 0x06, 0, 0, 1, 8, 0, 255, 0x06, 0x00, 0x00, 0x86, 0xAF]);
        a
    };
    let decode = |a: &[u8]| match decode_apdu(a, &PushConfig::default()) {
        Ok(Message::Reading(r)) => r,
        other => panic!("{other:?}"),
    };
    let repaired = decode(&apdu(true));
    let plain = decode(&apdu(false));
    assert_eq!(repaired, plain);
    assert_eq!(repaired.current[2], Some(1.23)); // 0.01 A from the registry
    assert_eq!(repaired.active_energy_import, Some(34_479.0));
    assert_eq!(repaired.values[0].obis.to_string(), "1-0:71.7.0*255");
}

/// The M-Bus frames of a message (one RSP_UD, or the DLMS segments of one APDU).
fn mbus_frames(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut p = 0;
    while p + 6 <= stream.len() {
        assert_eq!(stream[p], 0x68);
        let len = usize::from(stream[p + 1]) + 6;
        out.push(stream[p..p + len].to_vec());
        p += len;
    }
    out
}

/// The same on an M-Bus line: wired RSP_UD frames from the libmbus corpus and the segmented,
/// encrypted DLMS push of Netz NÖ, with garbage (including false `68` starts), truncations,
/// bit flips and lost segments. Every intact message is decoded with the values of a clean
/// decode, in order; nothing else is decoded; a damaged frame is either reported (checksum,
/// segment order, unfinished APDU) or, when its length or start no longer fits, skipped as
/// garbage and counted. (Segments carry no message id: the segments of two pushes are only
/// told apart because one push's segments follow each other without a gap.)
#[test]
fn damaged_mbus_line_decodes_every_intact_message_and_no_wrong_value() {
    if corpus().is_none() {
        return;
    }
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    let evn_dir = dir.join("dlms_over_mbus");
    let key = std::fs::read_to_string(evn_dir.join("evn_kaifa_ma309_sample.key")).unwrap();
    let config = PushConfig {
        key: Some(EncryptionKey::from_hex(key.trim()).unwrap()),
        ..PushConfig::default()
    };
    let clean_hex = |path: PathBuf| -> Vec<u8> {
        let text: String = std::fs::read_to_string(path)
            .unwrap()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect();
        hex(&text)
    };
    let mut pool: Vec<(Vec<Vec<u8>>, Json)> = Vec::new();
    let mut sources = vec![evn_dir.join("evn_kaifa_ma309_sample.hex")];
    let frames_dir = dir.join("mbus/libmbus/test-frames");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&frames_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "hex"))
        .collect();
    names.sort();
    sources.extend(names);
    for path in sources {
        let frames = mbus_frames(&clean_hex(path));
        let mut l = PushListener::new(config.clone());
        l.feed(&frames.concat());
        let items: Vec<_> = l.messages().collect();
        if let [Ok(m)] = &items[..] {
            pool.push((frames, m.to_json_value()));
        }
    }
    assert!(pool.len() > 60, "{}", pool.len());
    assert_eq!(pool[0].1["kind"], "push");

    let mut rng = Rng(0x0BAD_5EED_F00D_CAFE);
    let mut stream = Vec::new();
    let mut intact: Vec<Json> = Vec::new();
    let mut damaged = 0usize;
    for _ in 0..300 {
        // At least one byte between messages: segments are only joined when adjacent.
        for _ in 0..=rng.below(16) {
            let b = match rng.below(8) {
                0 => 0x68,
                1 => 0x16,
                _ => rng.next() as u8,
            };
            stream.push(b);
        }
        // The EVN push half the time: it is the one with segments to lose.
        let pick = if rng.below(2) == 0 {
            0
        } else {
            rng.below(pool.len())
        };
        let (frames, json) = &pool[pick];
        let start = stream.len();
        let mut frames = frames.clone();
        let original_len = frames.len();
        let action = rng.below(8);
        let victim = rng.below(frames.len());
        match action {
            0 => {
                let f = &mut frames[victim];
                let cut = 1 + rng.below(f.len() - 1);
                f.truncate(cut);
            }
            1 => {
                let f = &mut frames[victim];
                let i = rng.below(f.len());
                f[i] ^= 1 << rng.below(8);
            }
            2 if frames.len() > 1 => {
                frames.remove(victim);
            }
            _ => {}
        }
        stream.extend_from_slice(&frames.concat());
        if action <= 1 || frames.len() < original_len {
            damaged += 1;
        } else {
            intact.push(moved_to(json, start));
        }
    }

    for chunk in [stream.len(), 1, 29] {
        let mut l = PushListener::new(config.clone());
        let mut good = Vec::new();
        let mut errors: Vec<PushError> = Vec::new();
        for c in stream.chunks(chunk) {
            l.feed(c);
            for item in l.messages() {
                match item {
                    Ok(m) => good.push(m.to_json_value()),
                    Err(e) => errors.push(e),
                }
            }
        }
        errors.extend(l.finish());
        assert_eq!(l.framing(), Some("mbus"));
        // Zero wrong values: exactly the intact messages, in order, as decoded clean.
        assert_eq!(good.len(), intact.len(), "chunk {chunk}");
        for (got, want) in good.iter().zip(&intact) {
            assert_eq!(got, want, "chunk {chunk}");
        }
        let stats = l.stats();
        assert_eq!(stats.messages, intact.len() as u64);
        assert!(!errors.is_empty());
        assert!(stats.damaged >= errors.len() as u64);
        assert!(stats.bytes_skipped > 0);
    }
    assert!(damaged > 60, "{damaged}");
}

/// The JSON of a message decoded on its own, as it reads at `start` of a longer stream: its
/// offset, and those of its wired M-Bus records, count from there.
fn moved_to(json: &Json, start: usize) -> Json {
    let mut j = json.clone();
    j["offset"] = Json::from(start);
    if let Some(records) = j.get_mut("records").and_then(Json::as_array_mut) {
        for r in records {
            let at = r["offset"].as_u64().unwrap() as usize;
            r["offset"] = Json::from(at + start);
        }
    }
    j
}
