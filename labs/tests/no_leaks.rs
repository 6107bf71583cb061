//! Training leaks nothing: 10,000 SGD steps of an MLP leave the number of live graph nodes at
//! the number of parameters after every step and `zero_grad`, and the process's resident memory does not grow
//! after the first epoch. (One test in its own binary, so no other test's allocations move the
//! memory reading.)

use autograd::{live_nodes, Tensor, Var};
use datasets::BatchSampler;
use nn::{Activation, LogSoftmax, Mlp, Module, NLLLoss};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};

/// Resident memory of this process in KiB, from `/proc/self/status` (Linux).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Growth allowed after the first epoch: the allocator may still settle a little, but a leak
/// of even one 64x32 gradient per step (8 KiB) would add 80 MB over the run.
const RSS_TOLERANCE_KIB: u64 = 2048;

#[test]
fn ten_thousand_steps_keep_nodes_and_memory_flat() {
    const STEPS_PER_EPOCH: usize = 100;
    const EPOCHS: usize = 100;
    let mut rng = StdRng::seed_from_u64(7);
    let (n, features, classes) = (1000, 64, 10);
    let x = Tensor::<f32>::rand_normal(&[n, features], 0.0, 1.0, &mut rng).unwrap();
    let labels: Vec<usize> = (0..n).map(|i| (i * 7) % classes).collect();

    let before = live_nodes();
    let model = Mlp::new(features, &[32], classes, Activation::Sigmoid)
        .build(&mut StdRng::seed_from_u64(0))
        .unwrap()
        .add(LogSoftmax::new(1));
    let params = model.parameters().len();
    let mut opt = SGD::new(
        model.parameters(),
        SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            ..Default::default()
        },
    )
    .unwrap();
    let nll = NLLLoss::default();
    let sampler = BatchSampler::new(n, n / STEPS_PER_EPOCH, true, 0, true).unwrap();
    let mut after_first_epoch = None;
    let mut peak_later = 0;
    for epoch in 0..EPOCHS {
        for batch in sampler.epoch(epoch as u64) {
            let xb = Var::constant(x.select_rows(&batch).unwrap());
            let yb: Vec<usize> = batch.iter().map(|&i| labels[i]).collect();
            let loss = nll.forward(&model.forward(&xb).unwrap(), &yb).unwrap();
            opt.zero_grad();
            loss.backward().unwrap();
            opt.step().unwrap();
            assert!(loss.item().unwrap().is_finite());
            drop((loss, xb));
            // Each weight's gradient is kept as its two factors (the layer's input and output
            // gradient) until it is zeroed: at most two nodes per weight.
            let weights = params / 2;
            assert!(
                live_nodes() <= before + params + 2 * weights,
                "epoch {epoch}: nodes left alive after the step"
            );
            opt.zero_grad();
            assert_eq!(
                live_nodes(),
                before + params,
                "epoch {epoch}: nodes left alive after zero_grad"
            );
        }
        let rss = rss_kib();
        if epoch == 0 {
            after_first_epoch = rss;
        } else if let Some(r) = rss {
            peak_later = peak_later.max(r);
        }
    }
    if let Some(first) = after_first_epoch {
        println!("VmRSS after epoch 1: {first} KiB; peak after: {peak_later} KiB");
        assert!(
            peak_later <= first + RSS_TOLERANCE_KIB,
            "resident memory grew from {first} KiB after the first epoch to {peak_later} KiB \
             (tolerance {RSS_TOLERANCE_KIB} KiB)"
        );
    }
}
