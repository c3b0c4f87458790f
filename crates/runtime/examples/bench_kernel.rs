//! End-to-end benchmarks of the interactive kernel over a real Python
//! worker (docs/benchmarks.md, "The kernel"; `bench/kernel_api.py` runs
//! this and marimo's kernel side by side).
//!
//! ```sh
//! cargo run --release -p weir-runtime --example bench_kernel -- [--json] \
//!     [--python PATH] [--changes 200] [--warmup 20] [--reruns 20] [--only a,b]
//! ```
//!
//! Phases (`--only` picks some): `memory` (RSS of this process and of the
//! worker's process tree, idle with a 100-cell notebook after one run, then
//! with a stalled subscriber holding 1,000+ queued events), `latency` (from
//! sending a `SetCode` of the root until the last dependent's `Finished`
//! event reaches a subscriber, p50/p95 over `--changes` changes), `rerun`
//! (warm `RunAll` of a 1,000-cell chain, per cell). Memory runs first so
//! the other phases' allocations do not count against it. `latency` and
//! `rerun` also report CPU time (user + system, from `/proc`) of this
//! process and of the worker: on a shared machine the steadier figure.
//!
//! Not criterion: what matters is the latency a client sees through the
//! whole path (inbox, planning, worker round trips, the event hub), with
//! its spread, not a tight-loop mean.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use weir_graph::CellId;
use weir_project::{Change, Project};
use weir_runtime::kernel::{
    self, Command, Delivery, EventBody, KernelConfig, KernelHandle, RunMode, Subscription,
};
use weir_runtime::{RunStatus, Session, SessionConfig};

/// A wait longer than this is a hang, reported as an error.
const DEADLINE: Duration = Duration::from_secs(120);

const USAGE: &str = "usage: bench_kernel [--json] [--python PATH] [--changes N] [--warmup N] \
                     [--reruns N] [--rerun-cells N] [--only memory,latency,rerun]";

struct Args {
    json: bool,
    python: Option<PathBuf>,
    changes: usize,
    warmup: usize,
    reruns: usize,
    rerun_cells: usize,
    phases: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        json: false,
        python: None,
        changes: 200,
        warmup: 20,
        reruns: 20,
        rerun_cells: 1000,
        phases: vec!["memory".into(), "latency".into(), "rerun".into()],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        let mut count = |name: &str| -> Result<usize, String> {
            let v = value()?;
            match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "{name}: expected a positive whole number, got {v:?}"
                )),
            }
        };
        match flag.as_str() {
            "--json" => args.json = true,
            "--python" => args.python = Some(PathBuf::from(value()?)),
            "--changes" => args.changes = count("--changes")?,
            "--warmup" => args.warmup = count("--warmup")?,
            "--reruns" => args.reruns = count("--reruns")?,
            "--rerun-cells" => args.rerun_cells = count("--rerun-cells")?,
            "--only" => {
                let v = value()?;
                let phases: Vec<String> = v.split(',').map(|s| s.trim().to_owned()).collect();
                for p in &phases {
                    if !["memory", "latency", "rerun"].contains(&p.as_str()) {
                        return Err(format!(
                            "--only: unknown phase {p:?} (memory, latency, rerun)"
                        ));
                    }
                }
                args.phases = phases;
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// How the dependents read the root.
#[derive(Clone, Copy)]
enum Shape {
    /// Dependent i reads dependent i-1 (the first reads the root).
    Chain,
    /// Every dependent reads the root.
    FanOut,
}

/// A notebook in Weir form: the root `x_0 = 0` and `dependents` trivial
/// cells, written the way `bench/gen_notebook.py` writes them.
fn notebook(shape: Shape, dependents: usize) -> String {
    let mut src = String::from("import weir\n\napp = weir.App()\n\n");
    let mut cell = |params: &str, code: &str, def: &str| {
        src.push_str(&format!(
            "@app.cell\ndef _({params}):\n    {code}\n    return ({def},)\n\n\n"
        ));
    };
    cell("", "x_0 = 0", "x_0");
    for i in 1..=dependents {
        match shape {
            Shape::Chain => {
                let (prev, def) = (format!("x_{}", i - 1), format!("x_{i}"));
                cell(&prev, &format!("{def} = {prev} + 1"), &def);
            }
            Shape::FanOut => {
                let def = format!("y_{i}");
                cell("x_0", &format!("{def} = x_0 + {i}"), &def);
            }
        }
    }
    src.push_str("if __name__ == \"__main__\":\n    app.run()\n");
    src
}

struct Bench {
    kernel: KernelHandle,
    sub: Subscription,
    ids: Vec<u32>,
    worker_pid: u32,
}

impl Bench {
    fn start(args: &Args, shape: Shape, dependents: usize) -> Result<Bench, String> {
        let project = Project::from_source(&notebook(shape, dependents))
            .map_err(|e| format!("the generated notebook does not load: {e}"))?;
        let config = SessionConfig {
            python: args.python.clone(),
            python_path_extra: weir_runtime::default_python_path_extra(),
            ..SessionConfig::default()
        };
        let session = Session::start(project, config)
            .map_err(|e| format!("the worker did not start: {e}"))?;
        let worker_pid = session
            .worker()
            .pid()
            .ok_or("the worker is not a process of its own")?;
        let kernel = kernel::spawn(
            session,
            KernelConfig {
                mode: RunMode::Autorun,
                // `WEIR_BENCH_SNAPSHOTS=DIR`: with output snapshots kept in
                // a store there (docs/benchmarks.md, "Output snapshots").
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
        let ids = snapshot.cells.iter().map(|c| c.meta.id).collect();
        Ok(Bench {
            kernel,
            sub,
            ids,
            worker_pid,
        })
    }

    fn send(&self, command: Command) -> Result<(), String> {
        self.kernel.send(command).map_err(|e| e.to_string())
    }

    fn next(&self) -> Result<EventBody, String> {
        match self.sub.recv_timeout(Some(DEADLINE)) {
            Some(Delivery::Event(e)) => Ok(e.body.clone()),
            Some(other) => Err(format!("the subscription ended: {other:?}")),
            None => Err(format!("no kernel event within {DEADLINE:?}")),
        }
    }

    /// Reads events until `want` cells of `of` have finished (each `Ok`);
    /// a skipped or failed cell is an error, since it would not be the
    /// work being timed.
    fn until_finished(&self, of: &HashSet<u32>, want: usize) -> Result<(), String> {
        let mut done = 0;
        while done < want {
            match self.next()? {
                EventBody::Finished { id, status, .. } if of.contains(&id) => {
                    if status != RunStatus::Ok {
                        return Err(format!("cell {id} finished {status:?}, expected ok"));
                    }
                    done += 1;
                }
                EventBody::Skipped { id, reason, .. } => {
                    return Err(format!("cell {id} was skipped: {reason}"));
                }
                EventBody::WorkerDied { message } => return Err(message),
                _ => {}
            }
        }
        Ok(())
    }

    fn until_idle(&self) -> Result<(), String> {
        while !matches!(self.next()?, EventBody::Idle) {}
        Ok(())
    }

    fn run_all(&self) -> Result<(), String> {
        self.send(Command::RunAll)?;
        let all: HashSet<u32> = self.ids.iter().copied().collect();
        self.until_finished(&all, all.len())?;
        self.until_idle()
    }

    fn set_root(&self, value: usize) -> Result<(), String> {
        self.send(Command::Change {
            change: Change::SetCode {
                cell: CellId(self.ids[0]),
                code: format!("x_0 = {value}"),
            },
            reply: None,
        })
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn latency(args: &Args, shape: Shape, dependents: usize) -> Result<Value, String> {
    let bench = Bench::start(args, shape, dependents)?;
    bench.run_all()?;
    let deps: HashSet<u32> = bench.ids[1..].iter().copied().collect();
    let mut ms = Vec::with_capacity(args.changes);
    let mut cpu_start = None;
    for k in 0..args.warmup + args.changes {
        if k == args.warmup {
            cpu_start = Some(Cpu::now(bench.worker_pid)?);
        }
        // Alternating values: every change really changes the code.
        let start = Instant::now();
        bench.set_root((k + 1) % 2)?;
        bench.until_finished(&deps, dependents)?;
        let took = start.elapsed();
        // Not timed: the kernel's `Idle` after the last cell, so the next
        // change starts from a quiet kernel.
        bench.until_idle()?;
        if k >= args.warmup {
            ms.push(took.as_secs_f64() * 1e3);
        }
    }
    let cpu = Cpu::now(bench.worker_pid)?.since(cpu_start.ok_or("no timed change")?);
    bench.kernel.shutdown();
    ms.sort_by(f64::total_cmp);
    let per_change = |secs: f64| secs * 1e3 / args.changes as f64;
    Ok(json!({
        "cpu_ms_per_change": per_change(cpu.runtime + cpu.worker),
        "runtime_cpu_ms_per_change": per_change(cpu.runtime),
        "worker_cpu_ms_per_change": per_change(cpu.worker),
        "shape": match shape { Shape::Chain => "chain", Shape::FanOut => "fan-out" },
        "dependents": dependents,
        "changes": ms.len(),
        "p50_ms": percentile(&ms, 50.0),
        "p95_ms": percentile(&ms, 95.0),
        "max_ms": ms[ms.len() - 1],
    }))
}

fn rerun(args: &Args) -> Result<Value, String> {
    let cells = args.rerun_cells;
    let bench = Bench::start(args, Shape::Chain, cells - 1)?;
    let start = Instant::now();
    bench.run_all()?;
    let cold = start.elapsed().as_secs_f64();
    let mut per_cell_us = Vec::with_capacity(args.reruns);
    let cpu_start = Cpu::now(bench.worker_pid)?;
    for _ in 0..args.reruns {
        let start = Instant::now();
        bench.run_all()?;
        per_cell_us.push(start.elapsed().as_secs_f64() * 1e6 / cells as f64);
    }
    let cpu = Cpu::now(bench.worker_pid)?.since(cpu_start);
    let per_cell = |secs: f64| secs * 1e6 / (cells * args.reruns) as f64;
    bench.kernel.shutdown();
    per_cell_us.sort_by(f64::total_cmp);
    let session_us = session_rerun(args, cells)?;
    Ok(json!({
        "cells": cells,
        "reruns": per_cell_us.len(),
        "first_run_ms": cold * 1e3,
        "per_cell_p50_us": percentile(&per_cell_us, 50.0),
        "per_cell_p95_us": percentile(&per_cell_us, 95.0),
        "cpu_us_per_cell": per_cell(cpu.runtime + cpu.worker),
        "runtime_cpu_us_per_cell": per_cell(cpu.runtime),
        "worker_cpu_us_per_cell": per_cell(cpu.worker),
        "session_per_cell_p50_us": session_us,
    }))
}

/// The same warm re-run through `Session::run_all` with no kernel around
/// it (no inbox, no hub, no subscriber): what the kernel itself adds is
/// the difference. p50 per cell, in µs.
fn session_rerun(args: &Args, cells: usize) -> Result<f64, String> {
    let project = Project::from_source(&notebook(Shape::Chain, cells - 1))
        .map_err(|e| format!("the generated notebook does not load: {e}"))?;
    let config = SessionConfig {
        python: args.python.clone(),
        python_path_extra: weir_runtime::default_python_path_extra(),
        ..SessionConfig::default()
    };
    let mut session =
        Session::start(project, config).map_err(|e| format!("the worker did not start: {e}"))?;
    let mut per_cell_us = Vec::with_capacity(args.reruns);
    for round in 0..=args.reruns {
        let start = Instant::now();
        let report = session.run_all(|_| {}).map_err(|e| e.to_string())?;
        let took = start.elapsed();
        if report.order.len() != cells || report.worker_died.is_some() {
            return Err(format!(
                "session re-run ran {} of {cells} cells",
                report.order.len()
            ));
        }
        if round > 0 {
            per_cell_us.push(took.as_secs_f64() * 1e6 / cells as f64);
        }
    }
    let _ = session.shutdown();
    per_cell_us.sort_by(f64::total_cmp);
    Ok(percentile(&per_cell_us, 50.0))
}

/// CPU time (user + system, all threads) used so far by this process (the
/// runtime and kernel) and by the worker, in seconds: the steady figure on
/// a busy machine, where wall time measures the load.
#[derive(Clone, Copy)]
struct Cpu {
    runtime: f64,
    worker: f64,
}

impl Cpu {
    fn now(worker_pid: u32) -> Result<Cpu, String> {
        Ok(Cpu {
            runtime: cpu_seconds("self")?,
            worker: cpu_seconds(&worker_pid.to_string())?,
        })
    }

    fn since(self, start: Cpu) -> Cpu {
        Cpu {
            runtime: self.runtime - start.runtime,
            worker: self.worker - start.worker,
        }
    }
}

/// `utime + stime` of `/proc/<pid>/stat`, in seconds.
fn cpu_seconds(pid: &str) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("reading /proc/{pid}/stat: {e}"))?;
    // After the command name (in parentheses, may hold spaces): state is
    // field 3, utime 14 and stime 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .map(|t| t as f64)
            .ok_or_else(|| format!("no CPU times in /proc/{pid}/stat"))
    };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok((tick(11)? + tick(12)?) / hz)
}

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: u32) -> Result<u64, String> {
    proc_field(pid, "status", "VmRSS:")
}

/// `Pss` of a process, in KiB: shared pages divided among their sharers,
/// so a tree's sum does not count the forked reaper's pages twice.
fn pss_kib(pid: u32) -> Result<u64, String> {
    proc_field(pid, "smaps_rollup", "Pss:")
}

fn proc_field(pid: u32, file: &str, field: &str) -> Result<u64, String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .map_err(|e| format!("reading /proc/{pid}/{file}: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/{pid}/{file}"))
}

/// `pid` and every process descended from it.
fn process_tree(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
                continue;
            };
            // The command name is in parentheses and may hold spaces.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                parents.push((child, ppid));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    tree
}

fn tree_rss_kib(pid: u32) -> Result<(u64, usize), String> {
    tree_sum(pid, rss_kib)
}

fn tree_sum(pid: u32, of: fn(u32) -> Result<u64, String>) -> Result<(u64, usize), String> {
    let tree = process_tree(pid);
    let mut total = 0;
    for p in &tree {
        total += of(*p)?;
    }
    Ok((total, tree.len()))
}

fn memory(args: &Args) -> Result<Value, String> {
    let own = std::process::id();
    let before = rss_kib(own)?;
    let bench = Bench::start(args, Shape::Chain, 99)?;
    bench.run_all()?;
    let host = rss_kib(own)?;
    let (worker, worker_processes) = tree_rss_kib(bench.worker_pid)?;
    let (worker_pss, _) = tree_sum(bench.worker_pid, pss_kib)?;
    let host_pss = pss_kib(own)?;
    // A subscriber that never reads, with a limit that never drops it.
    let (_, stalled) = bench.kernel.connect_with_limit(usize::MAX);
    let mut runs = 0;
    while stalled.pending() < 1000 {
        bench.run_all()?;
        runs += 1;
    }
    let queued = stalled.pending();
    let host_stalled = rss_kib(own)?;
    let (worker_stalled, _) = tree_rss_kib(bench.worker_pid)?;
    drop(stalled);
    bench.kernel.shutdown();
    Ok(json!({
        "cells": bench.ids.len(),
        "host_before_kernel_kib": before,
        "host_idle_kib": host,
        "worker_tree_idle_kib": worker,
        "worker_processes": worker_processes,
        "idle_total_kib": host + worker,
        "idle_total_pss_kib": host_pss + worker_pss,
        "stalled_queued_events": queued,
        "stalled_runs": runs,
        "host_stalled_kib": host_stalled,
        "worker_tree_stalled_kib": worker_stalled,
        "stalled_growth_kib": (host_stalled + worker_stalled) as i64 - (host + worker) as i64,
    }))
}

fn run(args: &Args) -> Result<Value, String> {
    let mut out = json!({});
    let say = |line: String| {
        if !args.json {
            println!("{line}");
        }
    };
    if args.phases.iter().any(|p| p == "memory") {
        let m = memory(args)?;
        say(format!("memory: {m}"));
        out["memory"] = m;
    }
    if args.phases.iter().any(|p| p == "latency") {
        let mut rows = Vec::new();
        for (shape, n) in [
            (Shape::Chain, 1),
            (Shape::FanOut, 10),
            (Shape::Chain, 10),
            (Shape::FanOut, 100),
            (Shape::Chain, 100),
        ] {
            let row = latency(args, shape, n)?;
            say(format!("latency: {row}"));
            rows.push(row);
        }
        out["latency"] = Value::Array(rows);
    }
    if args.phases.iter().any(|p| p == "rerun") {
        let r = rerun(args)?;
        say(format!("rerun: {r}"));
        out["rerun"] = r;
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_kernel: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(out) => {
            if args.json {
                println!("{out}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench_kernel: {e}");
            ExitCode::FAILURE
        }
    }
}
