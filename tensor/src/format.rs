//! PyTorch's printed form of a tensor: `tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])`.

use crate::{Element, Tensor};

/// Tensors with more elements than this print only their first and last [`EDGE`] entries along
/// each axis (PyTorch's `threshold` and `edgeitems`).
const THRESHOLD: usize = 1000;
const EDGE: usize = 3;

/// How the numbers of one tensor are written: all alike, as PyTorch chooses from the values.
#[derive(Clone, Copy)]
enum Style {
    /// Every finite value is an integer: `1.`, `-3.`.
    Integer,
    /// Four decimals: `0.1235`.
    Fixed,
    /// Scientific with four decimals: `1.2346e+05`.
    Scientific,
}

fn style(values: &[f64]) -> Style {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.iter().all(|v| v.fract() == 0.0 && v.abs() < 1e8) {
        return Style::Integer;
    }
    let nonzero = finite.iter().map(|v| v.abs()).filter(|&v| v > 0.0);
    let (lo, hi) = nonzero.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4 {
        Style::Scientific
    } else {
        Style::Fixed
    }
}

fn number(v: f64, style: Style) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    match style {
        Style::Integer => format!("{v:.0}."),
        Style::Fixed => format!("{v:.4}"),
        Style::Scientific => {
            let s = format!("{v:.4e}");
            let (mantissa, exp) = s.split_once('e').expect("`{:e}` writes an exponent");
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
    }
}

/// The indices of one axis of length `n` that are printed; `None` marks the `...`.
fn shown(n: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && n > 2 * EDGE {
        (0..EDGE)
            .map(Some)
            .chain([None])
            .chain((n - EDGE..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    }
}

struct Printer<'a> {
    values: &'a [f64],
    shape: &'a [usize],
    strides: Vec<usize>,
    width: usize,
    style: Style,
    summarize: bool,
    indent: usize,
}

impl Printer<'_> {
    fn write(&self, out: &mut String, axis: usize, offset: usize) {
        if axis == self.shape.len() {
            let s = number(self.values[offset], self.style);
            out.push_str(&format!("{s:>w$}", w = self.width));
            return;
        }
        out.push('[');
        let last = axis + 1 == self.shape.len();
        // Rows of the last axis are separated by ", "; higher axes by as many newlines as
        // axes remain below them, as PyTorch does.
        let newlines = "\n".repeat(self.shape.len() - axis - 1);
        let pad = " ".repeat(self.indent + axis + 1);
        for (k, i) in shown(self.shape[axis], self.summarize)
            .into_iter()
            .enumerate()
        {
            if k > 0 {
                if last {
                    out.push_str(", ");
                } else {
                    out.push(',');
                    out.push_str(&newlines);
                    out.push_str(&pad);
                }
            }
            match i {
                Some(i) => self.write(out, axis + 1, offset + i * self.strides[axis]),
                None => out.push_str("..."),
            }
        }
        out.push(']');
    }
}

impl<T: Element> Tensor<T> {
    /// The tensor as PyTorch prints it, `tensor([...])`, with `suffix` (for example
    /// `requires_grad=True`) after the values when it is not empty. Large tensors are
    /// summarised with `...`, as PyTorch does past 1,000 elements.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let t = Tensor::from_vec(&[2, 2], vec![1.0f32, 2.5, 3.0, 4.0])?;
    /// assert_eq!(t.torch_repr(""), "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])");
    /// assert_eq!(Tensor::scalar(3.0f64).torch_repr("requires_grad=True"), "tensor(3., requires_grad=True)");
    /// # Ok::<(), tensor::TensorError>(())
    /// ```
    pub fn torch_repr(&self, suffix: &str) -> String {
        let values: Vec<f64> = self
            .to_vec()
            .into_iter()
            .map(|v| v.to_f64().unwrap_or(f64::NAN))
            .collect();
        let shape = self.shape();
        let summarize = values.len() > THRESHOLD;
        let mut strides = vec![1; shape.len()];
        for a in (0..shape.len().saturating_sub(1)).rev() {
            strides[a] = strides[a + 1] * shape[a + 1];
        }
        let style = style(&values);
        let width = values
            .iter()
            .map(|&v| number(v, style).len())
            .max()
            .unwrap_or(0);
        let printer = Printer {
            values: &values,
            shape,
            strides,
            width,
            style,
            summarize,
            indent: "tensor(".len(),
        };
        let mut out = String::from("tensor(");
        if values.is_empty() {
            out.push_str("[]");
        } else {
            printer.write(&mut out, 0, 0);
        }
        if !suffix.is_empty() {
            out.push_str(", ");
            out.push_str(suffix);
        }
        out.push(')');
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn prints_like_pytorch() {
        let t = Tensor::from_vec(&[3], vec![1.0f64, -2.0, 30.0]).unwrap();
        assert_eq!(t.torch_repr(""), "tensor([ 1., -2., 30.])");
        let t = Tensor::from_vec(&[2], vec![1e-5f64, 1.0]).unwrap();
        assert_eq!(t.torch_repr(""), "tensor([1.0000e-05, 1.0000e+00])");
        let t = Tensor::from_vec(&[2, 1, 2], vec![0.5f32, 1.0, 1.5, f32::NAN]).unwrap();
        assert_eq!(
            t.torch_repr("grad_fn=<MulBackward>"),
            "tensor([[[0.5000, 1.0000]],\n\n        [[1.5000,    nan]]], grad_fn=<MulBackward>)"
        );
        assert_eq!(Tensor::<f32>::zeros(&[0, 3]).torch_repr(""), "tensor([])");
    }

    #[test]
    fn summarises_large_tensors() {
        let t = Tensor::<f32>::zeros(&[2000]);
        assert_eq!(t.torch_repr(""), "tensor([0., 0., 0., ..., 0., 0., 0.])");
    }
}
