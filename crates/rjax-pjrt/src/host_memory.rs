//! How the process's allocator serves the CPU plugin's buffers.
//!
//! The CPU plugin allocates every device buffer and temporary with the
//! process's `malloc`. glibc serves an allocation larger than its mmap
//! threshold (at most 32 MiB by default) with a fresh `mmap` and returns it
//! to the system when freed, so a program with a 51 MB result touches
//! 12,500 new pages on every call: each a page fault and a page the kernel
//! zeroes. [`retain_host_buffers`] raises the threshold and keeps freed
//! memory for reuse instead (measurements: docs/decisions.md, "Host
//! buffers stay in the heap").

/// Allocations up to this size come from the heap rather than `mmap`.
pub const MMAP_THRESHOLD: usize = 1 << 30;

/// Freed memory at the top of the heap up to this size is kept for the
/// next allocation rather than returned to the system.
pub const TRIM_THRESHOLD: usize = 256 << 20;

/// The heap grows by this much beyond each request, and keeps as much when
/// it shrinks. As large as the 64 MiB heaps of the arenas of threads other
/// than the main one, so that such a heap is not unmapped when its last
/// buffer is freed.
pub const TOP_PAD: usize = 64 << 20;

/// Ask glibc to serve allocations up to [`MMAP_THRESHOLD`] from its heaps
/// and to keep up to [`TRIM_THRESHOLD`] (and at least [`TOP_PAD`]) of
/// freed memory, so that buffers of the same size are reused across calls
/// without page faults, on any thread. Returns whether the allocator took
/// every setting; elsewhere than glibc it does nothing and returns
/// `false`.
///
/// ```
/// // Safe to call at any time and more than once.
/// let applied = rjax_pjrt::retain_host_buffers();
/// assert_eq!(applied, cfg!(all(target_os = "linux", target_env = "gnu")));
/// ```
pub fn retain_host_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let set = |param, value: usize| {
            let value = libc::c_int::try_from(value).unwrap_or(libc::c_int::MAX);
            // SAFETY: `mallopt` takes the allocator's own lock, so it may be
            // called while other threads allocate; both parameters are
            // plain sizes that glibc validates.
            unsafe { libc::mallopt(param, value) == 1 }
        };
        set(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            & set(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            & set(libc::M_TOP_PAD, TOP_PAD)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
