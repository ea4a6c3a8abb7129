//! `compteur read`, `profile` and `objects` through `e450::cli::run` against the Gurux meter,
//! every JSON line checked against the schemas in docs/schema (a small hand-written checker
//! of the subset the schemas use), and the usage errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::float_cmp
)]

mod client_common;

use client_common::*;
use serde_json::Value;

fn schema(name: &str) -> Value {
    let path = format!(
        "{}/../docs/schema/{name}.schema.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        other => panic!("schema type {other}"),
    }
}

/// The profile key pattern: `A-B:C.D.E*F`, optional `/ATTR`, optional `#N`.
fn obis_key(key: &str) -> bool {
    let key = key.split('#').next().unwrap();
    let code = key.split('/').next().unwrap();
    code.parse::<e450::obis::ObisCode>()
        .is_ok_and(|c| c.to_string() == code)
}

/// Checks `v` against the subset of JSON Schema our schemas use: type, const, enum,
/// minimum, required, properties, patternProperties (the OBIS key pattern),
/// additionalProperties (false or a schema), items.
fn validate(s: &Value, v: &Value, at: &str) {
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!(),
        };
        assert!(ok, "{at}: {v} is not of type {t}");
    }
    if let Some(c) = s.get("const") {
        assert_eq!(c, v, "{at}");
    }
    if let Some(e) = s.get("enum") {
        assert!(e.as_array().unwrap().contains(v), "{at}: {v} not in {e}");
    }
    if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        assert!(n >= min, "{at}: {n} < {min}");
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(
                obj.contains_key(r.as_str().unwrap()),
                "{at}: {r} missing in {v}"
            );
        }
        let props = s.get("properties").and_then(Value::as_object);
        let patterns = s.get("patternProperties").and_then(Value::as_object);
        for (k, val) in obj {
            let here = format!("{at}.{k}");
            if let Some(p) = props.and_then(|p| p.get(k)) {
                validate(p, val, &here);
            } else if let Some(p) = patterns
                .and_then(|p| p.values().next())
                .filter(|_| obis_key(k))
            {
                validate(p, val, &here);
            } else {
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => panic!("{at}: unexpected key {k}"),
                    Some(extra @ Value::Object(_)) => validate(extra, val, &here),
                    _ => {}
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            validate(items, x, &format!("{at}[{i}]"));
        }
    }
}

fn run(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["compteur"];
    argv.extend_from_slice(args);
    let code = e450::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn lines(out: &str, schema_name: &str) -> Vec<Value> {
    let s = schema(schema_name);
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            validate(&s, &v, schema_name);
            v
        })
        .collect()
}

#[test]
fn read_profile_objects_json() {
    let Some(gurux) = GuruxMeter::start("Gurux CLI test") else {
        return;
    };
    let tcp = gurux.tcp.as_str();
    let mut args = vec![
        "read",
        "--tcp",
        tcp,
        "--json",
        "0-0:1.0.0",
        "0-0:96.1.0",
        "3/1-0:32.7.0*255/3",
    ];
    let codes: Vec<String> = REGISTERS
        .iter()
        .map(|r| register_code(r.0).to_string())
        .collect();
    args.extend(codes.iter().map(String::as_str));
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v = lines(&out, "read");
    assert_eq!(v.len(), 19);
    assert_eq!(v[0]["obis"], "0-0:1.0.0*255");
    assert_eq!(v[0]["class"], 8);
    assert_eq!(v[0]["value"], "2026-05-04T11:39:20");
    assert_eq!(v[0]["deviation"], -120);
    assert_eq!(v[0]["dst"], true);
    assert_eq!(v[1]["value"], "1909113");
    assert_eq!(v[2]["attribute"], 3);
    assert_eq!(v[2]["value"], serde_json::json!([-1, 35]));
    for (line, expected) in v[3..].iter().zip(&REGISTERS) {
        let (c, raw, scaler, _, scaled) = *expected;
        assert_eq!(line["obis"], register_code(c).to_string());
        assert_eq!(line["class"], 3);
        assert_eq!(line["attribute"], 2);
        assert_eq!(line["raw"], raw);
        assert_eq!(line["scaler"], scaler);
        assert_eq!(line["value"].as_f64().unwrap(), scaled);
    }
    assert_eq!(v[3]["unit"], "Wh");
    assert_eq!(v[11]["unit"], "V");
    assert_eq!(
        v[17]["unit"],
        serde_json::Value::Null,
        "power factor has no unit"
    );

    // Human output: a table with units.
    let (code, out, err) = run(&["read", "--tcp", tcp, "1-0:32.7.0", "1-0:1.8.0"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows[0].starts_with("OBIS"), "{out}");
    assert!(
        rows[1].contains("230.1") && rows[1].contains(" V "),
        "{out}"
    );
    assert!(
        rows[2].contains("482939") && rows[2].contains(" Wh "),
        "{out}"
    );

    // Profile by range (LLS management client) and by entries: the same rows.
    let (code, out, err) = run(&[
        "profile",
        "--tcp",
        tcp,
        "--client",
        "2",
        "--auth",
        "low",
        "--password",
        "12345678",
        "1-0:99.1.0",
        "--from",
        "2026-04-10T00:00:00+02:00",
        "--to",
        "2026-04-12T11:45:00+02:00",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let range = lines(&out, "profile");
    assert_eq!(range.len(), 240);
    assert_eq!(range[0]["0-0:1.0.0*255"], "2026-04-10T00:00:00");
    assert_eq!(range[0]["1-0:1.8.0*255"].as_f64(), Some(71_848.0));
    assert_eq!(range[0]["1-0:2.8.0*255"].as_f64(), Some(5760.0));
    assert_eq!(range[0]["deviation"], -120);
    assert_eq!(range[239]["1-0:1.8.0*255"].as_f64(), Some(101_245.0));
    let (code, out, err) = run(&[
        "profile",
        "--tcp",
        tcp,
        "1-0:99.1.0",
        "--entries",
        "577..816",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines(&out, "profile"), range);
    let (code, out, err) = run(&[
        "profile",
        "--tcp",
        tcp,
        "1-0:99.1.0",
        "--entries",
        "10..19",
        "--csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let csv: Vec<&str> = out.lines().collect();
    assert_eq!(
        csv[0],
        "0-0:1.0.0*255,1-0:1.8.0*255 [Wh],1-0:2.8.0*255 [Wh]"
    );
    assert_eq!(csv.len(), 11);
    assert_eq!(csv[1], "2026-04-04T02:15:00,2107,90");

    // The object list (HLS-GMAC with the Green Book keys).
    let (code, out, err) = run(&[
        "objects",
        "--tcp",
        tcp,
        "--client",
        "3",
        "--auth",
        "high-gmac",
        "--key",
        "000102030405060708090A0B0C0D0E0F",
        "--auth-key",
        "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF",
        "--system-title",
        "4D4D4D0000000001",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let objects = lines(&out, "objects");
    assert_eq!(objects.len(), 21);
    assert_eq!(objects[0]["obis"], "0-0:1.0.0*255");
    assert_eq!(objects[0]["class"], 8);
    assert_eq!(objects[19]["obis"], "1-0:99.1.0*255");
    assert_eq!(objects[19]["version"], 1);
    assert!(!err.contains("0001020304"), "no key on stderr: {err}");

    // A refused association: exit 1, one line on stderr.
    let (code, out, err) = run(&[
        "read",
        "--tcp",
        tcp,
        "--client",
        "2",
        "--auth",
        "low",
        "--password",
        "nope",
        "1-0:1.8.0",
    ]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("compteur read: "), "{err}");
}

#[test]
fn usage_errors() {
    for args in [
        &["read", "1-0:1.8.0"][..],
        &["read", "--tcp", "127.0.0.1:1", "1-0:1.8.Q"],
        &["read", "--tcp", "127.0.0.1:1", "--auth", "low", "1-0:1.8.0"],
        &[
            "read",
            "--tcp",
            "127.0.0.1:1",
            "--auth",
            "high-gmac",
            "1-0:1.8.0",
        ],
        &[
            "read",
            "--tcp",
            "127.0.0.1:1",
            "--timeout",
            "-1",
            "1-0:1.8.0",
        ],
        &[
            "profile",
            "--tcp",
            "127.0.0.1:1",
            "1-0:99.1.0",
            "--from",
            "2026-04-10T00:00:00",
        ],
        &[
            "profile",
            "--tcp",
            "127.0.0.1:1",
            "1-0:99.1.0",
            "--entries",
            "9..3",
        ],
        &[
            "profile",
            "--tcp",
            "127.0.0.1:1",
            "1-0:99.1.0",
            "--from",
            "yesterday",
            "--to",
            "today",
        ],
        &["objects", "--serial", "/dev/null", "--tcp", "127.0.0.1:1"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.is_empty());
    }
    // Nothing listens: the operation fails (1).
    let (code, _, err) = run(&[
        "read",
        "--tcp",
        "127.0.0.1:1",
        "--timeout",
        "0.5",
        "1-0:1.8.0",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.starts_with("compteur read: "), "{err}");
}
