//! A seeded, deterministic, in-memory disk with a page cache, for crash
//! testing the write protocol thousands of times a second.
//!
//! Model. Each file is an inode with two contents: `cache` (what reads see)
//! and `durable` (what survives a crash). Each directory entry likewise
//! exists in the cached namespace and, after `fsync_dir` of its parent, in
//! the durable one. `write_file(.., sync)`/`append(.., sync)` make an
//! inode's data durable; `fsync_dir` makes a directory's entries durable.
//!
//! At [`SimFs::crash`], every inode whose cache differs from its durable
//! content has its pending write, independently and by the seeded RNG:
//! dropped, applied, torn (a prefix applied), garbled (applied with a range
//! of random bytes) or misdirected (its bytes land in another file's
//! in-flight region and its own write is dropped). Every pending directory
//! entry change is applied or not, independently (a stronger adversary than
//! an ordered journaling file system). Faults can also be armed while
//! running: fsync failing (EIO), `fsync_dir` lying (returns Ok, persists
//! nothing), a read-only file system, a full disk, and a power cut after N
//! mutating operations (every later call fails until `crash`).
//!
//! Not modelled: corruption of data that was already durable (the
//! fault-injection suite does that to real files), and directory creation,
//! which is durable at once (the store creates its directories at open and
//! syncs their parents anyway).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::fs::{Fs, Refused, RestLen};

/// SplitMix64: tiny, seedable, good enough to drive fault choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0);
        self.next_u64() % n
    }
    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < per_mille as u64
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next_u64() as u8;
        }
    }
}

/// Faults armed on a running simulated disk.
#[derive(Debug, Clone, Default)]
pub struct SimFaults {
    /// Chance (per mille) that a sync (`write_file`/`append` with sync) fails with EIO.
    pub fsync_fail: u32,
    /// Chance (per mille) that `fsync_dir` returns Ok without persisting.
    pub fsync_dir_lies: u32,
    /// Every mutating call fails with EROFS.
    pub read_only: bool,
    /// Writes that would grow cached data beyond this many bytes fail with ENOSPC.
    pub space_limit: Option<u64>,
    /// After this many more mutating calls the power is cut: that call and
    /// all later ones fail until [`SimFs::crash`].
    pub power_cut_after: Option<u64>,
}

/// What happened to the pending writes at the last crash (for the table).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrashTally {
    pub dropped: u64,
    pub applied: u64,
    pub torn: u64,
    pub garbled: u64,
    pub misdirected: u64,
    pub entries_applied: u64,
    pub entries_dropped: u64,
    pub fsync_failures: u64,
    pub dir_sync_lies: u64,
}

#[derive(Debug, Clone, Default)]
struct Inode {
    cache: Vec<u8>,
    durable: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    File(usize),
    Dir,
}

#[derive(Debug)]
struct State {
    inodes: Vec<Inode>,
    cached: BTreeMap<PathBuf, Node>,
    durable: BTreeMap<PathBuf, Node>,
    rng: Rng,
    faults: SimFaults,
    powered_off: bool,
    tally: CrashTally,
}

/// The simulated disk. Cheap to share: all state is behind one mutex.
#[derive(Debug)]
pub struct SimFs {
    state: Mutex<State>,
}

fn err(kind: io::ErrorKind, what: &str) -> io::Error {
    io::Error::new(kind, format!("sim: {what}"))
}

impl SimFs {
    pub fn new(seed: u64) -> SimFs {
        let mut root = BTreeMap::new();
        root.insert(PathBuf::from("/"), Node::Dir);
        SimFs {
            state: Mutex::new(State {
                inodes: Vec::new(),
                cached: root.clone(),
                durable: root,
                rng: Rng::new(seed),
                faults: SimFaults::default(),
                powered_off: false,
                tally: CrashTally::default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves a consistent map.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_faults(&self, faults: SimFaults) {
        self.lock().faults = faults;
    }

    /// Power failure and reboot: applies the crash model to pending state,
    /// then the cache is what the disk holds. Returns what happened.
    pub fn crash(&self) -> CrashTally {
        let mut s = self.lock();
        let s = &mut *s;
        let dirty: Vec<usize> = (0..s.inodes.len())
            .filter(|&i| s.inodes[i].cache != s.inodes[i].durable)
            .collect();
        // Where each dirty file's durable data ends (appends) or 0 (rewrites).
        let floors: std::collections::HashMap<usize, usize> = dirty
            .iter()
            .map(|&i| {
                let ino = &s.inodes[i];
                (
                    i,
                    if ino.cache.starts_with(&ino.durable) {
                        ino.durable.len()
                    } else {
                        0
                    },
                )
            })
            .collect();
        for &i in &dirty {
            let old = s.inodes[i].durable.clone();
            let new = s.inodes[i].cache.clone();
            match s.rng.below(100) {
                0..40 => s.tally.dropped += 1,
                40..70 => {
                    s.tally.applied += 1;
                    s.inodes[i].durable = new;
                }
                70..85 => {
                    s.tally.torn += 1;
                    // An append tears after the old content; a rewrite
                    // keeps some prefix of the new one.
                    let from = if new.starts_with(&old) { old.len() } else { 0 };
                    let cut = from + s.rng.below((new.len() - from) as u64 + 1) as usize;
                    s.inodes[i].durable = new[..cut].to_vec();
                }
                85..95 => {
                    s.tally.garbled += 1;
                    let from = if new.starts_with(&old) { old.len() } else { 0 };
                    let mut d = new;
                    if d.len() > from {
                        let at = from + s.rng.below((d.len() - from) as u64) as usize;
                        let n = (1 + s.rng.below(16) as usize).min(d.len() - at);
                        s.rng.fill(&mut d[at..at + n]);
                    }
                    s.inodes[i].durable = d;
                }
                _ => {
                    s.tally.misdirected += 1;
                    let others: Vec<usize> = dirty.iter().copied().filter(|&j| j != i).collect();
                    if !others.is_empty() {
                        let j = others[s.rng.below(others.len() as u64) as usize];
                        let src_from = if new.starts_with(&old) { old.len() } else { 0 };
                        let chunk = &new[src_from..];
                        // Land only in j's in-flight region: never on data
                        // j had already made durable.
                        let floor = floors[&j];
                        let mut d = s.inodes[j].durable.clone();
                        let at = floor + s.rng.below(64) as usize;
                        if d.len() < at + chunk.len() {
                            d.resize(at + chunk.len(), 0);
                        }
                        d[at..at + chunk.len()].copy_from_slice(chunk);
                        s.inodes[j].durable = d;
                    }
                }
            }
        }
        let paths: Vec<PathBuf> = s.cached.keys().chain(s.durable.keys()).cloned().collect();
        for p in paths {
            let (c, d) = (s.cached.get(&p).copied(), s.durable.get(&p).copied());
            if c != d {
                if s.rng.chance(500) {
                    s.tally.entries_applied += 1;
                    match c {
                        Some(n) => s.durable.insert(p, n),
                        None => s.durable.remove(&p),
                    };
                } else {
                    s.tally.entries_dropped += 1;
                }
            }
        }
        s.cached = s.durable.clone();
        for ino in &mut s.inodes {
            ino.cache = ino.durable.clone();
        }
        s.powered_off = false;
        s.faults.power_cut_after = None;
        std::mem::take(&mut s.tally)
    }

    /// Total bytes in the cached view (for space accounting).
    fn used(s: &State) -> u64 {
        s.cached
            .values()
            .filter_map(|n| {
                if let Node::File(i) = n {
                    Some(s.inodes[*i].cache.len() as u64)
                } else {
                    None
                }
            })
            .sum()
    }
}

impl State {
    /// Gate for every mutating call: power, read-only.
    fn mutate(&mut self) -> io::Result<()> {
        if self.powered_off {
            return Err(err(io::ErrorKind::Other, "power is off"));
        }
        if let Some(n) = self.faults.power_cut_after.as_mut() {
            if *n == 0 {
                self.powered_off = true;
                return Err(err(io::ErrorKind::Other, "power cut"));
            }
            *n -= 1;
        }
        if self.faults.read_only {
            return Err(err(
                io::ErrorKind::ReadOnlyFilesystem,
                "read-only file system",
            ));
        }
        Ok(())
    }

    fn alive(&self) -> io::Result<()> {
        if self.powered_off {
            Err(err(io::ErrorKind::Other, "power is off"))
        } else {
            Ok(())
        }
    }

    fn parent_is_dir(&self, path: &Path) -> io::Result<()> {
        match path.parent().map(|p| self.cached.get(p)) {
            Some(Some(Node::Dir)) => Ok(()),
            _ => Err(err(io::ErrorKind::NotFound, "no such directory")),
        }
    }

    fn file(&self, path: &Path) -> io::Result<usize> {
        match self.cached.get(path) {
            Some(Node::File(i)) => Ok(*i),
            Some(Node::Dir) => Err(err(io::ErrorKind::IsADirectory, "is a directory")),
            None => Err(err(io::ErrorKind::NotFound, "no such file")),
        }
    }

    fn sync(&mut self, ino: usize) -> io::Result<()> {
        let fail = self.faults.fsync_fail;
        if self.rng.chance(fail) {
            self.tally.fsync_failures += 1;
            return Err(err(io::ErrorKind::Other, "fsync: EIO"));
        }
        self.inodes[ino].durable = self.inodes[ino].cache.clone();
        Ok(())
    }

    fn check_space(&self, grow: u64) -> io::Result<()> {
        match self.faults.space_limit {
            Some(limit) if SimFs::used(self) + grow > limit => {
                Err(err(io::ErrorKind::StorageFull, "no space left on device"))
            }
            _ => Ok(()),
        }
    }
}

impl Fs for SimFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.mutate()?;
        for a in path.ancestors() {
            match s.cached.get(a) {
                Some(Node::Dir) => break,
                Some(Node::File(_)) => {
                    return Err(err(io::ErrorKind::AlreadyExists, "file in the way"));
                }
                None => {
                    s.cached.insert(a.to_path_buf(), Node::Dir);
                    s.durable.insert(a.to_path_buf(), Node::Dir);
                }
            }
        }
        Ok(())
    }

    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let mut s = self.lock();
        s.mutate()?;
        s.parent_is_dir(path)?;
        let data: Vec<u8> = parts.concat();
        let ino = match s.cached.get(path) {
            Some(Node::File(i)) => *i,
            Some(Node::Dir) => return Err(err(io::ErrorKind::IsADirectory, "is a directory")),
            None => {
                s.inodes.push(Inode::default());
                let i = s.inodes.len() - 1;
                s.cached.insert(path.to_path_buf(), Node::File(i));
                i
            }
        };
        let grow = (data.len() as u64).saturating_sub(s.inodes[ino].cache.len() as u64);
        s.check_space(grow)?;
        s.inodes[ino].cache = data;
        if sync { s.sync(ino) } else { Ok(()) }
    }

    fn append(&self, path: &Path, data: &[u8], sync: bool) -> io::Result<()> {
        let mut s = self.lock();
        s.mutate()?;
        let ino = s.file(path)?;
        s.check_space(data.len() as u64)?;
        s.inodes[ino].cache.extend_from_slice(data);
        if sync { s.sync(ino) } else { Ok(()) }
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.mutate()?;
        let ino = s.file(from)?;
        s.parent_is_dir(to)?;
        s.cached.remove(from);
        s.cached.insert(to.to_path_buf(), Node::File(ino));
        Ok(())
    }

    fn fsync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.mutate()?;
        if s.cached.get(dir) != Some(&Node::Dir) {
            return Err(err(io::ErrorKind::NotFound, "no such directory"));
        }
        let lies = s.faults.fsync_dir_lies;
        if s.rng.chance(lies) {
            s.tally.dir_sync_lies += 1;
            return Ok(());
        }
        let children: Vec<PathBuf> = s
            .cached
            .keys()
            .chain(s.durable.keys())
            .filter(|p| p.parent() == Some(dir))
            .cloned()
            .collect();
        for p in children {
            match s.cached.get(&p).copied() {
                Some(n) => s.durable.insert(p, n),
                None => s.durable.remove(&p),
            };
        }
        Ok(())
    }

    fn read(
        &self,
        path: &Path,
        head_len: usize,
        rest_len: RestLen<'_>,
        visit: &mut dyn FnMut(&[u8]),
    ) -> io::Result<(Vec<u8>, Vec<u8>)> {
        let s = self.lock();
        s.alive()?;
        let data = &s.inodes[s.file(path)?].cache;
        let (head, rest) = data.split_at(head_len.min(data.len()));
        // As the real one: what the caller accepts, plus one byte.
        let n = rest_len(head, rest.len() as u64).map_err(Refused::into_io)?;
        let n = usize::try_from(n).unwrap_or(usize::MAX).min(rest.len());
        let rest = &rest[..rest.len().min(n + 1)];
        visit(rest);
        Ok((head.to_vec(), rest.to_vec()))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut s = self.lock();
        s.mutate()?;
        s.file(path)?;
        s.cached.remove(path);
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        let s = self.lock();
        s.alive()?;
        if s.cached.get(dir) != Some(&Node::Dir) {
            return Err(err(io::ErrorKind::NotFound, "no such directory"));
        }
        Ok(s.cached
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
            .collect())
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        let s = self.lock();
        s.alive()?;
        Ok(s.cached.contains_key(path))
    }

    fn len(&self, path: &Path) -> io::Result<u64> {
        let s = self.lock();
        s.alive()?;
        Ok(s.inodes[s.file(path)?].cache.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synced_and_dir_synced_data_survives_every_crash() {
        for seed in 0..200 {
            let fs = SimFs::new(seed);
            let d = Path::new("/d");
            fs.create_dir_all(d).unwrap();
            fs.write_file(&d.join("a.tmp"), &[b"durable"], true)
                .unwrap();
            fs.rename(&d.join("a.tmp"), &d.join("a")).unwrap();
            fs.fsync_dir(d).unwrap();
            fs.write_file(&d.join("b"), &[b"pending"], false).unwrap();
            fs.append(&d.join("a"), b"+more", false).unwrap();
            fs.crash();
            let a = fs
                .read(&d.join("a"), 0, &|_, n| Ok(n), &mut |_| {})
                .unwrap()
                .1;
            assert!(a.starts_with(b"durable"), "seed {seed}: {a:?}");
        }
    }

    #[test]
    fn a_refused_length_is_refused_before_the_rest_is_read() {
        let fs = SimFs::new(1);
        let d = Path::new("/d");
        fs.create_dir_all(d).unwrap();
        fs.write_file(&d.join("f"), &[b"head", &[0; 100]], true)
            .unwrap();
        let mut seen = 0;
        let e = fs
            .read(
                &d.join("f"),
                4,
                &|head, rest| {
                    assert_eq!((head, rest), (&b"head"[..], 100));
                    Err(Refused::Length {
                        expected: 10,
                        actual: rest,
                    })
                },
                &mut |c| seen += c.len(),
            )
            .unwrap_err();
        assert_eq!(
            Refused::of(&e),
            Some(Refused::Length {
                expected: 10,
                actual: 100
            })
        );
        assert_eq!(seen, 0, "nothing after the head was read");
    }

    #[test]
    fn same_seed_same_crash() {
        let run = |seed| {
            let fs = SimFs::new(seed);
            fs.create_dir_all(Path::new("/d")).unwrap();
            for i in 0..20u8 {
                fs.write_file(&PathBuf::from(format!("/d/{i}")), &[&[i; 100]], false)
                    .unwrap();
            }
            (fs.crash(), fs.list(Path::new("/d")).unwrap())
        };
        assert_eq!(run(7), run(7));
    }
}
