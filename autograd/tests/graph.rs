//! The graph walk (`Var::inputs`) and its drawings (`to_dot`, `to_mermaid`): nodes, edges,
//! names, shapes and gradient norms, shared values drawn once, and deep graphs walked without
//! recursion.

mod common;

use autograd::{to_dot, to_mermaid, BackwardOptions, Reduction, Var};
use common::t;
use tensor::Tensor;

/// `mse(relu(x Wᵀ + b), target)` with `W` and `b` named as `nn` names a first layer's.
struct Step {
    x: Var<f64>,
    w: Var<f64>,
    b: Var<f64>,
    target: Var<f64>,
    loss: Var<f64>,
    names: Vec<(String, Var<f64>)>,
}

fn step() -> Step {
    let x = Var::constant(t(
        &[4, 3],
        &[
            0.5, -1.0, 2.0, 1.5, 0.25, -0.5, -2.0, 1.0, 0.75, 0.1, 0.2, 0.3,
        ],
    ));
    let w = Var::parameter(t(&[2, 3], &[0.3, -0.2, 0.5, -0.4, 0.6, 0.1]));
    let b = Var::parameter(t(&[2], &[0.05, -0.1]));
    let target = Var::constant(t(&[4, 2], &[1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0, 1.0]));
    let loss = x
        .linear(&w, Some(&b))
        .unwrap()
        .relu()
        .mse_loss(&target, Reduction::Mean)
        .unwrap();
    let names = vec![
        ("0.weight".to_string(), w.clone()),
        ("0.bias".to_string(), b.clone()),
    ];
    Step {
        x,
        w,
        b,
        target,
        loss,
        names,
    }
}

fn norm(g: &Tensor<f64>) -> f64 {
    g.to_vec().iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// The DOT node statements (`    nID [label=...];`) and edge statements (`    nA -> nB;`).
fn dot_parts(dot: &str) -> (Vec<&str>, Vec<&str>) {
    let body: Vec<&str> = dot
        .lines()
        .filter(|l| {
            l.strip_prefix("    n")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    let (edges, nodes) = body.into_iter().partition(|l| l.contains(" -> "));
    (nodes, edges)
}

#[test]
fn inputs_walks_the_recorded_graph_in_argument_order() {
    let s = step();
    // loss = mul_scalar(sum(mul(d, d))), d = sub(relu(linear(x, W, b)), target)
    assert_eq!(s.loss.op_name(), Some("mul_scalar"));
    let sum = &s.loss.inputs()[0];
    let square = &sum.inputs()[0];
    assert_eq!(square.op_name(), Some("mul"));
    let [d1, d2] = square
        .inputs()
        .try_into()
        .map_err(|_| "two inputs")
        .unwrap();
    assert!(d1.same_node(&d2), "d * d takes the same node twice");
    assert!(d1.inputs()[1].same_node(&s.target));
    let linear = &d1.inputs()[0].inputs()[0];
    assert_eq!(linear.op_name(), Some("linear"));
    let args = linear.inputs();
    assert_eq!(args.len(), 3);
    assert!(args[0].same_node(&s.x) && args[1].same_node(&s.w) && args[2].same_node(&s.b));
    assert!(s.w.inputs().is_empty() && s.x.inputs().is_empty());
}

#[test]
fn inputs_are_gone_after_a_plain_backward_and_kept_with_retain_graph() {
    let s = step();
    let keep = BackwardOptions {
        retain_graph: true,
        ..Default::default()
    };
    s.loss.backward_opts(None, keep).unwrap();
    assert_eq!(s.loss.inputs().len(), 1);
    s.loss.backward().unwrap();
    assert!(s.loss.inputs().is_empty());
    assert_eq!(
        s.loss.op_name(),
        Some("mul_scalar"),
        "the name outlives the graph"
    );
    // Drawn after the graph is freed: the output alone, marked as such.
    let dot = to_dot(&s.loss, &s.names);
    let (nodes, edges) = dot_parts(&dot);
    assert_eq!((nodes.len(), edges.len()), (1, 0), "{dot}");
    assert!(nodes[0].contains(r"mul_scalar\n[]\n(graph freed)"), "{dot}");
}

#[test]
fn dot_of_linear_relu_mse_has_one_node_per_op_and_leaf_with_names_shapes_and_grad_norms() {
    let s = step();
    let before = to_dot(&s.loss, &s.names);
    let (nodes, edges) = dot_parts(&before);
    // Leaves x, W, b, target; ops linear, relu, sub, mul, sum, mul_scalar.
    assert_eq!(nodes.len(), 10, "{before}");
    // linear <- x, W, b; relu <- linear; sub <- relu, target; mul <- sub twice; sum <- mul;
    // mul_scalar <- sum.
    assert_eq!(edges.len(), 10, "{before}");
    assert!(
        !before.contains("grad norm"),
        "no gradient before backward:\n{before}"
    );
    assert!(
        before
            .contains(r#"label="0.weight\n[2, 3]", shape=box, style=filled, fillcolor=lightblue"#),
        "{before}"
    );
    assert!(before.contains(r#"label="0.bias\n[2]""#), "{before}");
    assert!(before.contains(r#"label="linear\n[4, 2]""#), "{before}");
    assert!(before.contains(r#"label="relu\n[4, 2]""#), "{before}");
    // The two constants are dashed ellipses; the output is the green node.
    assert_eq!(
        before
            .matches(r#"label="constant\n[4, 3]", shape=ellipse, style=dashed"#)
            .count(),
        1,
        "{before}"
    );
    assert_eq!(
        before
            .matches(r#"label="constant\n[4, 2]", shape=ellipse, style=dashed"#)
            .count(),
        1,
        "{before}"
    );
    let output = format!("n{} [label=\"mul_scalar\\n[]\", shape=box, style=\"rounded,filled\", fillcolor=darkolivegreen1];", s.loss.id());
    assert!(before.contains(&output), "{before}");
    // mul_scalar <- sum <- mul <- sub <- relu <- linear
    let mut linear = s.loss.clone();
    for _ in 0..5 {
        linear = linear.inputs()[0].clone();
    }
    assert_eq!(linear.op_name(), Some("linear"));
    for input in [&s.x, &s.w, &s.b] {
        let edge = format!("    n{} -> n{};", input.id(), linear.id());
        assert!(before.contains(&edge), "{edge} in\n{before}");
    }

    let keep = BackwardOptions {
        retain_graph: true,
        ..Default::default()
    };
    s.loss.backward_opts(None, keep).unwrap();
    let after = to_dot(&s.loss, &s.names);
    assert_eq!(
        dot_parts(&after).0.len(),
        10,
        "the graph is still there:\n{after}"
    );
    for p in [&s.w, &s.b] {
        let expected = format!("grad norm {:.3e}", norm(&p.grad().unwrap()));
        assert!(after.contains(&expected), "{expected} in\n{after}");
    }
    assert_eq!(
        after.matches("grad norm").count(),
        2,
        "only the parameters have gradients"
    );
    assert!(after.starts_with("digraph autograd {\n") && after.ends_with("}\n"));
}

#[test]
fn unnamed_parameters_are_drawn_as_parameters() {
    let s = step();
    let dot = to_dot(&s.loss, &[]);
    assert_eq!(dot.matches(r#"label="parameter\n"#).count(), 2, "{dot}");
    assert!(!dot.contains("0.weight"));
}

#[test]
fn mermaid_of_linear_relu_mse_has_the_same_nodes_and_edges() {
    let s = step();
    let keep = BackwardOptions {
        retain_graph: true,
        ..Default::default()
    };
    s.loss.backward_opts(None, keep).unwrap();
    let chart = to_mermaid(&s.loss, &s.names);
    assert!(chart.starts_with("flowchart TB\n"), "{chart}");
    let nodes: Vec<&str> = chart.lines().filter(|l| l.contains(":::")).collect();
    let edges: Vec<&str> = chart.lines().filter(|l| l.contains(" --> ")).collect();
    assert_eq!((nodes.len(), edges.len()), (10, 10), "{chart}");
    let weight = format!(
        "    n{}[\"0.weight<br/>[2, 3]<br/>grad norm {:.3e}\"]:::parameter",
        s.w.id(),
        norm(&s.w.grad().unwrap())
    );
    assert!(chart.contains(&weight), "{weight} in\n{chart}");
    assert!(
        chart.contains("([\"constant<br/>[4, 3]\"]):::constant"),
        "{chart}"
    );
    assert!(chart.contains("(\"relu<br/>[4, 2]\"):::op"), "{chart}");
    assert!(
        chart.contains(&format!(
            "    n{}(\"mul_scalar<br/>[]\"):::output",
            s.loss.id()
        )),
        "{chart}"
    );
    for class in ["op", "parameter", "constant", "output"] {
        assert!(chart.contains(&format!("    classDef {class} ")), "{chart}");
    }
}

#[test]
fn a_shared_subexpression_is_drawn_once() {
    let w = Var::parameter(t(&[3], &[0.1, 0.2, 0.3]));
    let h = w.exp();
    let y = (&(&h * &h) + &h).sum_all();
    let dot = to_dot(&y, &[("w".to_string(), w.clone())]);
    let (nodes, edges) = dot_parts(&dot);
    // w, exp, mul, add, sum; exp -> mul twice, exp -> add once.
    assert_eq!((nodes.len(), edges.len()), (5, 6), "{dot}");
    assert_eq!(dot.matches(r#"label="exp\n[3]""#).count(), 1, "{dot}");
    let from_exp = format!("    n{} -> ", h.id());
    assert_eq!(dot.matches(&from_exp).count(), 3, "{dot}");
}

#[test]
fn names_with_quotes_and_backslashes_are_escaped() {
    let w = Var::parameter(t(&[1], &[1.0]));
    let y = w.relu();
    let names = [(r#"layer "a"\b"#.to_string(), w.clone())];
    let dot = to_dot(&y, &names);
    assert!(dot.contains(r#"label="layer \"a\"\\b\n[1]""#), "{dot}");
    let chart = to_mermaid(&y, &names);
    assert!(
        chart.contains(r#"["layer #quot;a#quot;\b<br/>[1]"]"#),
        "{chart}"
    );
}

#[test]
fn a_chain_of_100_000_ops_is_drawn_without_recursion() {
    let x = Var::parameter(Tensor::scalar(1.0f64));
    let mut y = x.clone();
    for _ in 0..100_000 {
        y = y.mul_scalar(1.0);
    }
    // Test threads have 2 MiB stacks: a recursive walk of 100,000 nodes would overflow them.
    let dot = to_dot(&y, &[("x".to_string(), x.clone())]);
    let (nodes, edges) = dot_parts(&dot);
    assert_eq!((nodes.len(), edges.len()), (100_001, 100_000));
    let chart = to_mermaid(&y, &[]);
    assert_eq!(chart.matches(" --> ").count(), 100_000);
}
