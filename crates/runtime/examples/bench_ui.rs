//! Element value latency through the kernel over a real Python worker
//! (docs/benchmarks.md, "Element values"): from sending a slider's value
//! (`Command::SetUiValue`) until the last dependent's `Finished` event
//! reaches a subscriber, for 1, 10 and 100 dependents reading the slider
//! (`fan-out`) or reading each other after the first (`chain`); p50/p95.
//!
//! ```sh
//! cargo run --release -p weir-runtime --example bench_ui -- [--changes 100] [--warmup 10]
//! ```
//!
//! In process, no WebSocket: the kernel's share of the path a browser's
//! value takes (the server adds a JSON parse and a channel hop).
//!
//! What `weir edit` turns on beside that, each alone, to find where the
//! editor's time goes (docs/benchmarks.md, "over a WebSocket"):
//! `WEIR_BENCH_SHOW=1` (each dependent shows its value: an output),
//! `WEIR_BENCH_HASH=1` (the worker hashes outputs), `WEIR_BENCH_VARS=1`
//! (variable summaries), `WEIR_BENCH_SNAPSHOTS=DIR` (output snapshots kept
//! in a store in DIR).

use std::collections::HashSet;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;
use weir_project::Project;
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelHandle, Subscription,
};
use weir_runtime::{RunStatus, Session, SessionConfig};

const DEADLINE: Duration = Duration::from_secs(120);
const UI: &str = "application/vnd.weir.ui+json";

fn on(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| v == "1")
}

fn notebook(chain: bool, dependents: usize) -> String {
    let show = on("WEIR_BENCH_SHOW");
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    src.push_str(
        "@app.cell\ndef _():\n    import weir\n    s = weir.ui.slider(0, 1000)\n    s\n    return s, weir\n\n\n",
    );
    for i in 1..=dependents {
        let (params, code) = if chain && i > 1 {
            (format!("x_{}", i - 1), format!("x_{i} = x_{} + 1", i - 1))
        } else {
            ("s".to_owned(), format!("x_{i} = s.value + {i}"))
        };
        let shown = if show {
            format!("\n    x_{i}")
        } else {
            String::new()
        };
        src.push_str(&format!(
            "@app.cell\ndef _({params}):\n    {code}{shown}\n    return (x_{i},)\n\n\n"
        ));
    }
    src
}

struct Bench {
    kernel: KernelHandle,
    sub: Subscription,
    dependents: HashSet<u32>,
}

impl Bench {
    fn next(&self) -> Result<EventBody, String> {
        match self.sub.recv_timeout(Some(DEADLINE)) {
            Some(Delivery::Event(e)) => Ok(e.body.clone()),
            other => Err(format!("no event: {other:?}")),
        }
    }

    fn until_finished(&self) -> Result<(), String> {
        let mut done = 0;
        while done < self.dependents.len() {
            match self.next()? {
                EventBody::Finished { id, status, .. } if self.dependents.contains(&id) => {
                    if status != RunStatus::Ok {
                        return Err(format!("cell {id} finished {status:?}"));
                    }
                    done += 1;
                }
                EventBody::UiValueRefused { message, .. } => return Err(message),
                EventBody::WorkerDied { message } => return Err(message),
                _ => {}
            }
        }
        while !matches!(self.next()?, EventBody::Idle) {}
        Ok(())
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn measure(
    chain: bool,
    dependents: usize,
    changes: usize,
    warmup: usize,
) -> Result<(f64, f64), String> {
    let project = Project::from_source(&notebook(chain, dependents)).map_err(|e| e.to_string())?;
    let config = SessionConfig {
        python_path_extra: weir_runtime::default_python_path_extra(),
        hash_outputs: on("WEIR_BENCH_HASH"),
        ..SessionConfig::default()
    };
    let session = Session::start(project, config).map_err(|e| e.to_string())?;
    let kernel = kernel::spawn(
        session,
        KernelConfig {
            variables: on("WEIR_BENCH_VARS"),
            snapshots: std::env::var_os("WEIR_BENCH_SNAPSHOTS").map(|dir| {
                let config = weir_store::StoreConfig {
                    key: Some(weir_store::StoreKey::from_bytes([3; 32])),
                    ..weir_store::StoreConfig::new(dir)
                };
                weir_runtime::snapshots::Snapshots::lazy(config, "bench.py".as_ref())
            }),
            ..KernelConfig::default()
        },
    );
    let (snapshot, sub) = kernel.connect();
    let ids: Vec<u32> = snapshot.cells.iter().map(|c| c.meta.id).collect();
    let bench = Bench {
        kernel,
        sub,
        dependents: ids[1..].iter().copied().collect(),
    };
    bench
        .kernel
        .send(Command::RunAll)
        .map_err(|e| e.to_string())?;
    let element = loop {
        if let EventBody::Finished { id, outputs, .. } = bench.next()?
            && id == ids[0]
        {
            break outputs[0][UI]["id"]
                .as_str()
                .ok_or("no element id")?
                .to_owned();
        }
    };
    bench.until_finished()?;
    let mut ms = Vec::with_capacity(changes);
    for k in 0..warmup + changes {
        let start = Instant::now();
        bench
            .kernel
            .send(Command::SetUiValue {
                element_id: element.clone(),
                value: json!((k % 1000) + 1),
                reply: None,
            })
            .map_err(|e| e.to_string())?;
        bench.until_finished()?;
        if k >= warmup {
            ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    bench.kernel.shutdown();
    ms.sort_by(f64::total_cmp);
    Ok((percentile(&ms, 50.0), percentile(&ms, 95.0)))
}

fn main() -> ExitCode {
    let mut changes = 100;
    let mut warmup = 10;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse::<usize>().ok());
        match (flag.as_str(), value) {
            ("--changes", Some(n)) if n > 0 => changes = n,
            ("--warmup", Some(n)) => warmup = n,
            _ => {
                eprintln!("usage: bench_ui [--changes N] [--warmup N]");
                return ExitCode::from(2);
            }
        }
    }
    println!("| notebook | dependents | p50 ms | p95 ms |\n|---|---:|---:|---:|");
    for (chain, n) in [
        (false, 1),
        (false, 10),
        (true, 10),
        (false, 100),
        (true, 100),
    ] {
        match measure(chain, n, changes, warmup) {
            Ok((p50, p95)) => println!(
                "| {} | {n} | {p50:.2} | {p95:.2} |",
                if chain { "chain" } else { "fan-out" }
            ),
            Err(e) => {
                eprintln!("bench_ui: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
