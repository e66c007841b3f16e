//! A bounded map that forgets its least recently used entry: the
//! per-function program caches of `jit` and `jit_static`.

use std::collections::HashMap;
use std::hash::Hash;

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
