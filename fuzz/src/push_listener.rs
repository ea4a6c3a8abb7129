//! Fuzz target `push_listener`: the e450 push listener on arbitrary line bytes.

use e450::push::{
    Message, PushConfig, PushError, PushListener, Template, decode_apdu, decode_body,
};

fn run_chunked(
    config: &PushConfig,
    data: &[u8],
    chunk: usize,
) -> (Vec<serde_json::Value>, u64, Option<&'static str>) {
    let mut l = PushListener::new(config.clone());
    let mut out = Vec::new();
    for c in data.chunks(chunk.max(1)) {
        l.feed(c);
        for item in l.messages() {
            out.push(match &item {
                Ok(m) => m.to_json_value(),
                Err(e) => e.to_json_value(),
            });
            check(&item, data.len());
        }
    }
    for e in l.finish() {
        out.push(e.to_json_value());
    }
    (out, l.stats().messages, l.framing())
}

fn check(item: &Result<Message, PushError>, len: usize) {
    let offset = match item {
        Ok(m) => m.offset(),
        Err(e) => e.offset(),
    };
    assert!(
        offset <= len,
        "offset {offset} beyond the input ({len} bytes)"
    );
    if let Ok(Message::Mbus(m)) = item {
        let mut previous = m.offset;
        for r in &m.records {
            // Records lie inside the input, in order, their blocks whole hex bytes.
            assert!(
                r.offset >= previous && r.offset < len,
                "record at {}",
                r.offset
            );
            assert!(r.dib.len() % 2 == 0 && r.vib.len() % 2 == 0);
            previous = r.offset;
        }
    }
}

/// The first byte picks the chunk size; the rest is the line. Feeding in chunks and whole must
/// give the same messages (when both recognise the same framing: a line that mixes HDLC and
/// M-Bus frames is read in the framing of the first frame completed); offsets stay inside the
/// input; the bare-APDU and body entries must not panic.
pub fn run(data: &[u8]) {
    let Some((&first, line)) = data.split_first() else {
        return;
    };
    let config = PushConfig {
        key: Some(dlms::security::EncryptionKey::new([0x11; 16])),
        auth_key: (first & 0x80 != 0).then(|| dlms::security::AuthenticationKey::new([0x22; 16])),
        template: Template::builtin(if first & 0x40 != 0 {
            "burgenland"
        } else {
            "wiener-netze"
        })
        .ok(),
        replay_guard: first & 0x20 != 0,
    };
    let (whole, messages, framing) = run_chunked(&config, line, line.len());
    let (chunked, _, chunked_framing) = run_chunked(&config, line, usize::from(first & 0x1F) + 1);
    if framing == chunked_framing {
        assert_eq!(whole, chunked, "chunking changed the result");
    }
    let ok = whole.iter().filter(|j| j["kind"] != "error").count();
    assert_eq!(ok as u64, messages, "stats count the messages");
    let _ = decode_apdu(line, &config);
    let _ = decode_apdu(line, &PushConfig::default());
    let _ = decode_body(line, &config);
}
