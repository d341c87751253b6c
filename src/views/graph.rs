//! `t2a graph`: the mapping as a picture, from the job's petgraph graph: program
//! indicators -> data element (edge labelled with the option combo) -> data sets
//! (with period type); objects named by findings are marked (red for errors, orange
//! for warnings), unknown targets drawn dashed. `--focus` keeps one neighbourhood.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::diagnostic::Severity;
use crate::job::Job;
use crate::job::mappings::Combo;
use crate::model::Identifiable;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz dot (`dot -Tsvg`)
    Dot,
    /// Mermaid flowchart (GitHub and GitLab render it in Markdown)
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Pi,
    De,
    Unknown,
    DataSet,
}

#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    label: String,
    defect: Option<Severity>,
}

#[derive(Debug, Default)]
struct Picture {
    /// By a stable key (`pi:UID`, `de:UID`, `unknown:CODE`, `ds:UID`).
    nodes: BTreeMap<String, Node>,
    edges: BTreeSet<(String, String, String)>,
}

fn build(cx: &Job<'_>, defects: &HashMap<String, Severity>) -> Picture {
    let (s, t) = (cx.source, cx.target);
    let mut p = Picture::default();
    for m in &cx.mappings {
        let pi = &s.program_indicators[m.pi];
        let pi_key = format!("pi:{}", pi.id);
        p.nodes.insert(
            pi_key.clone(),
            Node {
                kind: Kind::Pi,
                label: format!("{}\n{}", pi.name(), pi.id),
                defect: defects.get(pi.id.as_str()).copied(),
            },
        );
        let coc = match m.target_coc {
            Combo::Found(c) => {
                let o = &t.category_option_combos[c];
                o.code().unwrap_or(o.name()).to_string()
            }
            Combo::Default => String::new(),
            Combo::Unknown => format!("{} (unknown)", m.coc.as_deref().unwrap_or("")),
            Combo::Disaggregated => "(disaggregated)".to_string(),
        };
        let de_key = match m.target_de {
            Some(de) => {
                let d = &t.data_elements[de];
                let key = format!("de:{}", d.id);
                p.nodes.insert(
                    key.clone(),
                    Node {
                        kind: Kind::De,
                        label: format!("{}\n{}", d.code().unwrap_or(d.id()), d.name()),
                        defect: defects.get(d.id.as_str()).copied(),
                    },
                );
                for ds in cx.graph.data_sets_of(de) {
                    let set = &t.data_sets[ds];
                    let ds_key = format!("ds:{}", set.id);
                    p.nodes.insert(
                        ds_key.clone(),
                        Node {
                            kind: Kind::DataSet,
                            label: format!(
                                "{}\n{}",
                                set.name(),
                                set.period_type.as_deref().unwrap_or("")
                            ),
                            defect: defects.get(set.id.as_str()).copied(),
                        },
                    );
                    p.edges.insert((key.clone(), ds_key, String::new()));
                }
                key
            }
            None => {
                let key = format!("unknown:{}", m.de);
                p.nodes.insert(
                    key.clone(),
                    Node {
                        kind: Kind::Unknown,
                        label: format!("{}\n(not in the target)", m.de),
                        defect: Some(Severity::Error),
                    },
                );
                key
            }
        };
        p.edges.insert((pi_key, de_key, coc));
    }
    p
}

/// Keep the neighbourhood of the objects `focus` names (UID or code): their mappings'
/// program indicators, data elements and data sets.
fn focus(p: Picture, cx: &Job<'_>, focus: &str) -> Option<Picture> {
    let (s, t) = (cx.source, cx.target);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for m in &cx.mappings {
        let pi = &s.program_indicators[m.pi];
        let de = m.target_de.map(|d| &t.data_elements[d]);
        let sets: Vec<_> = m
            .target_de
            .map(|d| cx.graph.data_sets_of(d))
            .unwrap_or_default();
        let hit = pi.id == focus
            || pi.code() == Some(focus)
            || m.de == focus
            || de.is_some_and(|d| d.id == focus || d.code() == Some(focus))
            || sets
                .iter()
                .any(|&ds| t.data_sets[ds].id == focus || t.data_sets[ds].code() == Some(focus));
        if hit {
            keys.insert(format!("pi:{}", pi.id));
            match de {
                Some(d) => keys.insert(format!("de:{}", d.id)),
                None => keys.insert(format!("unknown:{}", m.de)),
            };
            for ds in sets {
                keys.insert(format!("ds:{}", t.data_sets[ds].id));
            }
        }
    }
    if keys.is_empty() {
        return None;
    }
    Some(Picture {
        nodes: p
            .nodes
            .into_iter()
            .filter(|(k, _)| keys.contains(k))
            .collect(),
        edges: p
            .edges
            .into_iter()
            .filter(|(a, b, _)| keys.contains(a) && keys.contains(b))
            .collect(),
    })
}

fn dot_id(key: &str) -> String {
    format!("{key:?}")
}

fn dot(p: &Picture) -> String {
    let mut out = String::from(
        "digraph t2a {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
    );
    for (key, n) in &p.nodes {
        let shape = match n.kind {
            Kind::Pi => "box",
            Kind::De | Kind::Unknown => "ellipse",
            Kind::DataSet => "folder",
        };
        let mut attrs = vec![format!("label={:?}", n.label), format!("shape={shape}")];
        if n.kind == Kind::Unknown {
            attrs.push("style=dashed".into());
        }
        match n.defect {
            Some(Severity::Error) => attrs.push("color=red, penwidth=2".into()),
            Some(Severity::Warning) => attrs.push("color=orange, penwidth=2".into()),
            _ => {}
        }
        let _ = writeln!(out, "  {} [{}];", dot_id(key), attrs.join(", "));
    }
    for (a, b, label) in &p.edges {
        if label.is_empty() {
            let _ = writeln!(out, "  {} -> {};", dot_id(a), dot_id(b));
        } else {
            let _ = writeln!(out, "  {} -> {} [label={label:?}];", dot_id(a), dot_id(b));
        }
    }
    out.push_str("}\n");
    out
}

fn mermaid(p: &Picture) -> String {
    let ids: HashMap<&String, String> = p
        .nodes
        .keys()
        .enumerate()
        .map(|(i, k)| (k, format!("n{i}")))
        .collect();
    let text = |s: &str| s.replace('"', "#quot;").replace('\n', "<br/>");
    let mut out = String::from("flowchart LR\n");
    for (key, n) in &p.nodes {
        let id = &ids[key];
        let label = text(&n.label);
        let shape = match n.kind {
            Kind::Pi => format!("{id}[\"{label}\"]"),
            Kind::De | Kind::Unknown => format!("{id}([\"{label}\"])"),
            Kind::DataSet => format!("{id}[(\"{label}\")]"),
        };
        let _ = writeln!(out, "  {shape}");
    }
    for (a, b, label) in &p.edges {
        let (a, b) = (&ids[a], &ids[b]);
        if label.is_empty() {
            let _ = writeln!(out, "  {a} --> {b}");
        } else {
            let _ = writeln!(out, "  {a} -->|\"{}\"| {b}", text(label));
        }
    }
    out.push_str("  classDef error stroke:#d00,stroke-width:3px\n  classDef warning stroke:#e80,stroke-width:3px\n  classDef unknown stroke-dasharray:5 5\n");
    for (key, n) in &p.nodes {
        let class = match (n.kind, n.defect) {
            (Kind::Unknown, _) => Some("error,unknown"),
            (_, Some(Severity::Error)) => Some("error"),
            (_, Some(Severity::Warning)) => Some("warning"),
            _ => None,
        };
        if let Some(c) = class {
            let _ = writeln!(out, "  class {} {c}", ids[key]);
        }
    }
    out
}

/// The picture of the job's mapping; `None` when `focus_on` names nothing mapped.
pub fn render(
    cx: &Job<'_>,
    report: &crate::report::Report,
    format: GraphFormat,
    focus_on: Option<&str>,
) -> Option<String> {
    let defects = super::defects(report);
    let mut p = build(cx, &defects);
    if let Some(f) = focus_on {
        p = focus(p, cx, f)?;
    }
    Some(match format {
        GraphFormat::Dot => dot(&p),
        GraphFormat::Mermaid => mermaid(&p),
    })
}
