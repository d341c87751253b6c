//! The mapping graph: mapping (PI) -> data element / COC / AOC -> data sets -> org
//! units, plus the org units each mapping reports from. Rules walk it instead of
//! re-deriving relations from the raw metadata.

use petgraph::Direction;
use petgraph::graphmap::DiGraphMap;

use crate::catalog::Catalog;
use crate::mapping::{Combo, Mapping};
use crate::reporting::Reporting;

/// A node: indices into the mappings, or into the target's collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Mapping(usize),
    DataElement(usize),
    CategoryOptionCombo(usize),
    AttributeOptionCombo(usize),
    DataSet(usize),
    OrgUnit(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// mapping -> data element / COC / AOC
    Targets,
    /// data element -> data set, with the data set element's category combo override
    InDataSet { combo_override: Option<usize> },
    /// data set -> org unit
    AssignedTo,
    /// mapping -> org unit that will report it (in the target)
    ReportsFrom,
}

pub struct MappingGraph {
    graph: DiGraphMap<Node, Edge>,
}

impl MappingGraph {
    pub fn build(target: &Catalog, mappings: &[Mapping], reporting: &Reporting) -> Self {
        let mut graph = DiGraphMap::new();
        for (mi, m) in mappings.iter().enumerate() {
            let node = graph.add_node(Node::Mapping(mi));
            let Some(de) = m.target_de else { continue };
            graph.add_edge(node, Node::DataElement(de), Edge::Targets);
            if let Combo::Found(c) = m.target_coc {
                graph.add_edge(node, Node::CategoryOptionCombo(c), Edge::Targets);
            }
            if let Combo::Found(c) = m.target_aoc {
                graph.add_edge(node, Node::AttributeOptionCombo(c), Edge::Targets);
            }
            for &u in reporting.by_mapping.get(mi).into_iter().flatten() {
                if let Some(ou) = reporting.units[u].target {
                    graph.add_edge(node, Node::OrgUnit(ou), Edge::ReportsFrom);
                }
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
                let ds = Node::DataSet(m.data_set);
                if !graph.contains_node(ds) {
                    for ou in &target.data_sets()[m.data_set].organisation_units {
                        if let Some(o) = target.organisation_units.id(&ou.id) {
                            graph.add_edge(ds, Node::OrgUnit(o), Edge::AssignedTo);
                        }
                    }
                }
                graph.add_edge(
                    Node::DataElement(de),
                    ds,
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

    /// Whether a data set is assigned to a target org unit.
    pub fn is_assigned(&self, data_set: usize, org_unit: usize) -> bool {
        self.graph
            .contains_edge(Node::DataSet(data_set), Node::OrgUnit(org_unit))
    }

    /// The target org units a mapping reports from, sorted.
    pub fn reporting_units_of(&self, mapping: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .graph
            .neighbors_directed(Node::Mapping(mapping), Direction::Outgoing)
            .filter_map(|n| match n {
                Node::OrgUnit(ou) => Some(ou),
                _ => None,
            })
            .collect();
        v.sort_unstable();
        v
    }
}
