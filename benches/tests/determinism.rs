//! Threads change who computes which block of a product, never the order of any sum: training
//! at 1 and at 2 threads must give the same weights, bit for bit.

use benches::{Activation, Mlp};
use rand::{rngs::StdRng, SeedableRng};
use tensor::Tensor;

fn train(threads: usize, batch: usize) -> Vec<Tensor<f32>> {
    tensor::set_num_threads(threads);
    let mut mlp = Mlp::new(784, 128, 10, Activation::Sigmoid, 0.1, 7).unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    for step in 0..5 {
        let x = Tensor::rand_uniform(&[batch, 784], 0.0, 1.0, &mut rng).unwrap();
        let y: Vec<usize> = (0..batch).map(|i| (i * 3 + step) % 10).collect();
        mlp.step(x, &y).unwrap();
    }
    tensor::set_num_threads(1);
    mlp.weights()
}

#[test]
fn weights_after_training_are_identical_at_1_and_2_threads() {
    // Batch 256 splits the big products into several blocks; batch 64 and 1 as trained.
    for batch in [1, 64, 256] {
        let one = train(1, batch);
        let two = train(2, batch);
        let three = train(3, batch);
        for (i, ((a, b), c)) in one.iter().zip(&two).zip(&three).enumerate() {
            let bits = |t: &Tensor<f32>| t.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(a),
                bits(b),
                "batch {batch}: parameter {i} differs at 2 threads"
            );
            assert_eq!(
                bits(a),
                bits(c),
                "batch {batch}: parameter {i} differs at 3 threads"
            );
        }
        // And training moved them (the test would pass vacuously otherwise).
        let fresh = Mlp::new(784, 128, 10, Activation::Sigmoid, 0.1, 7)
            .unwrap()
            .weights();
        assert_ne!(fresh[0], one[0]);
    }
}
