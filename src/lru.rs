//! Bounded maps that forget their least recently used entry: the
//! per-function program caches of `jit`, `jit_static` and `pmap`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// At most `capacity` entries; inserting into a full map evicts the least
/// recently used one. A hit is one hash lookup and a counter update; an
/// eviction scans the entries, which is cheap next to the miss that causes
/// it (a trace and an XLA compile).
pub(crate) struct Lru<K, V> {
    entries: HashMap<K, (V, u64)>,
    clock: u64,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> Lru<K, V> {
    /// An empty map holding up to `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Lru {
            entries: HashMap::new(),
            clock: 0,
            capacity: capacity.max(1),
        }
    }

    /// The value for `key`, now the most recently used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let (value, used) = self.entries.get_mut(key)?;
        *used = self.clock;
        Some(value.clone())
    }

    /// Insert or replace `key`; returns what was evicted to make room, for
    /// the caller to drop outside its lock.
    pub fn insert(&mut self, key: K, value: V) -> Vec<V> {
        self.clock += 1;
        let mut evicted = Vec::new();
        if !self.entries.contains_key(&key) {
            evicted = self.shrink_to(self.capacity - 1);
        }
        if let Some((old, _)) = self.entries.insert(key, (value, self.clock)) {
            evicted.push(old);
        }
        evicted
    }

    /// Change the capacity (at least one); returns the entries evicted.
    pub fn set_capacity(&mut self, capacity: usize) -> Vec<V> {
        self.capacity = capacity.max(1);
        self.shrink_to(self.capacity)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Remove `key` if its value satisfies `pred`; returns what was removed,
    /// for the caller to drop outside its lock.
    pub fn remove_if(&mut self, key: &K, pred: impl FnOnce(&V) -> bool) -> Option<V> {
        if !pred(&self.entries.get(key)?.0) {
            return None;
        }
        self.entries.remove(key).map(|(v, _)| v)
    }

    /// Evict least recently used entries until at most `len` remain.
    fn shrink_to(&mut self, len: usize) -> Vec<V> {
        let excess = self.entries.len().saturating_sub(len);
        if excess == 0 {
            return Vec::new();
        }
        let mut ages: Vec<u64> = self.entries.values().map(|(_, used)| *used).collect();
        ages.sort_unstable();
        let cutoff = ages[excess - 1];
        let mut evicted = Vec::with_capacity(excess);
        self.entries.retain(|_, (value, used)| {
            let keep = *used > cutoff;
            if !keep {
                evicted.push(value.clone());
            }
            keep
        });
        evicted
    }
}

/// One value per key, made at most once even when threads ask for a new key
/// at the same time: the first caller makes it while the others wait for
/// that key only (other keys proceed), then all share it. A failed make
/// leaves nothing behind, so the next call tries again. Bounded like
/// [`Lru`]: the per-function program caches of `jit` and `pmap`.
pub(crate) struct OnceLru<K, V> {
    slots: Mutex<Lru<K, Arc<Slot<V>>>>,
}

type Slot<V> = Mutex<Option<V>>;

impl<K: Hash + Eq + Clone, V: Clone> OnceLru<K, V> {
    pub fn new(capacity: usize) -> Self {
        OnceLru {
            slots: Mutex::new(Lru::new(capacity)),
        }
    }

    /// The value for `key`, made by `make` if no caller has made it yet.
    pub fn get_or_try_make<E>(&self, key: &K, make: impl FnOnce() -> Result<V, E>) -> Result<V, E> {
        let slot = self.slot(key);
        let mut value = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = value.as_ref() {
            return Ok(v.clone());
        }
        match make() {
            Ok(v) => {
                *value = Some(v.clone());
                Ok(v)
            }
            Err(e) => {
                drop(value);
                let removed = self.lock().remove_if(key, |s| Arc::ptr_eq(s, &slot));
                drop(removed);
                Err(e)
            }
        }
    }

    /// Keep at most `capacity` keys (at least one).
    pub fn set_capacity(&self, capacity: usize) {
        let evicted = self.lock().set_capacity(capacity);
        drop(evicted); // outside the lock: freeing programs calls PJRT
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// The slot of `key`, inserted empty when missing.
    fn slot(&self, key: &K) -> Arc<Slot<V>> {
        let mut slots = self.lock();
        if let Some(slot) = slots.get(key) {
            return slot;
        }
        let slot = Arc::new(Mutex::new(None));
        let evicted = slots.insert(key.clone(), slot.clone());
        drop(slots);
        drop(evicted); // outside the lock: freeing programs calls PJRT
        slot
    }

    fn lock(&self) -> MutexGuard<'_, Lru<K, Arc<Slot<V>>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }
}
