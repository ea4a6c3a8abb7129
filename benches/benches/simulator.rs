//! The simulated E450: what one request costs the simulator.
//!
//! - `simulator/register_get`: the object model answers GET 1-0:1.8.0 attribute 2 on a warm
//!   meter, the clock one second later each time (the energy integral advances).
//! - `simulator/wrapper_get`: a whole GET request through the sans-IO connection (wrapper
//!   framing, association established): decode, session, model, encode.
//! - `simulator/profile_240_rows`: the load profile by range, 240 rows (60 hours).
//! - `simulator/cold_meter`: a new meter's first energy read (integrates 60 days of load).
//! - `simulator/push_frames`: one self-describing push as HDLC frames (general-block-transfer).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use dlms::Data;
use dlms::apdu::{
    AttributeDescriptor, CaptureObject, DataAccessResult, MechanismName, RangeDescriptor,
    SelectiveAccess,
};
use dlms::session::{AccessLevel, ObjectModel, RequestContext};
use e450::simulator::{
    Framing, LOAD_PROFILE, LocalTime, PushConfig, PushGenerator, SimClock, SimulatedMeter,
    Simulator, SimulatorConfig, TimeZone,
};
use e450::wrapper::WrapperFrame;
use obis::ObisCode;

const IMPORT: ObisCode = ObisCode::new(1, 0, 1, 8, 0, 255);

fn clock() -> SimClock {
    SimClock::manual(
        TimeZone::CENTRAL_EUROPE,
        "2026-05-04T11:39:20".parse().unwrap(),
    )
}

fn ctx() -> RequestContext {
    RequestContext::new(16, AccessLevel::ReadOnly, MechanismName::NONE)
}

fn register_get(c: &mut Criterion) {
    let clock = clock();
    let mut meter = SimulatedMeter::new(1_909_113, 1, clock.clone(), 60);
    let a = AttributeDescriptor {
        class_id: 3,
        instance: IMPORT,
        attribute: 2,
    };
    let _ = meter.get(&ctx(), &a, None);
    let mut g = c.benchmark_group("simulator");
    let len = meter.get(&ctx(), &a, None).unwrap().to_vec().unwrap().len();
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function("register_get", |b| {
        b.iter(|| {
            clock.advance(Duration::from_secs(1));
            let v: Result<Data, DataAccessResult> = meter.get(&ctx(), &a, None);
            std::hint::black_box(v)
        })
    });
    g.finish();
}

fn wrap(apdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    WrapperFrame::new(16, 1, apdu).unwrap().encode(&mut out);
    out
}

fn wrapper_get(c: &mut Criterion) {
    let sim = Simulator::new(SimulatorConfig::default(), clock());
    let mut conn = sim.connection(Framing::Wrapper);
    let aarq: Vec<u8> = (0..31)
        .map(|i| {
            u8::from_str_radix(
                &"601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFF"[i * 2..i * 2 + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    let mut out = Vec::new();
    conn.handle(&wrap(&aarq), &mut out);
    assert_eq!(out[8], 0x61, "AARE");
    let get = wrap(&[0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 0x02, 0x00]);
    out.clear();
    conn.handle(&get, &mut out);
    assert_eq!(out[8], 0xC4, "GET response");
    let mut g = c.benchmark_group("simulator");
    g.throughput(Throughput::Bytes((get.len() + out.len()) as u64));
    g.bench_function("wrapper_get", |b| {
        b.iter(|| {
            out.clear();
            conn.handle(&get, &mut out);
            std::hint::black_box(out.len())
        })
    });
    g.finish();
}

fn profile(c: &mut Criterion) {
    let clock = clock();
    let mut meter = SimulatedMeter::new(1_909_113, 1, clock, 60);
    let tz = TimeZone::CENTRAL_EUROPE;
    let to = tz.local_to_utc(
        "2026-05-04T11:30:00"
            .parse::<LocalTime>()
            .unwrap()
            .seconds(),
    );
    let from = to - 239 * 900;
    let range = SelectiveAccess::Range(RangeDescriptor {
        restricting_object: CaptureObject {
            class_id: 8,
            logical_name: ObisCode::new(0, 0, 1, 0, 0, 255),
            attribute: 2,
            data_index: 0,
        },
        from: Data::OctetString(tz.date_time(from).to_bytes().to_vec()),
        to: Data::OctetString(tz.date_time(to).to_bytes().to_vec()),
        selected_values: Vec::new(),
    });
    let a = AttributeDescriptor {
        class_id: 7,
        instance: LOAD_PROFILE,
        attribute: 2,
    };
    let rows = meter.get(&ctx(), &a, Some(&range)).unwrap();
    assert_eq!(rows.as_slice().unwrap().len(), 240);
    let mut g = c.benchmark_group("simulator");
    g.throughput(Throughput::Bytes(rows.to_vec().unwrap().len() as u64));
    g.bench_function("profile_240_rows", |b| {
        b.iter(|| std::hint::black_box(meter.get(&ctx(), &a, Some(&range)).unwrap()))
    });
    g.finish();
}

fn cold_meter(c: &mut Criterion) {
    let clock = clock();
    let a = AttributeDescriptor {
        class_id: 3,
        instance: IMPORT,
        attribute: 2,
    };
    let mut g = c.benchmark_group("simulator");
    g.throughput(Throughput::Bytes(5));
    g.bench_function("cold_meter", |b| {
        b.iter(|| {
            let mut m = SimulatedMeter::new(1_909_113, 1, clock.clone(), 60);
            std::hint::black_box(m.get(&ctx(), &a, None).unwrap())
        })
    });
    g.finish();
}

fn push_frames(c: &mut Criterion) {
    let clock = clock();
    let mut meter = SimulatedMeter::new(1_909_113, 1, clock, 60);
    let mut push = PushGenerator::new(PushConfig::default());
    let now = meter.now();
    let len = push.frames(&mut meter, now).unwrap().len();
    let mut g = c.benchmark_group("simulator");
    g.throughput(Throughput::Bytes(len as u64));
    g.bench_function("push_frames", |b| {
        b.iter(|| std::hint::black_box(push.frames(&mut meter, now).unwrap()))
    });
    g.finish();
}

/// With `COMPTEUR_SIM_SCALE=N`: N meters on one TCP port (wrapper framing), N connections
/// each associated, then rounds of one GET 1-0:1.8.0 per connection (written to all, then
/// read from all); prints register reads per second and the process's resident memory per
/// connection, then runs the criterion benches.
fn scale() {
    use std::io::{Read, Write};
    let Some(n) = std::env::var("COMPTEUR_SIM_SCALE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    let rss = || -> Option<u64> {
        let s = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = s.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * 4096)
    };
    let before = rss().unwrap_or(0);
    let sim = Simulator::new(
        SimulatorConfig {
            meters: n,
            ..SimulatorConfig::default()
        },
        clock(),
    );
    let server = sim
        .serve_tcp("127.0.0.1:0".parse().unwrap(), Framing::Wrapper)
        .unwrap();
    let aarq: Vec<u8> = (0..31)
        .map(|i| {
            u8::from_str_radix(
                &"601DA109060760857405080101BE10040E01000000065F1F0400001E1DFFFF"[i * 2..i * 2 + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    let get = wrap(&[0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 0x02, 0x00]);
    let read_frame = |s: &mut std::net::TcpStream| {
        let mut h = [0u8; 8];
        s.read_exact(&mut h).unwrap();
        let mut body = vec![0u8; usize::from(u16::from_be_bytes([h[6], h[7]]))];
        s.read_exact(&mut body).unwrap();
        body
    };
    let mut conns: Vec<std::net::TcpStream> = (0..n)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(server.local_addr()).unwrap();
            s.set_nodelay(true).unwrap();
            s.write_all(&wrap(&aarq)).unwrap();
            s
        })
        .collect();
    for s in &mut conns {
        assert_eq!(read_frame(s)[0], 0x61);
    }
    // The first read of each meter integrates its 60-day history.
    let warm = std::time::Instant::now();
    for s in &mut conns {
        s.write_all(&get).unwrap();
    }
    for s in &mut conns {
        assert_eq!(read_frame(s)[0], 0xC4);
    }
    let warm_s = warm.elapsed().as_secs_f64();
    let after = rss().unwrap_or(0);
    let rounds = 20;
    let t = std::time::Instant::now();
    for _ in 0..rounds {
        for s in &mut conns {
            s.write_all(&get).unwrap();
        }
        for s in &mut conns {
            assert_eq!(read_frame(s)[0], 0xC4);
        }
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "{{\"kind\":\"simulator_scale\",\"meters\":{n},\"reads\":{},\"elapsed_s\":{dt:.3},\"reads_per_s\":{:.0},\"first_read_all_meters_s\":{warm_s:.3},\"rss_per_connection_bytes\":{}}}",
        n * rounds,
        (n * rounds) as f64 / dt,
        after.saturating_sub(before) / n as u64
    );
    drop(conns);
    server.shutdown();
}

criterion_group!(
    benches,
    register_get,
    wrapper_get,
    profile,
    cold_meter,
    push_frames
);

fn main() {
    scale();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
