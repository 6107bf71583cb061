//! `#[derive(Module)]`: names, nesting, `Vec`, `Option`, parameters, buffers, skipped fields,
//! the training flag, generics, `forward`, and the printed tree, against PyTorch where PyTorch
//! has an answer (`derive_pytorch.py` printed the expected names and tree). The compile errors
//! are checked in `ui/` (the `compile_errors` test at the end).

use autograd::{Element, Tensor, Var};
use nn::{Linear, Module, ReLU, Sequential, Tanh};
use rand::{rngs::StdRng, SeedableRng};
use std::marker::PhantomData;

fn rng() -> StdRng {
    StdRng::seed_from_u64(0)
}

fn names(items: Vec<(String, Var<impl Element>)>) -> Vec<String> {
    items.into_iter().map(|(n, _)| n).collect()
}

fn child_names<T: Element>(m: &dyn Module<T>) -> Vec<String> {
    m.named_children().into_iter().map(|(n, _)| n).collect()
}

#[derive(Module)]
struct Block {
    fc: Linear,
    act: Tanh,
    #[buffer]
    running: Var,
}

impl Block {
    fn new(size: usize, rng: &mut StdRng) -> nn::Result<Self> {
        Ok(Block {
            fc: Linear::new(size, size, rng)?,
            act: Tanh,
            running: Var::constant(Tensor::zeros(&[size])),
        })
    }

    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.act.forward(&self.fc.forward(x)?)
    }
}

/// The model of `derive_pytorch.py`.
#[derive(Module)]
struct Net {
    embed: Linear,
    blocks: Vec<Block>,
    head: Sequential,
    extra: Option<Linear>,
    #[param]
    scale: Var,
    #[module(skip)]
    label: String,
}

impl Net {
    fn new(blocks: &[usize], rng: &mut StdRng) -> nn::Result<Self> {
        let last = *blocks.last().unwrap_or(&4);
        Ok(Net {
            embed: Linear::new(2, 4, rng)?,
            blocks: blocks
                .iter()
                .map(|&size| Block::new(size, rng))
                .collect::<nn::Result<_>>()?,
            head: Sequential::new()
                .add(Linear::with_init(
                    last,
                    3,
                    false,
                    nn::Init::PyTorchDefault,
                    rng,
                )?)
                .add(ReLU),
            extra: None,
            scale: Var::parameter(Tensor::ones(&[1])),
            label: "net".into(),
        })
    }

    fn forward(&self, x: &Var) -> nn::Result<Var> {
        let mut h = self.embed.forward(x)?;
        for block in &self.blocks {
            h = block.forward(&h)?;
        }
        Ok(self.head.forward(&h)?.mul(&self.scale)?)
    }
}

const PYTORCH_TREE: &str = "Net(
  (embed): Linear(in_features=2, out_features=4, bias=True)
  (blocks): ModuleList(
    (0-1): 2 x Block(
      (fc): Linear(in_features=4, out_features=4, bias=True)
      (act): Tanh()
    )
  )
  (head): Sequential(
    (0): Linear(in_features=4, out_features=3, bias=False)
    (1): ReLU()
  )
)";

#[test]
fn names_and_tree_are_pytorchs() -> nn::Result<()> {
    let net = Net::new(&[4, 4], &mut rng())?;
    // derive_pytorch.py's output, in PyTorch's order: own parameters first, then each child's.
    assert_eq!(
        names(net.named_parameters()),
        [
            "scale",
            "embed.weight",
            "embed.bias",
            "blocks.0.fc.weight",
            "blocks.0.fc.bias",
            "blocks.1.fc.weight",
            "blocks.1.fc.bias",
            "head.0.weight"
        ]
    );
    assert_eq!(
        names(net.named_buffers()),
        ["blocks.0.running", "blocks.1.running"]
    );
    assert_eq!(child_names(&net), ["embed", "blocks", "head"]);
    assert_eq!(format!("{net:?}"), PYTORCH_TREE);
    assert_eq!(format!("{net}"), PYTORCH_TREE);
    assert_eq!(format!("{:?}", &net as &dyn Module), PYTORCH_TREE);
    assert_eq!(net.label, "net");
    Ok(())
}

#[test]
fn a_list_of_different_blocks_prints_each() -> nn::Result<()> {
    let net = Net::new(&[4, 4, 5], &mut rng())?;
    let tree = format!("{net}");
    assert!(
        tree.contains("  (blocks): ModuleList(\n    (0-1): 2 x Block(\n"),
        "{tree}"
    );
    assert!(
        tree.contains(
            "\n    (2): Block(\n      (fc): Linear(in_features=5, out_features=5, bias=True)\n"
        ),
        "{tree}"
    );
    Ok(())
}

#[test]
fn parameters_are_the_fields_themselves() -> nn::Result<()> {
    let net = Net::new(&[4], &mut rng())?;
    let params = net.parameters();
    assert!(params[0].same_node(&net.scale));
    assert!(params[1].same_node(&net.embed.weight));
    assert!(params[3].same_node(&net.blocks[0].fc.weight));
    // 1 + (2*4 + 4) + (4*4 + 4) + 4*3: buffers are not parameters.
    assert_eq!(net.num_parameters(), 1 + 12 + 20 + 12);
    // A gradient reaches every parameter through the user's forward, called via the trait.
    let x = Var::constant(Tensor::from_vec(&[1, 2], vec![0.5f32, -1.0])?);
    let as_module: &dyn Module = &net;
    as_module.forward(&x)?.sum_all().backward()?;
    for (name, p) in net.named_parameters() {
        assert_eq!(p.grad_shape(), Some(p.shape()), "{name} got no gradient");
    }
    net.zero_grad();
    assert!(net.parameters().iter().all(|p| !p.has_grad()));
    Ok(())
}

#[derive(Module)]
struct Inner {
    fc: Linear,
}
impl Inner {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.fc.forward(x)
    }
}

#[derive(Module)]
struct Middle {
    inner: Inner,
    others: Vec<Vec<Inner>>,
}
impl Middle {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.inner.forward(x)
    }
}

#[derive(Module)]
struct Outer {
    middle: Middle,
}
impl Outer {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.middle.forward(x)
    }
}

#[test]
fn nesting_to_any_depth() -> nn::Result<()> {
    let r = &mut rng();
    let inner = || -> nn::Result<Inner> {
        Ok(Inner {
            fc: Linear::with_init(1, 1, false, nn::Init::PyTorchDefault, &mut rng())?,
        })
    };
    let outer = Outer {
        middle: Middle {
            inner: Inner {
                fc: Linear::new(1, 2, r)?,
            },
            others: vec![vec![], vec![inner()?, inner()?]],
        },
    };
    assert_eq!(
        names(outer.named_parameters()),
        [
            "middle.inner.fc.weight",
            "middle.inner.fc.bias",
            "middle.others.1.0.fc.weight",
            "middle.others.1.1.fc.weight"
        ]
    );
    assert_eq!(
        format!("{outer}"),
        "Outer(
  (middle): Middle(
    (inner): Inner(
      (fc): Linear(in_features=1, out_features=2, bias=True)
    )
    (others): ModuleList(
      (0): ModuleList()
      (1): ModuleList(
        (0-1): 2 x Inner(
          (fc): Linear(in_features=1, out_features=1, bias=False)
        )
      )
    )
  )
)"
    );
    Ok(())
}

#[derive(Module)]
struct WithOptions {
    fc: Option<Linear>,
    #[param]
    w: Option<Var>,
    #[buffer]
    count: Option<Var>,
}
impl WithOptions {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        Ok(x.clone())
    }
}

#[test]
fn options_count_when_present() -> nn::Result<()> {
    let empty = WithOptions {
        fc: None,
        w: None,
        count: None,
    };
    assert!(empty.named_parameters().is_empty());
    assert!(empty.named_buffers().is_empty());
    assert!(empty.named_children().is_empty());
    // PyTorch prints a module without children as `Name()`.
    assert_eq!(format!("{empty}"), "WithOptions()");
    let full = WithOptions {
        fc: Some(Linear::new(2, 2, &mut rng())?),
        w: Some(Var::parameter(Tensor::ones(&[2]))),
        count: Some(Var::constant(Tensor::zeros(&[1]))),
    };
    assert_eq!(
        names(full.named_parameters()),
        ["w", "fc.weight", "fc.bias"]
    );
    assert_eq!(names(full.named_buffers()), ["count"]);
    assert_eq!(
        format!("{full}"),
        "WithOptions(\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n)"
    );
    Ok(())
}

/// A layer with a training mode, as dropout has: it stores the flag.
struct Mode {
    training: bool,
}
impl Module for Mode {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        Ok(x.clone())
    }
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
    fn is_training(&self) -> bool {
        self.training
    }
    fn describe(&self) -> String {
        "Mode()".into()
    }
}

fn mode() -> Mode {
    Mode { training: true }
}

#[derive(Module)]
struct Modes {
    first: Mode,
    list: Vec<Mode>,
    maybe: Option<Mode>,
    boxed: Box<dyn Module>,
    nested: WithFlag,
}
impl Modes {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.first.forward(x)
    }
}

#[derive(Module)]
struct WithFlag {
    fc: Linear,
    #[module(training)]
    training: bool,
}
impl WithFlag {
    fn forward(&self, x: &Var) -> nn::Result<Var> {
        self.fc.forward(x)
    }
}

#[test]
fn training_mode_reaches_every_child() -> nn::Result<()> {
    let mut m = Modes {
        first: mode(),
        list: vec![mode(), mode()],
        maybe: Some(mode()),
        boxed: Box::new(mode()),
        nested: WithFlag {
            fc: Linear::new(1, 1, &mut rng())?,
            training: true,
        },
    };
    let flags = |m: &Modes| {
        vec![
            m.is_training(),
            m.first.training,
            m.list[0].training,
            m.list[1].training,
            m.maybe.as_ref().is_some_and(|c| c.training),
            m.boxed.is_training(),
            m.nested.training,
            m.nested.is_training(),
        ]
    };
    assert_eq!(flags(&m), [true; 8]);
    m.set_training(false);
    assert_eq!(flags(&m), [false; 8]);
    m.set_training(true);
    assert_eq!(flags(&m), [true; 8]);
    // Without a flag field, the model is in training mode unless a child says otherwise.
    m.list[1].set_training(false);
    assert!(!m.is_training());
    // With one, the field answers (its Linear has no mode of its own).
    let mut flagged = WithFlag {
        fc: Linear::new(1, 1, &mut rng())?,
        training: true,
    };
    flagged.set_training(false);
    assert!(!flagged.is_training());
    Ok(())
}

#[derive(Module)]
struct Generic<T: Element> {
    fc: Linear<T>,
    #[param]
    gain: Var<T>,
}
impl<T: Element> Generic<T> {
    fn forward(&self, x: &Var<T>) -> nn::Result<Var<T>> {
        Ok(self.fc.forward(x)?.mul(&self.gain)?)
    }
}

#[derive(Module)]
#[module(element = f64)]
struct Doubles {
    fc: Linear<f64>,
}
impl Doubles {
    fn forward(&self, x: &Var<f64>) -> nn::Result<Var<f64>> {
        self.fc.forward(x)
    }
}

/// A type parameter that is not the element type (and needs no `Module` bound here: the derive
/// bounds its impls), beside one that is, and a marker.
#[derive(Module)]
struct Wrapper<M, T>
where
    T: Element,
{
    inner: M,
    marker: PhantomData<T>,
}
impl<M: Module<T>, T: Element> Wrapper<M, T> {
    fn forward(&self, x: &Var<T>) -> nn::Result<Var<T>> {
        self.inner.forward(x)
    }
}

#[test]
fn generic_and_f64_models() -> nn::Result<()> {
    let g = Generic::<f64> {
        fc: Linear::new(2, 1, &mut rng())?,
        gain: Var::parameter(Tensor::from_vec(&[1], vec![2.0])?),
    };
    assert_eq!(
        names(g.named_parameters()),
        ["gain", "fc.weight", "fc.bias"]
    );
    let x = Var::constant(Tensor::from_vec(&[1, 2], vec![1.0f64, 1.0])?);
    let direct = g.fc.forward(&x)?.item()? * 2.0;
    assert_eq!(Module::<f64>::forward(&g, &x)?.item()?, direct);

    let d = Doubles {
        fc: Linear::new(2, 1, &mut rng())?,
    };
    let seq = Sequential::<f64>::new().add(d);
    assert_eq!(names(seq.named_parameters()), ["0.fc.weight", "0.fc.bias"]);
    assert_eq!(seq.forward(&x)?.shape(), [1, 1]);

    let w = Wrapper {
        inner: Generic::<f32> {
            fc: Linear::new(2, 1, &mut rng())?,
            gain: Var::parameter(Tensor::ones(&[1])),
        },
        marker: PhantomData,
    };
    assert_eq!(
        names(w.named_parameters()),
        ["inner.gain", "inner.fc.weight", "inner.fc.bias"]
    );
    assert_eq!(
        format!("{w}"),
        "Wrapper(\n  (inner): Generic(\n    (fc): Linear(in_features=2, out_features=1, bias=True)\n  )\n)"
    );
    Ok(())
}

#[derive(Module)]
#[module(forward = run)]
struct Pair(Linear, Linear);
impl Pair {
    fn run(&self, x: &Var) -> nn::Result<Var> {
        self.1.forward(&self.0.forward(x)?)
    }
}

#[test]
fn tuple_struct_with_a_named_forward() -> nn::Result<()> {
    let r = &mut rng();
    let pair = Pair(Linear::new(3, 2, r)?, Linear::new(2, 1, r)?);
    assert_eq!(
        names(pair.named_parameters()),
        ["0.weight", "0.bias", "1.weight", "1.bias"]
    );
    let x = Var::constant(Tensor::ones(&[4, 3]));
    assert_eq!(
        pair.forward(&x)?.to_tensor().to_vec(),
        pair.run(&x)?.to_tensor().to_vec()
    );
    Ok(())
}

/// PyTorch's `nn.ModuleList([nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)])` in a model, with
/// `Module` not imported (the derive names everything by path).
mod mixed {
    #[derive(nn::Module)]
    pub struct Mixed {
        pub layers: Vec<Box<dyn nn::Module>>,
    }

    impl Mixed {
        pub fn forward(&self, x: &autograd::Var) -> nn::Result<autograd::Var> {
            let mut x = x.clone();
            for layer in &self.layers {
                x = layer.forward(&x)?;
            }
            Ok(x)
        }
    }
}

#[test]
fn a_list_of_boxed_layers() -> nn::Result<()> {
    let r = &mut rng();
    let net = mixed::Mixed {
        layers: vec![
            Box::new(Linear::new(2, 3, r)?),
            Box::new(ReLU),
            Box::new(Linear::new(3, 1, r)?),
        ],
    };
    assert_eq!(
        names(net.named_parameters()),
        [
            "layers.0.weight",
            "layers.0.bias",
            "layers.2.weight",
            "layers.2.bias"
        ]
    );
    assert_eq!(
        format!("{net}"),
        "Mixed(
  (layers): ModuleList(
    (0): Linear(in_features=2, out_features=3, bias=True)
    (1): ReLU()
    (2): Linear(in_features=3, out_features=1, bias=True)
  )
)"
    );
    let x = Var::constant(Tensor::ones(&[5, 2]));
    assert_eq!(Module::forward(&net, &x)?.shape(), [5, 1]);
    Ok(())
}

#[test]
fn a_list_has_no_forward_of_its_own() -> nn::Result<()> {
    let list = vec![Linear::<f32>::new(1, 1, &mut rng())?];
    let err = list
        .forward(&Var::constant(Tensor::ones(&[1, 1])))
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "ModuleList: expected a forward written by its owner, found a bare list of 1 modules"
        ),
        "{err}"
    );
    Ok(())
}

#[test]
fn saved_and_loaded_by_name() -> nn::Result<()> {
    let dir = tempfile::tempdir().map_err(|e| nn::NnError::Config {
        module: "test",
        message: e.to_string(),
    })?;
    let path = dir.path().join("net.safetensors");
    let net = Net::new(&[4, 4], &mut rng())?;
    net.blocks[1].running.value_mut().fill(7.0);
    nn::save_safetensors(&net, &path)?;
    let copy = Net::new(&[4, 4], &mut StdRng::seed_from_u64(1))?;
    nn::load_safetensors(&copy, &path)?;
    for ((name, a), (_, b)) in net
        .named_parameters()
        .into_iter()
        .chain(net.named_buffers())
        .zip(
            copy.named_parameters()
                .into_iter()
                .chain(copy.named_buffers()),
        )
    {
        assert_eq!(a.to_tensor().to_vec(), b.to_tensor().to_vec(), "{name}");
    }
    assert_eq!(copy.blocks[1].running.to_tensor().to_vec(), [7.0; 4]);
    Ok(())
}

/// The compile errors of misuse, with their messages (`ui/*.stderr`).
#[test]
fn compile_errors() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
