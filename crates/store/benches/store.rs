//! Store throughput: BLAKE3 alone vs verified read (`get_object`) vs
//! durable write (`put_object`: write + fsync + rename + fsync dir), for
//! 4 KiB, 1 MiB and 256 MiB objects. Reads come from the page cache.
//! `cargo bench -p weir-store --bench store`

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A store with a fixed key: tests never touch the user's key file.
fn open_test(root: &std::path::Path) -> Result<weir_store::Store, weir_store::StoreError> {
    weir_store::Store::open(weir_store::StoreConfig {
        key: Some(weir_store::StoreKey::from_bytes([1; 32])),
        ..weir_store::StoreConfig::new(root)
    })
}

const SIZES: [(&str, usize); 3] = [("4KiB", 4 << 10), ("1MiB", 1 << 20), ("256MiB", 256 << 20)];

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = open_test(&dir.path().join("store")).unwrap();
    for (name, size) in SIZES {
        let mut data: Vec<u8> = (0..size)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761) as u8)
            .collect();
        let mut g = c.benchmark_group(format!("store/{name}"));
        g.throughput(Throughput::Bytes(size as u64));
        if size >= 1 << 28 {
            g.sample_size(10)
                .measurement_time(Duration::from_secs(8))
                .warm_up_time(Duration::from_secs(1));
        }
        g.bench_function("blake3", |b| {
            b.iter(|| blake3::hash(std::hint::black_box(&data)))
        });
        let id = store.put_object(&data).unwrap();
        g.bench_function("verified_read", |b| {
            b.iter(|| store.get_object(&id).unwrap())
        });
        let mut n = 0u64;
        g.bench_function("durable_write", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    n += 1;
                    data[..8].copy_from_slice(&n.to_le_bytes());
                    let t = Instant::now();
                    let id = store.put_object(&data).unwrap();
                    total += t.elapsed();
                    std::fs::remove_file(dir.path().join("store/objects").join(id.to_hex()))
                        .unwrap();
                }
                total
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
