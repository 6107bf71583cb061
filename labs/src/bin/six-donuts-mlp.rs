//! Lab: 6 concentric rings of points ("donuts"), one class per ring, so neighbouring rings always
//! differ, separated by an MLP trained by SGD with momentum on the negative log-likelihood; the
//! accuracy that counts is on held-out rings drawn with another seed. The options, the rings and
//! the report are shared with the other donut lab ([`labs::playground::donuts`]).

use autograd::Var;
use labs::common::run_main;
use labs::playground::donuts::{report, DonutsArgs};
use labs::playground::points::{accuracy, labels};
use labs::train::Loop;
use nn::{LogSoftmax, Mlp, Module, NLLLoss};
use optim::{Optimizer, SgdConfig, SGD};
use rand::{rngs::StdRng, SeedableRng};
use std::process::ExitCode;

const LAB: &str = "six-donuts-mlp";
const RINGS: usize = 6;

fn main() -> ExitCode {
    run_main(|| {
        let args = DonutsArgs::parse(LAB, RINGS, 300)?;
        let (train, test) = args.rings(RINGS)?;

        // The model: 2 -> hidden layers -> one log-probability per ring.
        let model = Mlp::new(2, &args.hidden.0, RINGS, args.activation)
            .build(&mut StdRng::seed_from_u64(args.seed))?
            .add(LogSoftmax::new(1));
        // The loss: the negative log-likelihood of each point's ring.
        let nll = NLLLoss::default();
        // The optimizer: SGD with momentum.
        let config = SgdConfig {
            lr: args.lr,
            momentum: args.momentum,
            ..Default::default()
        };
        let mut sgd = SGD::new(model.parameters(), config)?;
        // The loop: mini-batches of points, the accuracy on them every tenth of the run.
        let history = Loop::new(&args.train_options(), train.len())
            .metric("train acc", |_| accuracy(&model, &train))
            .run(&mut sgd, |sgd, batch, lr| {
                let x = Var::constant(train.x.select_rows(batch)?);
                let loss = nll.forward(&model.forward(&x)?, &labels(&train, batch))?;
                sgd.set_lr(lr)?;
                sgd.zero_grad();
                loss.backward()?;
                sgd.step()?;
                Ok(loss.item()?)
            })?;

        println!("{}", report(LAB, &args, &model, (&train, &test), &history)?);
        Ok(())
    })
}
