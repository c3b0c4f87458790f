//! Where events meet clients: the kernel publishes each event once; the
//! hub numbers it, folds it into the current snapshot, and queues it for
//! every subscriber, all under one lock. So `connect` (snapshot + a new
//! subscription, taken under the same lock) can never miss or repeat an
//! event, and it never waits for a running cell: the kernel holds the lock
//! only while it publishes.
//!
//! A subscriber that does not keep up is not allowed to stall the kernel
//! or grow its memory without bound: past `limit` queued events its queue
//! is dropped and it is told to resynchronise (connect again for a fresh
//! snapshot).

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::event::{EventBody, KernelEvent, KernelSnapshot};

pub(crate) struct Hub {
    state: Mutex<HubState>,
    /// The default per-subscriber limit.
    limit: usize,
}

struct HubState {
    snapshot: KernelSnapshot,
    subscribers: Vec<Arc<Queue>>,
}

/// One subscriber's queue.
struct Queue {
    inner: Mutex<QueueState>,
    ready: Condvar,
    /// Events queued before this subscriber must resynchronise.
    limit: usize,
}

#[derive(Default)]
struct QueueState {
    events: VecDeque<Arc<KernelEvent>>,
    /// Events were dropped: the subscriber must resynchronise.
    lagged: bool,
    /// The kernel is gone, or the subscriber was dropped.
    closed: bool,
    /// Threads asleep on `ready`: only then is it notified. A `Condvar`
    /// notify is a system call even with no one waiting, and the kernel
    /// publishes a few events per cell.
    waiters: usize,
}

/// What a subscriber receives next.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Event(Arc<KernelEvent>),
    /// This subscriber fell more than the limit behind and its queued events
    /// were dropped: take a new snapshot (`KernelHandle::connect`).
    Resync,
    /// The kernel has shut down; nothing more will come.
    Closed,
}

/// A live feed of events, starting right after the snapshot it came with.
pub struct Subscription {
    queue: Arc<Queue>,
}

impl Subscription {
    /// The next delivery, waiting for it.
    pub fn recv(&self) -> Delivery {
        self.recv_timeout(None)
            .expect("without a timeout there is always a delivery")
    }

    /// The next delivery, or `None` if none came within `timeout`.
    pub fn recv_timeout(&self, timeout: Option<Duration>) -> Option<Delivery> {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        let mut q = lock(&self.queue.inner);
        loop {
            if q.lagged {
                q.lagged = false;
                q.closed = true;
                return Some(Delivery::Resync);
            }
            if let Some(event) = q.events.pop_front() {
                return Some(Delivery::Event(event));
            }
            if q.closed {
                return Some(Delivery::Closed);
            }
            q.waiters += 1;
            q = match deadline {
                None => self
                    .queue
                    .ready
                    .wait(q)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = std::time::Instant::now();
                    if now >= deadline {
                        return None;
                    }
                    self.queue
                        .ready
                        .wait_timeout(q, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            q.waiters -= 1;
        }
    }

    /// How many events wait in this subscriber's queue.
    pub fn pending(&self) -> usize {
        lock(&self.queue.inner).events.len()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        lock(&self.queue.inner).closed = true;
    }
}

impl Hub {
    pub(crate) fn new(snapshot: KernelSnapshot, limit: usize) -> Self {
        Hub {
            state: Mutex::new(HubState {
                snapshot,
                subscribers: Vec::new(),
            }),
            limit: limit.max(1),
        }
    }

    /// Numbers `body`, applies it to the snapshot and queues it for every
    /// live subscriber. Returns its sequence number.
    pub(crate) fn publish(&self, body: EventBody) -> u64 {
        let mut state = lock(&self.state);
        let event = Arc::new(KernelEvent {
            seq: state.snapshot.seq + 1,
            body,
        });
        state.snapshot.apply(&event);
        state.subscribers.retain(|queue| {
            let mut q = lock(&queue.inner);
            if q.closed {
                return false;
            }
            if q.events.len() >= queue.limit {
                q.events.clear();
                q.events.shrink_to_fit();
                q.lagged = true;
                drop(q);
                queue.ready.notify_all();
                return false;
            }
            q.events.push_back(Arc::clone(&event));
            let waiting = q.waiters > 0;
            drop(q);
            if waiting {
                queue.ready.notify_all();
            }
            true
        });
        event.seq
    }

    /// The current snapshot and a subscription to every event after it;
    /// `limit` overrides the hub's default queue limit for this subscriber.
    pub(crate) fn connect(&self, limit: Option<usize>) -> (KernelSnapshot, Subscription) {
        let mut state = lock(&self.state);
        let queue = Arc::new(Queue {
            inner: Mutex::new(QueueState::default()),
            ready: Condvar::new(),
            limit: limit.unwrap_or(self.limit).max(1),
        });
        state.subscribers.push(Arc::clone(&queue));
        (state.snapshot.clone(), Subscription { queue })
    }

    /// The number of the last event published.
    pub(crate) fn seq(&self) -> u64 {
        lock(&self.state).snapshot.seq
    }

    pub(crate) fn snapshot(&self) -> KernelSnapshot {
        lock(&self.state).snapshot.clone()
    }

    /// Where cell `id` is in the published state, without copying it.
    pub(crate) fn index_of(&self, id: u32) -> Option<usize> {
        lock(&self.state)
            .snapshot
            .cells
            .iter()
            .position(|c| c.meta.id == id)
    }

    /// Ends every subscription (after the events already queued).
    pub(crate) fn close(&self) {
        let mut state = lock(&self.state);
        for queue in state.subscribers.drain(..) {
            lock(&queue.inner).closed = true;
            queue.ready.notify_all();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
