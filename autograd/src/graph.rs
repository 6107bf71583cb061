//! The recorded graph as a picture: Graphviz DOT ([`to_dot`]) and Mermaid ([`to_mermaid`])
//! text, one node per op and per leaf reachable from a value (what torchviz's `make_dot` draws
//! for PyTorch).
//!
//! Both are drawn from one walk ([`Graph::of`]): an explicit stack from the output through
//! [`Var::inputs`], each node once by [`Var::id`], so a graph of any depth is walked without
//! recursion. Ops are grey boxes, parameters (leaves that require a gradient) blue boxes with
//! their names and gradient norms, constants (inputs, targets) white dashed ellipses, the
//! output green; edges run from an input to the op that used it, one per argument (`x * x`
//! draws two).

use crate::Var;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use tensor::Element;

/// What a node of the drawing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Made by an op.
    Op,
    /// A leaf that requires a gradient.
    Parameter,
    /// A leaf that does not: an input, a target, a constant.
    Constant,
}

/// One node: its id, what it is, and the lines of its label (unescaped).
struct Node {
    id: u64,
    kind: Kind,
    lines: Vec<String>,
}

/// The nodes (by id) and edges (input id, op id) reachable from an output.
struct Graph {
    nodes: Vec<Node>,
    edges: Vec<(u64, u64)>,
    output: u64,
}

impl Graph {
    /// Walks the graph behind `output` with an explicit stack, each node once.
    fn of<T: Element>(output: &Var<T>, names: &[(String, Var<T>)]) -> Self {
        let mut named: HashMap<u64, Vec<&str>> = HashMap::new();
        for (name, p) in names {
            named.entry(p.id()).or_default().push(name);
        }
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![output.clone()];
        while let Some(v) = stack.pop() {
            if !seen.insert(v.id()) {
                continue;
            }
            let inputs = v.inputs();
            edges.extend(inputs.iter().map(|i| (i.id(), v.id())));
            nodes.push(describe(&v, named.get(&v.id()), inputs.is_empty()));
            stack.extend(inputs);
        }
        nodes.sort_unstable_by_key(|n| n.id);
        // By op (a stable sort: each op's edges stay in the order it took its arguments).
        edges.sort_by_key(|&(_, op)| op);
        Graph {
            nodes,
            edges,
            output: output.id(),
        }
    }
}

/// A node's kind and label: name (or op, or `parameter`/`constant`), shape, gradient norm.
fn describe<T: Element>(v: &Var<T>, names: Option<&Vec<&str>>, no_inputs: bool) -> Node {
    let (kind, title) = match (v.op_name(), names) {
        (Some(op), _) => (Kind::Op, op.to_string()),
        (None, names) => {
            let kind = if v.requires_grad() {
                Kind::Parameter
            } else {
                Kind::Constant
            };
            let title = match names {
                Some(names) => names.join(", "),
                None if kind == Kind::Parameter => "parameter".to_string(),
                None => "constant".to_string(),
            };
            (kind, title)
        }
    };
    let mut lines = vec![title, format!("{:?}", v.shape())];
    if kind == Kind::Op && no_inputs {
        lines.push("(graph freed)".to_string());
    }
    if v.has_grad() {
        if let Some(g) = v.grad_ref().as_ref() {
            let norm = g
                .array()
                .iter()
                .map(|&x| x.to_f64().unwrap_or(f64::NAN).powi(2))
                .sum::<f64>()
                .sqrt();
            lines.push(format!("grad norm {norm:.3e}"));
        }
    }
    Node {
        id: v.id(),
        kind,
        lines,
    }
}

/// The graph behind `output` as Graphviz DOT text (torchviz's `make_dot`): one node per op and
/// per leaf reachable from it, each labelled with its op (or name) and shape, and, for a leaf
/// a backward pass has reached, the norm of its gradient. `names` names the parameters; it
/// takes what `nn`'s `Module::named_parameters()` returns (`&model.named_parameters()`), and
/// `&[]` draws them unnamed.
///
/// Ops are grey boxes, parameters blue boxes, constants (inputs, targets) white dashed
/// ellipses, the output green. Draw the gradients by calling it after
/// [`backward_opts`](Var::backward_opts) with
/// [`retain_graph`](crate::BackwardOptions::retain_graph): a plain `backward()` frees the graph,
/// leaving only the output. `dot -Tpng graph.dot -o graph.png` renders it.
///
/// ```
/// use autograd::{to_dot, Var};
/// use tensor::Tensor;
/// let w = Var::parameter(Tensor::<f32>::ones(&[2]));
/// let x = Var::constant(Tensor::ones(&[2]));
/// let y = (&w * &x).sum_all();
/// let dot = to_dot(&y, &[("w".to_string(), w.clone())]);
/// assert!(dot.starts_with("digraph autograd {"));
/// assert!(dot.contains(r#"label="w\n[2]""#));
/// assert_eq!(dot.matches(" -> ").count(), 3); // w -> mul, x -> mul, mul -> sum
/// ```
pub fn to_dot<T: Element>(output: &Var<T>, names: &[(String, Var<T>)]) -> String {
    let graph = Graph::of(output, names);
    let mut s = String::from("digraph autograd {\n");
    s.push_str("    node [fontname=\"Helvetica\", fontsize=11];\n");
    for n in &graph.nodes {
        let label = n
            .lines
            .iter()
            .map(|l| dot_escape(l))
            .collect::<Vec<_>>()
            .join("\\n");
        let style = match n.kind {
            _ if n.id == graph.output => {
                "shape=box, style=\"rounded,filled\", fillcolor=darkolivegreen1"
            }
            Kind::Op => "shape=box, style=\"rounded,filled\", fillcolor=lightgrey",
            Kind::Parameter => "shape=box, style=filled, fillcolor=lightblue",
            Kind::Constant => "shape=ellipse, style=dashed",
        };
        let _ = writeln!(s, "    n{} [label=\"{label}\", {style}];", n.id);
    }
    for (from, to) in &graph.edges {
        let _ = writeln!(s, "    n{from} -> n{to};");
    }
    s.push_str("}\n");
    s
}

/// The graph behind `output` as a Mermaid `flowchart` (which GitHub renders in Markdown inside
/// a ```` ```mermaid ```` block): the same nodes, labels and edges as [`to_dot`], with the
/// kinds told apart by shape and by the classes `op`, `parameter`, `constant` and `output`.
///
/// ```
/// use autograd::{to_mermaid, Var};
/// use tensor::Tensor;
/// let w = Var::parameter(Tensor::<f32>::ones(&[2]));
/// let y = w.relu().sum_all();
/// let chart = to_mermaid(&y, &[("w".to_string(), w.clone())]);
/// assert!(chart.starts_with("flowchart TB\n"));
/// assert!(chart.contains(r#"["w<br/>[2]"]:::parameter"#));
/// assert_eq!(chart.matches(" --> ").count(), 2);
/// ```
pub fn to_mermaid<T: Element>(output: &Var<T>, names: &[(String, Var<T>)]) -> String {
    let graph = Graph::of(output, names);
    let mut s = String::from("flowchart TB\n");
    for n in &graph.nodes {
        let label = n
            .lines
            .iter()
            .map(|l| mermaid_escape(l))
            .collect::<Vec<_>>()
            .join("<br/>");
        let (open, close, class) = match n.kind {
            _ if n.id == graph.output => ("(", ")", "output"),
            Kind::Op => ("(", ")", "op"),
            Kind::Parameter => ("[", "]", "parameter"),
            Kind::Constant => ("([", "])", "constant"),
        };
        let _ = writeln!(s, "    n{}{open}\"{label}\"{close}:::{class}", n.id);
    }
    for (from, to) in &graph.edges {
        let _ = writeln!(s, "    n{from} --> n{to}");
    }
    s.push_str("    classDef op fill:#d3d3d3,stroke:#333\n");
    s.push_str("    classDef parameter fill:#add8e6,stroke:#333\n");
    s.push_str("    classDef constant fill:#fff,stroke:#999,stroke-dasharray: 4 2\n");
    s.push_str("    classDef output fill:#caff70,stroke:#333\n");
    s
}

/// A label line inside a DOT double-quoted string: backslashes (which DOT reads as escapes
/// such as `\l`) and quotes escaped, line breaks as DOT's `\n`.
fn dot_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A label line inside a Mermaid quoted label: the characters Mermaid or its HTML labels would
/// read (`"`, `#`, `<`, `>`, `&`) as Mermaid's entity codes, line breaks as `<br/>`.
fn mermaid_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '\n' => out.push_str("<br/>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{dot_escape, mermaid_escape};

    #[test]
    fn labels_are_escaped() {
        assert_eq!(dot_escape(r#"a "b" \l"#), r#"a \"b\" \\l"#);
        assert_eq!(dot_escape("two\nlines"), r"two\nlines");
        assert_eq!(
            mermaid_escape(r#"a "b" <#1> & c"#),
            "a #quot;b#quot; #lt;#35;1#gt; #amp; c"
        );
    }
}
