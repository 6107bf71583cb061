//! Wall and CPU time of the MLP's two big products at 1 and 2 threads, alternating:
//! `target/release/examples/thread_scaling [batch] [reps]`.

use benches::{median, process_cpu_seconds};
use std::time::Instant;
use tensor::Tensor;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|s| s.parse::<usize>().unwrap());
    let batch = args.next().unwrap_or(64);
    let reps = args.next().unwrap_or(500);
    let x = Tensor::<f32>::full(&[batch, 784], 0.5);
    let w1 = Tensor::<f32>::full(&[128, 784], 1e-3);
    let dh = Tensor::<f32>::full(&[batch, 128], 1e-3);
    let mut h = Tensor::<f32>::zeros(&[batch, 128]);
    let mut dw1 = Tensor::<f32>::zeros(&[128, 784]);
    let mut times = [vec![], vec![], vec![], vec![]];
    for _ in 0..7 {
        for (i, threads) in [1, 2].into_iter().enumerate() {
            tensor::set_num_threads(threads);
            let (t, c) = (Instant::now(), process_cpu_seconds());
            for _ in 0..reps {
                h.matmul_t_into(&x, false, &w1, true).unwrap();
                dw1.matmul_t_into(&dh, true, &x, false).unwrap();
            }
            times[2 * i].push(t.elapsed().as_secs_f64() / reps as f64 * 1e6);
            times[2 * i + 1].push((process_cpu_seconds() - c) / reps as f64 * 1e6);
        }
    }
    println!(
        "batch {batch}: x·W1ᵀ + dHᵀ·x per rep, median of 7: 1 thread {:.1} us wall / {:.1} us cpu; 2 threads {:.1} us wall / {:.1} us cpu",
        median(&times[0]),
        median(&times[1]),
        median(&times[2]),
        median(&times[3])
    );
}
