//! `compteur obis`: text and JSON output, every textual form, bad input.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::process::{Command, Output};

fn compteur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_compteur"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn json_fields() {
    let output = compteur(&[
        "obis",
        "--json",
        "1-1:1.8.0*255",
        "0-1:24.2.1*255",
        "0-0:99.98.0",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);

    let energy = &lines[0];
    assert_eq!(energy["obis"], "1-1:1.8.0*255");
    assert_eq!(energy["medium"], "electricity");
    assert_eq!(energy["quantity"], "active_energy_import");
    assert_eq!(
        energy["description"],
        "Active energy import (+A), time integral 1, total, channel 1"
    );
    assert_eq!(energy["class"], 3);
    assert_eq!(energy["unit"], "Wh");
    assert_eq!(energy["registry"]["obis"], "1-1:1.8.0*255");
    assert_eq!(energy["registry"]["scaler"], 0);
    assert_eq!(energy["registry"]["attributes"], serde_json::json!([2, 3]));
    assert_eq!(energy["registry"]["seen"], "push");

    let submeter = &lines[1];
    assert_eq!(submeter["medium"], "abstract");
    assert_eq!(submeter["quantity"], "submeter_value");
    assert_eq!(submeter["class"], 4);
    assert_eq!(submeter["unit"], serde_json::Value::Null);
    assert_eq!(submeter["registry"]["value_type"], "double-long");

    let log = &lines[2];
    assert_eq!(log["quantity"], serde_json::Value::Null);
    assert_eq!(log["class"], 7);
    assert_eq!(log["registry"]["seen"], "expected");

    // The key order is the documented one.
    assert!(text.starts_with(
        r#"{"obis":"1-1:1.8.0*255","medium":"electricity","quantity":"active_energy_import","description":"#
    ));
}

#[test]
fn unknown_code_has_null_registry() {
    let output = compteur(&["obis", "--json", "7-0:3.0.0"]);
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(value["medium"], "gas");
    assert_eq!(value["quantity"], serde_json::Value::Null);
    assert_eq!(value["class"], serde_json::Value::Null);
    assert_eq!(value["unit"], serde_json::Value::Null);
    assert_eq!(value["registry"], serde_json::Value::Null);
    assert_eq!(value["description"], "Gas quantity 3, processing 0");
}

#[test]
fn channel_b_tolerance_in_json() {
    let output = compteur(&["obis", "--json", "1-1:1.8.1"]);
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(value["obis"], "1-1:1.8.1*255");
    assert_eq!(value["quantity"], "active_energy_import_t1");
    assert_eq!(value["registry"]["obis"], "1-0:1.8.1*255");
}

#[test]
fn every_textual_form_prints_the_same_line() {
    let forms = [
        "1-0:1.8.0*255",
        "1-0:1.8.0.255",
        "1.0.1.8.0.255",
        "1-0:1.8.0",
        "1.8.0",
        "0100010800FF",
    ];
    let lines: Vec<String> = forms
        .iter()
        .map(|form| stdout(&compteur(&["obis", "--json", form])))
        .collect();
    assert!(lines[0].starts_with(r#"{"obis":"1-0:1.8.0*255""#));
    for (form, line) in forms.iter().zip(&lines) {
        assert_eq!(line, &lines[0], "{form}");
    }
    // The text form too.
    let text: Vec<String> = forms
        .iter()
        .map(|form| stdout(&compteur(&["obis", form])))
        .collect();
    for (form, out) in forms.iter().zip(&text) {
        assert_eq!(out, &text[0], "{form}");
    }
}

#[test]
fn human_output_contains_the_description() {
    let output = compteur(&["obis", "1-0:32.7.0", "0-0:1.0.0", "1.8.1"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains("1-0:32.7.0*255  Voltage L1, instantaneous value"),
        "{text}"
    );
    assert!(text.contains("quantity  voltage_l1"), "{text}");
    assert!(text.contains("long-unsigned, V, scaler 0"), "{text}");
    assert!(text.contains("0-0:1.0.0*255  Clock"), "{text}");
    assert!(text.contains("class     8 (Clock), attribute 2"), "{text}");
    assert!(
        text.contains("1-0:1.8.1*255  Active energy import (+A), time integral 1, tariff 1"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let output = compteur(&["obis", "1-0:1.8.0", "1-0:1.8.x"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    assert!(
        err.contains(
            "error: invalid OBIS code \"1-0:1.8.x\": invalid character 'x' at offset 8 (in or before value group E)"
        ),
        "{err}"
    );
    assert!(err.contains("  1-0:1.8.x\n          ^\n"), "{err}");

    let output = compteur(&["obis", "--json", "1-0:300.7.0", "1-0:1"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("\"1-0:300.7.0\": value group C at offset 4 is larger than 255"),
        "{err}"
    );
    assert!(err.contains("\"1-0:1\": value group D is missing"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let output = compteur(&["obis"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("CODE"));
    let output = compteur(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn help_lists_obis() {
    let output = compteur(&["--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("obis"));
    assert!(
        !text.contains('\x1b'),
        "no terminal escapes in piped output"
    );
}
