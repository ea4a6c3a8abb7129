//! `compteur decode` on the bundled E450 capture.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::process::Command;

const HEX: &str = include_str!("../testdata/graz_e450_push.hex");
const KEYS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/testdata/graz_e450_push.keys.toml"
);

fn compteur(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_compteur"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn decrypts_and_authenticates_with_the_key_file() {
    let (code, out, err) = compteur(&["decode", "--json", "--key-file", KEYS, HEX.trim()]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let push = &lines[0];
    assert_eq!(push["kind"], "push");
    assert_eq!(push["security"], "authenticated");
    assert_eq!(push["layout"], "pairs");
    assert_eq!(push["timestamp"], "2022-02-21T17:37:30");
    assert_eq!(push["frame_counter"], 1_539_018);
    let import = push["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["obis"] == "1-0:1.8.0*255")
        .unwrap();
    assert_eq!(import["raw"], 4_408_736);
    assert_eq!(import["value"], 4408.736);
    assert_eq!(import["unit"], "kWh");
    assert_eq!(import["quantity"], "active_energy_import");
}

#[test]
fn human_output_is_a_table_with_units() {
    let (code, out, _) = compteur(&["decode", "--key-file", KEYS, HEX.trim()]);
    assert_eq!(code, 0);
    assert!(out.contains("security authenticated"), "{out}");
    assert!(out.contains("active_power_import"), "{out}");
    assert!(out.contains("2893 W"), "{out}");
    // Values without a unit (the serial, the clock) leave no trailing space.
    assert!(out.lines().all(|l| !l.ends_with(' ')), "{out:?}");
}

#[test]
fn without_a_key_the_push_is_reported_encrypted() {
    let (code, out, _) = compteur(&["decode", "--json", HEX.trim()]);
    assert_eq!(code, 0);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "encrypted");
    assert_eq!(lines[0]["system_title"], "4C475A677370B177");
    assert_eq!(lines[0]["frame_counter"], 1_539_018);
}

#[test]
fn only_the_encryption_key_decrypts_without_authenticating() {
    let keys = std::fs::read_to_string(KEYS).unwrap();
    let key = keys
        .lines()
        .find_map(|l| l.strip_prefix("key = \""))
        .unwrap()
        .trim_end_matches('"');
    let (code, out, _) = compteur(&["decode", "--json", "--key", key, HEX.trim()]);
    assert_eq!(code, 0);
    assert_eq!(json_lines(&out)[0]["security"], "decrypted");
}

#[test]
fn a_wrong_authentication_key_is_refused() {
    let keys = std::fs::read_to_string(KEYS).unwrap();
    let key = keys
        .lines()
        .find_map(|l| l.strip_prefix("key = \""))
        .unwrap()
        .trim_end_matches('"');
    let wrong = "00112233445566778899AABBCCDDEEFF";
    let (code, out, _) = compteur(&[
        "decode",
        "--json",
        "--key",
        key,
        "--auth-key",
        wrong,
        HEX.trim(),
    ]);
    assert_eq!(code, 0, "a damaged message is reported, not fatal");
    let line = &json_lines(&out)[0];
    assert_eq!(line["kind"], "error");
    assert_eq!(line["offset"], 0);
    assert!(!out.contains(wrong), "keys never appear in the output");
}

#[test]
fn garbage_around_frames_is_skipped_and_hex_may_contain_spaces() {
    let spaced: String = format!("00 11 22 {} 33 44", HEX.trim())
        .chars()
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let (code, out, err) = compteur(&["decode", "--json", "--key-file", KEYS, &spaced]);
    assert_eq!(code, 0, "{err}");
    let lines = json_lines(&out);
    assert_eq!(
        lines.iter().filter(|l| l["kind"] == "push").count(),
        1,
        "{out}"
    );
}

#[test]
fn bad_arguments_exit_2_with_one_clear_line() {
    let (code, _, err) = compteur(&["decode", "7E A0 Z1"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a hex digit"), "{err}");
    let (code, _, err) = compteur(&["decode", "--key", "1234", HEX.trim()]);
    assert_eq!(code, 2);
    assert!(err.starts_with("compteur decode: --key"), "{err}");
    assert!(!err.contains("1234"), "the key is not echoed: {err}");
    let (code, _, _) = compteur(&["decode", "--file", "/nonexistent/capture.bin"]);
    assert_eq!(code, 1);
}
