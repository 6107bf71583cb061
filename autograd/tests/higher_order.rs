//! Second derivatives against closed forms, and a Hessian-vector product against finite
//! differences of the gradient.

mod common;

use autograd::{grad, Var};
use common::t;
use tensor::testing::assert_close;
use tensor::Tensor;

/// The element-wise second derivative of `Σ f(x)`, by differentiating twice.
fn second_derivative(f: impl Fn(&Var<f64>) -> Var<f64>, x: &[f64]) -> Vec<f64> {
    let x = Var::parameter(t(&[x.len()], x));
    let y = f(&x).sum_all();
    let g = grad(&y, &[&x], true).unwrap().remove(0);
    // Σ g is Σ f'(xᵢ); its gradient is f''(xᵢ) element-wise.
    grad(&g.sum_all(), &[&x], false)
        .unwrap()
        .remove(0)
        .to_tensor()
        .to_vec()
}

type Case = (
    &'static str,
    Box<dyn Fn(&Var<f64>) -> Var<f64>>,
    fn(f64) -> f64,
);

const XS: [f64; 5] = [-1.7, -0.3, 0.4, 1.1, 2.5];

#[test]
fn second_derivatives_match_closed_forms() {
    let cases: Vec<Case> = vec![
        (
            "x^3 by products",
            Box::new(|x| x.mul(x).unwrap().mul(x).unwrap()),
            |x| 6.0 * x,
        ),
        ("x^3 by powf", Box::new(|x| x.powf(3.0)), |x| 6.0 * x),
        ("sigmoid", Box::new(|x| x.sigmoid()), |x| {
            let s = 1.0 / (1.0 + (-x).exp());
            s * (1.0 - s) * (1.0 - 2.0 * s)
        }),
        ("tanh", Box::new(|x| x.tanh()), |x| {
            let t = x.tanh();
            -2.0 * t * (1.0 - t * t)
        }),
        ("exp", Box::new(|x| x.exp()), f64::exp),
        (
            "sin-free softplus-like ln(1 + e^x)",
            Box::new(|x| x.exp().add_scalar(1.0).ln()),
            |x| {
                let s = 1.0 / (1.0 + (-x).exp());
                s * (1.0 - s)
            },
        ),
    ];
    for (name, f, closed) in cases {
        let got = second_derivative(f, &XS);
        let want: Vec<f64> = XS.iter().map(|&x| closed(x)).collect();
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() < 1e-10 * (1.0 + w.abs()),
                "{name}: got {got:?}, want {want:?}"
            );
        }
    }
    // ln on positive inputs: -1/x²
    let pos = [0.3, 1.0, 2.5];
    let got = second_derivative(|x| x.ln(), &pos);
    let want: Vec<f64> = pos.iter().map(|x| -1.0 / (x * x)).collect();
    assert_close(&t(&[3], &got), &want, 1e-12, 0.0);
}

#[test]
fn mixed_partials_of_a_product_and_of_matmul() {
    // f(x, y) = Σ x·y·x: ∂²f/∂x∂y = 2x
    let x = Var::parameter(t(&[3], &[1.0, -2.0, 0.5]));
    let y = Var::parameter(t(&[3], &[3.0, 1.0, 4.0]));
    let f = x.mul(&y).unwrap().mul(&x).unwrap().sum_all();
    let gx = grad(&f, &[&x], true).unwrap().remove(0); // 2xy
    let gxy = grad(&gx.sum_all(), &[&y], false).unwrap().remove(0);
    assert_eq!(gxy.to_tensor().to_vec(), vec![2.0, -4.0, 1.0]);

    // f(A, B) = Σ (A B)²: ∂f/∂A = 2 (A B) Bᵀ; differentiate Σ ∂f/∂A by B and compare with
    // finite differences of that closed form.
    let a = t(&[2, 3], &[0.1, -0.2, 0.3, 0.5, 0.4, -0.6]);
    let b = t(&[3, 2], &[1.0, 2.0, -1.0, 0.5, 0.3, -0.7]);
    let closed = |a: &Tensor<f64>, b: &Tensor<f64>| -> f64 {
        let ab = a.matmul(b).unwrap();
        ab.matmul_t(false, b, true)
            .unwrap()
            .mul_scalar(2.0)
            .sum_all()
    };
    let av = Var::parameter(a.clone());
    let bv = Var::parameter(b.clone());
    let p = av.matmul(&bv).unwrap();
    let f = p.mul(&p).unwrap().sum_all();
    let ga = grad(&f, &[&av], true).unwrap().remove(0);
    assert_close(
        &ga.to_tensor(),
        &a.matmul(&b)
            .unwrap()
            .matmul_t(false, &b, true)
            .unwrap()
            .mul_scalar(2.0)
            .to_vec(),
        1e-12,
        1e-12,
    );
    let gab = grad(&ga.sum_all(), &[&bv], false)
        .unwrap()
        .remove(0)
        .to_tensor();
    let h = 1e-6;
    let numeric: Vec<f64> = (0..6)
        .map(|j| {
            let (mut bp, mut bm) = (b.clone(), b.clone());
            bp.as_slice_mut().unwrap()[j] += h;
            bm.as_slice_mut().unwrap()[j] -= h;
            (closed(&a, &bp) - closed(&a, &bm)) / (2.0 * h)
        })
        .collect();
    assert_close(&gab, &numeric, 1e-6, 1e-7);
}

#[test]
fn hessian_vector_product_matches_finite_differences_of_the_gradient() {
    // f(x) = Σ x³ + Σ sigmoid(x)·tanh(x) + (Σ x)² · softmax(x)₀
    let f = |x: &Var<f64>| -> Var<f64> {
        let cube = x.powf(3.0).sum_all();
        let st = x.sigmoid().mul(&x.tanh()).unwrap().sum_all();
        let s = x.sum_all();
        let sm = x.softmax(0).unwrap().narrow(0, 0, 1).unwrap().sum_all();
        cube.add(&st)
            .unwrap()
            .add(&s.mul(&s).unwrap().mul(&sm).unwrap())
            .unwrap()
    };
    let x0 = [0.3, -0.8, 1.2, 0.05];
    let v = t(&[4], &[1.0, -0.5, 0.25, 2.0]);
    let x = Var::parameter(t(&[4], &x0));
    let g = grad(&f(&x), &[&x], true).unwrap().remove(0);
    let gv = g.mul(&Var::constant(v.clone())).unwrap().sum_all();
    let hv = grad(&gv, &[&x], false).unwrap().remove(0).to_tensor();

    let grad_at = |xs: &Tensor<f64>| -> Tensor<f64> {
        let x = Var::parameter(xs.clone());
        grad(&f(&x), &[&x], false).unwrap().remove(0).to_tensor()
    };
    let h = 1e-5;
    let base = t(&[4], &x0);
    let plus = base.add(&v.mul_scalar(h)).unwrap();
    let minus = base.sub(&v.mul_scalar(h)).unwrap();
    let numeric = grad_at(&plus)
        .sub(&grad_at(&minus))
        .unwrap()
        .mul_scalar(1.0 / (2.0 * h));
    assert_close(&hv, &numeric.to_vec(), 1e-6, 1e-8);
}
