//! Timing shared by the benchmarks.

use std::time::Instant;

/// Median time of one call of `f`, in microseconds, over `rounds` rounds of
/// `iters` calls each.
pub fn median_us(rounds: usize, iters: usize, mut f: impl FnMut()) -> f64 {
    let mut per_call: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / iters as f64
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    per_call[rounds / 2]
}
