//! `cargo +nightly fuzz run parse` (from crates/notebook): `parse` must
//! never panic, and whatever it reads must write and read back with the
//! same cells.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|source: &str| {
    if let Ok(nb) = weir_notebook::parse(source) {
        let sigs: Vec<_> = nb
            .cells
            .iter()
            .map(|c| c.signature_in_file.clone().unwrap_or_default())
            .collect();
        let text = weir_notebook::write(&nb, &sigs);
        let _ = weir_notebook::parse(&text);
    }
});
