//! The number of threads the matrix products use, and the pool that runs them.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

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

/// How long an idle worker spins, watching for the next product, before it parks. A training
/// step does a few hundred microseconds of single-threaded work between its parallel products;
/// a worker that had parked (as rayon's do after a few microseconds) costs a futex wake-up of
/// tens of microseconds per product on this kind of VM. OpenMP runtimes spin for the same
/// reason (GOMP's default spin count is of this order).
const SPIN: Duration = Duration::from_millis(2);

type Job<'a> = &'a (dyn Fn(usize) + Sync);

/// A fixed set of `threads - 1` workers (the calling thread is the last one), each running
/// share `t` of the job published with a new `generation`.
struct Pool {
    threads: usize,
    /// The job of the current generation; written by the caller only while no worker runs.
    job: UnsafeCell<Option<Job<'static>>>,
    generation: AtomicUsize,
    /// Workers still running the current job.
    remaining: AtomicUsize,
    panicked: AtomicBool,
    shutdown: AtomicBool,
    /// Held by the one caller using the pool; others run their products on their own thread.
    in_use: Mutex<()>,
    /// The workers, to unpark; set once, right after they are spawned (read without a lock).
    workers: OnceLock<Vec<Thread>>,
}

// SAFETY: `job` is written only by the caller holding `in_use`, before the generation is
// published (Release) and after every worker has finished the previous one (Acquire on
// `remaining`); workers read it only between those points.
unsafe impl Sync for Pool {}

impl Pool {
    fn start(threads: usize) -> Arc<Pool> {
        let pool = Arc::new(Pool {
            threads,
            job: UnsafeCell::new(None),
            generation: AtomicUsize::new(0),
            remaining: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
            in_use: Mutex::new(()),
            workers: OnceLock::new(),
        });
        let workers = (1..threads)
            .map(|t| {
                let pool = Arc::clone(&pool);
                thread::Builder::new()
                    .name(format!("tensor-matmul-{t}"))
                    .spawn(move || pool.work(t))
                    .expect("a matmul worker thread starts")
                    .thread()
                    .clone()
            })
            .collect();
        pool.workers
            .set(workers)
            .expect("the workers are set once, at the start");
        pool
    }

    /// Worker `t`'s loop: spin (then park) until a new generation, run share `t`, repeat.
    fn work(&self, t: usize) {
        let mut seen = 0;
        loop {
            let mut idle_since: Option<Instant> = None;
            let mut spins = 0u32;
            loop {
                if self.shutdown.load(Ordering::Acquire) {
                    return;
                }
                let g = self.generation.load(Ordering::Acquire);
                if g != seen {
                    seen = g;
                    break;
                }
                spins += 1;
                if spins % 64 != 0 {
                    std::hint::spin_loop();
                    continue;
                }
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= SPIN {
                    // Woken by `run`'s unpark (a token: an unpark before this park is kept).
                    thread::park_timeout(Duration::from_millis(100));
                }
            }
            // SAFETY: the generation was published after the job was written (see `Pool`).
            let job = unsafe { (*self.job.get()).expect("a job is published with its generation") };
            if catch_unwind(AssertUnwindSafe(|| job(t))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            self.remaining.fetch_sub(1, Ordering::Release);
        }
    }

    /// Runs `job(t)` for every `t < threads`, share 0 on the calling thread; returns when all
    /// are done. Must be called with `in_use` held.
    fn run(&self, job: Job<'_>) {
        // SAFETY: no worker runs (the previous `run` waited for `remaining == 0`), and this
        // `run` waits for all of them again before returning, so the borrow outlives every use.
        unsafe {
            *self.job.get() = Some(std::mem::transmute::<Job<'_>, Job<'static>>(job));
        }
        self.remaining.store(self.threads - 1, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Release);
        self.wake_workers();
        let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
        while self.remaining.load(Ordering::Acquire) != 0 {
            std::hint::spin_loop();
        }
        // SAFETY: every worker is done with the job.
        unsafe { *self.job.get() = None };
        if let Err(e) = mine {
            std::panic::resume_unwind(e);
        }
        if self.panicked.swap(false, Ordering::Relaxed) {
            panic!("a matmul worker thread panicked");
        }
    }

    /// Unparks every worker (a no-op for one that is spinning).
    fn wake_workers(&self) {
        for t in self.workers.get().into_iter().flatten() {
            t.unpark();
        }
    }

    /// Stops the workers once no caller is using the pool (they hold an `Arc` of it, which
    /// they drop on their way out).
    fn shut_down(&self) {
        let _using = self.in_use.lock().unwrap_or_else(|e| e.into_inner());
        self.shutdown.store(true, Ordering::Release);
        self.wake_workers();
    }
}

/// Runs `job(t)` for `t` in `0..threads` on the persistent pool (share 0 on the calling
/// thread), built on first use and rebuilt when the count changes: spawning threads per
/// product would cost more than the products at these sizes. When another thread is using the
/// pool, the shares run one after another on the calling thread: the partition of the work,
/// and so the result, is the same.
pub(crate) fn run_shares(threads: usize, job: &(dyn Fn(usize) + Sync)) {
    static POOL: Mutex<Option<Arc<Pool>>> = Mutex::new(None);
    if threads <= 1 {
        return job(0);
    }
    let pool = {
        let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
        match &*slot {
            Some(pool) if pool.threads == threads => Arc::clone(pool),
            _ => {
                if let Some(old) = slot.take() {
                    old.shut_down();
                }
                let pool = Pool::start(threads);
                *slot = Some(Arc::clone(&pool));
                pool
            }
        }
    };
    let guard = pool.in_use.try_lock();
    match guard {
        // A pool replaced meanwhile is shut down (under `in_use`), so its workers are gone.
        Ok(_) if !pool.shutdown.load(Ordering::Acquire) => pool.run(job),
        _ => (0..threads).for_each(job),
    }
    drop(guard);
}

/// Below this many elements of work, a kernel runs on the calling thread: waking the pool would
/// cost more than it gains.
pub(crate) const MIN_PARALLEL_ELEMENTS: usize = 1 << 16;

/// The threads a kernel touching `elements` elements, cut into `units`, runs on: one below
/// [`MIN_PARALLEL_ELEMENTS`], else [`num_threads`] but no more than there are units.
fn threads_for(elements: usize, units: usize) -> usize {
    if elements >= MIN_PARALLEL_ELEMENTS {
        num_threads().min(units).max(1)
    } else {
        1
    }
}

/// Splits `data` into `parts` runs of whole `unit`-sized blocks, as even as the blocks allow,
/// each with the index of its first block.
fn split_units<T>(data: &mut [T], unit: usize, parts: usize) -> Vec<Mutex<(usize, &mut [T])>> {
    let units = data.len() / unit.max(1);
    let mut out = Vec::with_capacity(parts);
    let mut rest = data;
    let mut start = 0;
    for p in 0..parts {
        let end = units * (p + 1) / parts;
        let (head, tail) = rest.split_at_mut((end - start) * unit);
        out.push(Mutex::new((start, head)));
        rest = tail;
        start = end;
    }
    out
}

/// Runs `work(first_unit, chunk)` over `data` cut into whole `unit`s, on the pool when the
/// kernel touches at least [`MIN_PARALLEL_ELEMENTS`] elements (`elements`, its reads and
/// writes). The one way the element-wise, per-channel and sliding-window kernels use threads:
/// the cut depends only on the thread count, and a kernel computes each unit the same way
/// whichever chunk it falls in, so its result does not depend on [`num_threads`].
pub(crate) fn for_units<T: Send>(
    data: &mut [T],
    unit: usize,
    elements: usize,
    work: &(dyn Fn(usize, &mut [T]) + Sync),
) {
    let threads = threads_for(elements, data.len() / unit.max(1));
    if threads == 1 {
        return work(0, data);
    }
    let chunks = split_units(data, unit, threads);
    run_shares(threads, &|t| {
        let mut guard = chunks[t].lock().unwrap_or_else(|e| e.into_inner());
        let (first, ref mut chunk) = *guard;
        work(first, chunk);
    });
}

/// What [`collect_unit_pairs`] hands a kernel: its first unit and its chunks of both buffers.
type PairWrite<'a, A, B> = &'a (dyn Fn(usize, &mut [MaybeUninit<A>], &mut [MaybeUninit<B>]) + Sync);

/// [`collect_units`] for two buffers cut alike, `units` units of `unit_a` and `unit_b`
/// elements: `write(first_unit, a, b)` must write every element of both its chunks (a kernel
/// writing values and their indices, say).
pub(crate) fn collect_unit_pairs<A: Copy + Send, B: Copy + Send>(
    units: usize,
    [unit_a, unit_b]: [usize; 2],
    elements: usize,
    write: PairWrite<'_, A, B>,
) -> (Vec<A>, Vec<B>) {
    let (len_a, len_b) = (units * unit_a, units * unit_b);
    let (mut va, mut vb): (Vec<A>, Vec<B>) = (Vec::with_capacity(len_a), Vec::with_capacity(len_b));
    let (a, b) = (
        &mut va.spare_capacity_mut()[..len_a],
        &mut vb.spare_capacity_mut()[..len_b],
    );
    let threads = threads_for(elements, units);
    if threads == 1 {
        write(0, a, b);
    } else {
        let (ca, cb) = (
            split_units(a, unit_a, threads),
            split_units(b, unit_b, threads),
        );
        run_shares(threads, &|t| {
            let mut ga = ca[t].lock().unwrap_or_else(|e| e.into_inner());
            let mut gb = cb[t].lock().unwrap_or_else(|e| e.into_inner());
            let (first, ref mut a) = *ga;
            write(first, a, gb.1);
        });
    }
    // SAFETY: `write` has written every element of both buffers (its contract, above), and
    // `Copy` types have no drop to skip.
    unsafe {
        va.set_len(len_a);
        vb.set_len(len_b);
    }
    (va, vb)
}

/// A new buffer of `len` elements written by `write(first_unit, chunk)` over chunks cut as
/// [`for_units`] cuts them, without filling it with zeros first (a pass over memory as long
/// as the kernel's own output). `write` must write every element of its chunk: each caller
/// zips its chunk with sources of the same length, or fills what no source covers.
pub(crate) fn collect_units<T: Copy + Send>(
    len: usize,
    unit: usize,
    elements: usize,
    write: &(dyn Fn(usize, &mut [MaybeUninit<T>]) + Sync),
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(len);
    for_units(&mut out.spare_capacity_mut()[..len], unit, elements, write);
    // SAFETY: `write` has written all `len` elements (its contract, above), and `T: Copy`
    // has no drop to skip.
    unsafe { out.set_len(len) };
    out
}
