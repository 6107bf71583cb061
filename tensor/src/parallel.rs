//! The number of threads the matrix products use, and the pool that runs them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

static NUM_THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets how many threads matrix products may use (PyTorch's `torch.set_num_threads`); at least
/// one. The default is one. Results do not depend on it, bit for bit: each product is cut into
/// blocks of output rows or columns by its shape alone, each block computed by the same
/// single-threaded kernel, so every output element sums its terms in the same order whatever
/// the count.
pub fn set_num_threads(n: usize) {
    NUM_THREADS.store(n.max(1), Ordering::Relaxed);
}

/// The number of threads matrix products may use (see [`set_num_threads`]).
pub fn num_threads() -> usize {
    NUM_THREADS.load(Ordering::Relaxed)
}

/// A persistent pool of `threads - 1` workers (the calling thread is the last one), built on
/// first use and rebuilt when the count changes: spawning threads per product would cost more
/// than the products at these sizes.
pub(crate) fn with_pool<R>(threads: usize, f: impl FnOnce(&rayon::ThreadPool) -> R) -> R {
    static POOL: Mutex<Option<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
    let pool = {
        let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Some((n, pool)) if *n == threads => Arc::clone(pool),
            _ => {
                let pool = Arc::new(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads - 1)
                        .thread_name(|i| format!("tensor-matmul-{i}"))
                        .build()
                        .expect("the matmul thread pool starts"),
                );
                *slot = Some((threads, Arc::clone(&pool)));
                pool
            }
        }
    };
    f(&pool)
}
