//! Scale benchmark: one `AsyncMeter` task per simulated meter over loopback.
//!
//! Start the simulator with one meter per connection, then run this example against it:
//!
//! ```sh
//! ulimit -n 8192
//! target/release/compteur simulate --tcp 127.0.0.1:4059 --meters 1000 &
//! target/release/examples/scale --tcp 127.0.0.1:4059 --meters 1000 --seconds 10
//! ```
//!
//! (`make bench-scale` does both.) Every task associates as the public client, then reads the
//! value of a register (class 3, attribute 2, `1-0:1.8.0`) in a loop until the time is up. The
//! example prints the register reads per second over all tasks, the failures, and the resident
//! memory of this process (the client side) per connection; with `--server-pid` also the
//! simulator's.

#![allow(clippy::print_stdout, clippy::arithmetic_side_effects)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use e450::client::{AsyncMeter, MeterConfig};

struct Options {
    tcp: String,
    meters: usize,
    seconds: u64,
    server_pid: Option<u32>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        tcp: "127.0.0.1:4059".into(),
        meters: 1000,
        seconds: 10,
        server_pid: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--tcp" => options.tcp = value()?,
            "--meters" => {
                options.meters = value()?.parse().map_err(|e| format!("--meters: {e}"))?
            }
            "--seconds" => {
                options.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?;
            }
            "--server-pid" => {
                options.server_pid =
                    Some(value()?.parse().map_err(|e| format!("--server-pid: {e}"))?);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

/// The resident set size of a process in KiB (Linux `/proc`), if readable.
fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = parse_options()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let rss_before = rss_kib(None);
    let server_rss_before = options.server_pid.and_then(|pid| rss_kib(Some(pid)));
    let config = MeterConfig {
        timeout: Duration::from_secs(20),
        ..MeterConfig::default()
    };
    let register = obis::obis!("1-0:1.8.0");

    // Connect every meter first (a few at a time, as a head-end would), then read.
    let started = Instant::now();
    let mut meters = Vec::with_capacity(options.meters);
    let mut pending = Vec::new();
    for _ in 0..options.meters {
        let tcp = options.tcp.clone();
        let config = config.clone();
        pending.push(tokio::spawn(async move {
            AsyncMeter::connect_tcp(tcp, config).await
        }));
        if pending.len() == 64 {
            for task in pending.drain(..) {
                meters.push(task.await??);
            }
        }
    }
    for task in pending {
        meters.push(task.await??);
    }
    let connect_time = started.elapsed();
    let rss_connected = rss_kib(None);
    let server_rss_connected = options.server_pid.and_then(|pid| rss_kib(Some(pid)));

    let reads = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut tasks = Vec::with_capacity(meters.len());
    for mut meter in meters {
        let reads = Arc::clone(&reads);
        let failures = Arc::clone(&failures);
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match meter.read_attribute(3, register, 2).await {
                    Ok(_) => reads.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failures.fetch_add(1, Ordering::Relaxed),
                };
            }
            let _ = meter.close().await;
        }));
    }
    let measured = Instant::now();
    for task in tasks {
        task.await?;
    }
    let elapsed = measured.elapsed().as_secs_f64();
    let reads = reads.load(Ordering::Relaxed);
    let failures = failures.load(Ordering::Relaxed);

    println!("meters:                {}", options.meters);
    println!("connect + associate:   {:.2} s", connect_time.as_secs_f64());
    println!(
        "register reads:        {reads} in {elapsed:.2} s = {:.0} reads/s",
        reads as f64 / elapsed
    );
    println!("failed reads:          {failures}");
    if let (Some(before), Some(after)) = (rss_before, rss_connected) {
        println!(
            "client memory:         {:.1} KiB per connection ({} KiB -> {} KiB)",
            after.saturating_sub(before) as f64 / options.meters as f64,
            before,
            after
        );
    }
    if let (Some(before), Some(after)) = (server_rss_before, server_rss_connected) {
        println!(
            "simulator memory:      {:.1} KiB per connection ({} KiB -> {} KiB)",
            after.saturating_sub(before) as f64 / options.meters as f64,
            before,
            after
        );
    }
    Ok(())
}
