//! A fault-injecting TCP proxy between the blocking `Meter` and the Gurux meter: chunks are
//! dropped, delayed and corrupted with a fixed seed. Every read either returns the right
//! value or fails with a typed error (after which the client connects again) — never a wrong
//! value.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::float_cmp
)]

mod client_common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use client_common::*;
use e450::client::{Meter, MeterConfig, MeterError};

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// True with probability `per_mille` / 1000.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

#[derive(Default)]
struct Counters {
    dropped: AtomicU64,
    corrupted: AtomicU64,
    delayed: AtomicU64,
}

fn forward(mut from: TcpStream, mut to: TcpStream, seed: u64, counters: Arc<Counters>) {
    let mut rng = Rng(seed);
    let mut buf = [0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &mut buf[..n];
        if rng.chance(40) {
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if rng.chance(40) {
            let at = (rng.next() as usize) % n;
            chunk[at] ^= 1 << (rng.next() % 8);
            counters.corrupted.fetch_add(1, Ordering::Relaxed);
        }
        if rng.chance(60) {
            std::thread::sleep(Duration::from_millis(rng.next() % 150));
            counters.delayed.fetch_add(1, Ordering::Relaxed);
        }
        if to.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// Accepts connections and relays each to the meter through two faulty pipes.
fn proxy(target: String, counters: Arc<Counters>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut seed = 0x5EED_0001_u64;
        for client in listener.incoming() {
            let Ok(client) = client else { break };
            let Ok(server) = TcpStream::connect(&target) else {
                break;
            };
            client.set_nodelay(true).unwrap();
            server.set_nodelay(true).unwrap();
            let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            seed = seed.wrapping_add(0x9E37_79B9);
            let (a, b) = (seed, seed ^ 0xABCD);
            let k1 = Arc::clone(&counters);
            let k2 = Arc::clone(&counters);
            std::thread::spawn(move || forward(client, server, a, k1));
            std::thread::spawn(move || forward(s2, c2, b, k2));
        }
    });
    addr
}

#[test]
fn faults_give_right_values_or_typed_errors() {
    let Some(gurux) = GuruxMeter::start("fault-injection test") else {
        return;
    };
    let counters = Arc::new(Counters::default());
    let addr = proxy(gurux.tcp.clone(), Arc::clone(&counters));
    let config = MeterConfig {
        timeout: Duration::from_millis(250),
        retries: 2,
        ..MeterConfig::default()
    };
    let (mut ok, mut failed, mut connects) = (0, 0, 0);
    let mut meter: Option<Meter<TcpStream>> = None;
    for i in 0..40 {
        if meter.is_none() {
            connects += 1;
            match Meter::connect_tcp(&addr, config.clone()) {
                Ok(m) => meter = Some(m),
                Err(e) => {
                    // Typed: a timeout, a link or session failure, or a closed stream.
                    assert!(
                        matches!(
                            e,
                            MeterError::Timeout
                                | MeterError::Link(_)
                                | MeterError::Session(_)
                                | MeterError::Closed
                                | MeterError::Io(_)
                        ),
                        "{e:?}"
                    );
                    failed += 1;
                    continue;
                }
            }
        }
        let m = meter.as_mut().unwrap();
        let expected = &REGISTERS[i % REGISTERS.len()];
        match m.read(register_code(expected.0)) {
            Ok(v) => {
                let r = v.register.unwrap();
                assert_eq!(v.obis, register_code(expected.0));
                assert_eq!(r.scaled, expected.4, "wrong value for {}", v.obis);
                assert_eq!(v.data.as_i64(), Some(expected.1));
                ok += 1;
            }
            Err(e) => {
                assert!(
                    !matches!(e, MeterError::Unexpected { .. }),
                    "an answer of the wrong shape got through: {e:?}"
                );
                failed += 1;
                // The state of the link is unknown: start again.
                meter = None;
            }
        }
    }
    let dropped = counters.dropped.load(Ordering::Relaxed);
    let corrupted = counters.corrupted.load(Ordering::Relaxed);
    let delayed = counters.delayed.load(Ordering::Relaxed);
    eprintln!(
        "{ok} right values, {failed} typed failures, {connects} connections; \
         proxy: {dropped} chunks dropped, {corrupted} corrupted, {delayed} delayed"
    );
    assert!(ok >= 12, "too few reads got through: {ok}");
    assert!(dropped + corrupted > 0, "the proxy injected no faults");
}
