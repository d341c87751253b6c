//! The mapping graph: mapping (PI) -> data element / COC / AOC -> data sets. Rules walk
//! it instead of re-deriving relations from the raw metadata. Org units are not in it:
//! at national scale they would be tens of millions of edges; the reporting units are
//! held per set (`units`) and data set assignments as bitsets (`Catalog::is_assigned`).

use petgraph::Direction;
use petgraph::graphmap::DiGraphMap;

use crate::catalog::Catalog;

use super::mappings::{Combo, Mapping};

/// A node: indices into the mappings, or into the target's collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Mapping(usize),
    DataElement(usize),
    CategoryOptionCombo(usize),
    AttributeOptionCombo(usize),
    DataSet(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// mapping -> data element / COC / AOC
    Targets,
    /// data element -> data set, with the data set element's category combo override
    InDataSet { combo_override: Option<usize> },
}

pub struct MappingGraph {
    graph: DiGraphMap<Node, Edge>,
}

impl MappingGraph {
    pub fn build(target: &Catalog, mappings: &[Mapping]) -> Self {
        let mut graph = DiGraphMap::new();
        for (mi, m) in mappings.iter().enumerate() {
            let node = graph.add_node(Node::Mapping(mi));
            let Some(de) = m.target_de else { continue };
            graph.add_edge(node, Node::DataElement(de), Edge::Targets);
            for c in m.fed_cocs(target) {
                graph.add_edge(node, Node::CategoryOptionCombo(c), Edge::Targets);
            }
            if let Combo::Found(c) = m.target_aoc {
                graph.add_edge(node, Node::AttributeOptionCombo(c), Edge::Targets);
            }
            let aocs = m.disaggregation.as_ref().and_then(|d| d.aoc.as_ref());
            for &c in aocs.iter().flat_map(|s| s.in_target.iter().flatten()) {
                graph.add_edge(node, Node::AttributeOptionCombo(c), Edge::Targets);
            }
        }
        let des: Vec<usize> = graph
            .nodes()
            .filter_map(|n| match n {
                Node::DataElement(de) => Some(de),
                _ => None,
            })
            .collect();
        for de in des {
            for m in target.memberships(de) {
                graph.add_edge(
                    Node::DataElement(de),
                    Node::DataSet(m.data_set),
                    Edge::InDataSet {
                        combo_override: m.combo_override,
                    },
                );
            }
        }
        MappingGraph { graph }
    }

    /// Mapped data elements, sorted.
    pub fn data_elements(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .nodes()
            .filter_map(|n| match n {
                Node::DataElement(de) => Some(de),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// The mappings that target a data element, sorted.
    pub fn mappings_of(&self, de: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .neighbors_directed(Node::DataElement(de), Direction::Incoming)
            .filter_map(|n| match n {
                Node::Mapping(m) => Some(m),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// Every data set a mapped data element is in (the data sets the job feeds), sorted.
    pub fn fed_data_sets(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .nodes()
            .filter_map(|n| match n {
                Node::DataSet(ds) => Some(ds),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// The data sets holding a mapped data element, sorted.
    pub fn data_sets_of(&self, de: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .neighbors_directed(Node::DataElement(de), Direction::Outgoing)
            .filter_map(|n| match n {
                Node::DataSet(ds) => Some(ds),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v
    }
}
