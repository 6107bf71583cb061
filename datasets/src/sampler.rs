//! Mini-batches of indices, shuffled per epoch reproducibly (PyTorch's `DataLoader` with a
//! `BatchSampler` over a `RandomSampler`).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::error::{invalid, Result};

/// Splits `0..n` into batches of `batch_size` indices, in a fresh seeded order each epoch.
///
/// The order of epoch `e` depends only on `(seed, e)`: a run resumed at epoch `e` sees the
/// same batches as one that never stopped, whatever epochs were or were not drawn before.
/// (Orders are reproducible for a given version of the `rand` crate, whose `StdRng` may change
/// between major versions.) Without `shuffle`, every epoch is `0, 1, ..., n - 1` in order.
///
/// The last batch holds the `n % batch_size` leftover indices, unless `drop_last` is set, in
/// which case it is dropped and every batch has exactly `batch_size` indices.
///
/// ```
/// use datasets::BatchSampler;
/// let sampler = BatchSampler::new(10, 4, true, 42, false)?;
/// let batches: Vec<Vec<usize>> = sampler.epoch(0).collect();
/// assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
/// // Every index exactly once per epoch, and the same order for the same (seed, epoch):
/// let mut all: Vec<usize> = batches.concat();
/// assert_eq!(sampler.epoch(0).collect::<Vec<_>>(), batches);
/// all.sort();
/// assert_eq!(all, (0..10).collect::<Vec<_>>());
/// // drop_last keeps only full batches:
/// assert_eq!(BatchSampler::new(10, 4, false, 0, true)?.epoch(3).count(), 2);
/// // A zero batch size is an error, not a panic:
/// assert!(BatchSampler::new(10, 0, true, 0, false).is_err());
/// # Ok::<(), datasets::DatasetError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSampler {
    n: usize,
    batch_size: usize,
    shuffle: bool,
    seed: u64,
    drop_last: bool,
}

impl BatchSampler {
    /// A sampler over `n` items.
    ///
    /// Errors when `n` or `batch_size` is zero, or when `drop_last` is set and `n <
    /// batch_size` (every epoch would be empty).
    pub fn new(
        n: usize,
        batch_size: usize,
        shuffle: bool,
        seed: u64,
        drop_last: bool,
    ) -> Result<BatchSampler> {
        if n == 0 {
            return Err(invalid("BatchSampler::new", "the dataset is empty (n = 0)"));
        }
        if batch_size == 0 {
            return Err(invalid(
                "BatchSampler::new",
                "batch size is 0, expected at least 1",
            ));
        }
        if drop_last && n < batch_size {
            return Err(invalid(
                "BatchSampler::new",
                format!(
                    "drop_last with {n} items and batch size {batch_size} leaves no batch \
                     (expected n >= batch size)"
                ),
            ));
        }
        Ok(BatchSampler {
            n,
            batch_size,
            shuffle,
            seed,
            drop_last,
        })
    }

    /// Number of items sampled from.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always `false`: an empty sampler cannot be built.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Number of batches in each epoch: `n / batch_size`, rounded up unless `drop_last`.
    pub fn num_batches(&self) -> usize {
        if self.drop_last {
            self.n / self.batch_size
        } else {
            self.n.div_ceil(self.batch_size)
        }
    }

    /// The order of all `n` indices in `epoch` (before cutting into batches): a permutation of
    /// `0..n` that depends only on `(seed, epoch)`, or `0..n` itself without shuffling.
    pub fn order(&self, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.n).collect();
        if self.shuffle {
            let mut rng = StdRng::seed_from_u64(epoch_seed(self.seed, epoch));
            order.shuffle(&mut rng);
        }
        order
    }

    /// The batches of `epoch`, in order.
    pub fn epoch(&self, epoch: u64) -> EpochBatches {
        EpochBatches {
            order: self.order(epoch),
            batch_size: self.batch_size,
            next: 0,
            remaining: self.num_batches(),
        }
    }
}

/// Mixes the seed and the epoch into one well-spread seed (SplitMix64's finaliser), so that
/// nearby seeds and epochs give unrelated orders.
fn epoch_seed(seed: u64, epoch: u64) -> u64 {
    let mut z = seed ^ epoch.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The batches of one epoch, from [`BatchSampler::epoch`]: each a `Vec` of indices.
#[derive(Debug, Clone)]
pub struct EpochBatches {
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
    remaining: usize,
}

impl Iterator for EpochBatches {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let end = (self.next + self.batch_size).min(self.order.len());
        let batch = self.order[self.next..end].to_vec();
        self.next = end;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for EpochBatches {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(s: &BatchSampler, epoch: u64) -> Vec<usize> {
        s.epoch(epoch).map(|b| b.len()).collect()
    }

    #[test]
    fn keeps_or_drops_the_partial_batch() {
        let keep = BatchSampler::new(10, 3, true, 1, false).unwrap();
        assert_eq!(sizes(&keep, 0), vec![3, 3, 3, 1]);
        assert_eq!(keep.num_batches(), 4);
        assert_eq!(keep.epoch(0).len(), 4);
        let drop = BatchSampler::new(10, 3, true, 1, true).unwrap();
        assert_eq!(sizes(&drop, 0), vec![3, 3, 3]);
        let exact = BatchSampler::new(9, 3, false, 1, true).unwrap();
        assert_eq!(sizes(&exact, 0), vec![3, 3, 3]);
        let big = BatchSampler::new(5, 64, false, 1, false).unwrap();
        assert_eq!(big.epoch(0).collect::<Vec<_>>(), vec![vec![0, 1, 2, 3, 4]]);
    }

    #[test]
    fn each_epoch_is_a_permutation() {
        let s = BatchSampler::new(1000, 64, true, 7, false).unwrap();
        for e in 0..3 {
            let mut all: Vec<usize> = s.epoch(e).flatten().collect();
            all.sort_unstable();
            assert_eq!(all, (0..1000).collect::<Vec<_>>());
        }
    }

    #[test]
    fn order_depends_only_on_seed_and_epoch() {
        let a = BatchSampler::new(100, 10, true, 3, false).unwrap();
        let b = BatchSampler::new(100, 10, true, 3, false).unwrap();
        // b draws epoch 5 directly, as a resumed run would.
        let a_epochs: Vec<Vec<usize>> = (0..6).map(|e| a.order(e)).collect();
        assert_eq!(b.order(5), a_epochs[5]);
        assert_ne!(a_epochs[0], a_epochs[1]);
        let c = BatchSampler::new(100, 10, true, 4, false).unwrap();
        assert_ne!(c.order(0), a_epochs[0]);
        // The batch size does not change the order, only where it is cut.
        let d = BatchSampler::new(100, 7, true, 3, false).unwrap();
        assert_eq!(d.epoch(2).flatten().collect::<Vec<_>>(), a.order(2));
    }

    #[test]
    fn no_shuffle_is_in_order() {
        let s = BatchSampler::new(5, 2, false, 9, false).unwrap();
        assert_eq!(
            s.epoch(4).collect::<Vec<_>>(),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        let err = BatchSampler::new(10, 0, true, 0, false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BatchSampler::new: batch size is 0, expected at least 1"
        );
        assert!(BatchSampler::new(0, 4, true, 0, false).is_err());
        assert!(BatchSampler::new(3, 4, true, 0, true).is_err());
        assert!(BatchSampler::new(3, 4, true, 0, false).is_ok());
    }
}
