//! Every OBIS code in the real E450 pushes of the shared corpus is in the registry, with the
//! class id and a value attribute the push-object-list gives.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use obis::{ObisCode, registry};

fn corpus() -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else if std::env::var_os("CI").is_some() {
        panic!("corpus folder {} missing", dir.display());
    } else {
        println!("skipping: corpus folder {} absent", dir.display());
        None
    }
}

/// Collects `"OBIS a-b:c.d.e.f"` strings and, for push-object-list entries
/// `[class, "OBIS ...", attribute, index]`, the class id and attribute.
fn walk(value: &serde_json::Value, out: &mut Vec<(ObisCode, Option<(u64, i64)>)>) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(text) = s.strip_prefix("OBIS ") {
                out.push((text.parse().unwrap(), None));
            }
        }
        serde_json::Value::Array(items) => {
            if let [
                serde_json::Value::Number(class),
                serde_json::Value::String(name),
                serde_json::Value::Number(attribute),
                _,
            ] = items.as_slice()
                && let Some(text) = name.strip_prefix("OBIS ")
            {
                let class_and_attribute = (class.as_u64().unwrap(), attribute.as_i64().unwrap());
                out.push((text.parse().unwrap(), Some(class_and_attribute)));
            }
            for item in items {
                walk(item, out);
            }
        }
        serde_json::Value::Object(map) => {
            for item in map.values() {
                walk(item, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_corpus_code_is_known() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("e450_cii.json")).unwrap();
    let streams: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut codes = Vec::new();
    for stream in streams.as_array().unwrap() {
        if let Some(decoding) = stream.get("reference_decoding") {
            walk(decoding, &mut codes);
        }
    }
    assert!(codes.len() > 100, "found only {} codes", codes.len());
    for (code, class) in codes {
        let entry = registry::lookup_tolerant(code)
            .unwrap_or_else(|| panic!("{code} from the corpus is not in the registry"));
        if let Some((class, attribute)) = class {
            assert_eq!(u64::from(entry.class_id), class, "{code}: class id");
            assert!(
                entry.attributes.iter().any(|&a| i64::from(a) == attribute),
                "{code}: pushed attribute {attribute} not in {:?}",
                entry.attributes
            );
        }
        assert_eq!(
            entry.seen,
            registry::Seen::InPushes,
            "{code} is seen in pushes"
        );
    }
}
