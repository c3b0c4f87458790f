// Part 2 of the fault-injection suite (included by fault_injection.rs):
// thousands of seeded crash scenarios on the simulated disk.

#[derive(Default, Debug)]
struct SimTable {
    scenarios: u64,
    acked_objects: u64,
    acked_records: u64,
    intact: u64,
    lost_reported: u64,
    unacked_seen: u64,
    fsync_failures: u64,
    dir_lies: u64,
    tally: weir_store::sim::CrashTally,
    violations: u64,
}

/// One scenario: random puts until a seeded power cut, crash, reboot, check.
fn sim_scenario(seed: u64, lies: bool, t: &mut SimTable) -> Result<(), String> {
    let fs = Arc::new(SimFs::new(seed));
    let mut rng = Rng::new(seed ^ 0xC0FF_EE00);
    let replicas = rng.chance(300);
    let cfg = || StoreConfig {
        root: "/nb/__weir__/store".into(),
        replicas: if replicas { vec!["/mirror/store".into()] } else { vec![] },
        fs: fs.clone(),
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
    };
    // A store that existed before (some durable history), then the run.
    let s = Store::open(cfg()).map_err(|e| format!("initial open: {e}"))?;
    let base = s.put_object(b"base").unwrap();
    s.put_record(&RecordKey([9; 32]), &Record { objects: vec![base], meta: vec![] }).unwrap();
    drop(s);
    fs.set_faults(SimFaults {
        fsync_fail: 20,
        fsync_dir_lies: if lies { 50 } else { 0 },
        power_cut_after: Some(rng.below(120)),
        ..Default::default()
    });
    let mut acked_objects: Vec<(ObjectId, Vec<u8>)> = vec![(base, b"base".to_vec())];
    // Per key: the acknowledged value (if any) and every value tried after it.
    let mut acked: HashMap<RecordKey, (Option<Record>, Vec<Record>)> = HashMap::new();
    acked.insert(RecordKey([9; 32]), (Some(Record { objects: vec![base], meta: vec![] }), vec![]));
    if let Ok(s) = Store::open(cfg()) {
        for _ in 0..40 {
            if rng.chance(600) {
                let mut data = vec![0u8; 1 + rng.below(300) as usize];
                rng.fill(&mut data);
                if let Ok(id) = s.put_object(&data) {
                    acked_objects.push((id, data));
                }
            } else {
                let key = RecordKey([rng.below(4) as u8; 32]);
                let objects = (0..rng.below(3)).map(|_| acked_objects[rng.below(acked_objects.len() as u64) as usize].0).collect();
                let rec = Record { objects, meta: rng.next_u64().to_le_bytes().to_vec() };
                let entry = acked.entry(key).or_default();
                entry.1.push(rec.clone());
                if s.put_record(&key, &rec).is_ok() {
                    *entry = (Some(rec), vec![]);
                }
            }
        }
    }
    let tally = fs.crash();
    fs.set_faults(SimFaults::default());
    t.scenarios += 1;
    t.fsync_failures += tally.fsync_failures;
    t.dir_lies += tally.dir_sync_lies;
    let lied = tally.dir_sync_lies > 0;
    for (a, b) in [
        (&mut t.tally.dropped, tally.dropped),
        (&mut t.tally.applied, tally.applied),
        (&mut t.tally.torn, tally.torn),
        (&mut t.tally.garbled, tally.garbled),
        (&mut t.tally.misdirected, tally.misdirected),
        (&mut t.tally.entries_applied, tally.entries_applied),
        (&mut t.tally.entries_dropped, tally.entries_dropped),
    ] {
        *a += b;
    }
    let s = Store::open(cfg()).map_err(|e| format!("reopen after crash: {e}"))?;
    for (id, data) in &acked_objects {
        t.acked_objects += 1;
        match s.get_object(id) {
            Ok(b) if &b == data => t.intact += 1,
            Ok(_) => return Err(format!("object {id}: wrong bytes served")),
            Err(StoreError::ObjectNotFound(_)) if lied => t.lost_reported += 1,
            Err(e) => return Err(format!("acknowledged object {id}: {e}")),
        }
    }
    for (key, (ack, later)) in &acked {
        if ack.is_some() {
            t.acked_records += 1;
        }
        match s.get_record(key) {
            Ok(Some(r)) if ack.as_ref() == Some(&r) => t.intact += ack.is_some() as u64,
            Ok(Some(r)) if later.contains(&r) => {
                t.unacked_seen += 1;
                t.intact += ack.is_some() as u64;
            }
            Ok(Some(_)) => return Err(format!("record {key}: a value never written was served")),
            Ok(None) if ack.is_none() => {}
            Ok(None) => return Err(format!("acknowledged record {key} vanished silently")),
            Err(StoreError::LostWrite { .. } | StoreError::RecordIncomplete { .. }) if lied => t.lost_reported += 1,
            Err(e) => return Err(format!("record {key}: {e}")),
        }
    }
    let scrub = s.scrub().map_err(|e| format!("scrub: {e}"))?;
    if !lied && !scrub.healthy() {
        return Err(format!("scrub after an honest crash: {scrub:?}"));
    }
    Ok(())
}

#[test]
fn simulated_disk_crash_scenarios() {
    let n: u64 = std::env::var("WEIR_SIM_SCENARIOS").ok().and_then(|s| s.parse().ok()).unwrap_or(3000);
    let first: u64 = std::env::var("WEIR_SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let started = std::time::Instant::now();
    for (title, lies) in [("honest disk (fsync may fail, pending writes torn/garbled/misdirected/dropped)", false), ("lying disk (also: fsync_dir returns Ok without persisting, 5%)", true)] {
        let mut t = SimTable::default();
        for seed in first..first + n {
            if let Err(e) = sim_scenario(seed, lies, &mut t) {
                t.violations += 1;
                eprintln!("VIOLATION seed {seed} (replay: WEIR_SIM_SEED={seed} WEIR_SIM_SCENARIOS=1): {e}");
            }
        }
        println!("\nSimulated disk: {title}, seeds {first}..{}", first + n);
        println!("  scenarios {}  acked objects {}  acked records {}", t.scenarios, t.acked_objects, t.acked_records);
        println!("  acked writes intact after reboot {}  lost but reported {}  unacked writes that survived {}", t.intact, t.lost_reported, t.unacked_seen);
        let c = &t.tally;
        println!(
            "  pending writes at crash: dropped {} applied {} torn {} garbled {} misdirected {}; dir entries applied {} dropped {}; fsync failures {}; dir-sync lies {}",
            c.dropped, c.applied, c.torn, c.garbled, c.misdirected, c.entries_applied, c.entries_dropped, t.fsync_failures, t.dir_lies
        );
        println!("  violations (acked write damaged/lost silently, corrupt or stale served) {}", t.violations);
        assert_eq!(t.violations, 0, "{title}: see VIOLATION lines for seeds");
    }
    println!("  ({} scenarios in {:.1?})", 2 * n, started.elapsed());
}
