use crate::catalog::Catalog;
use crate::diagnostic::{FieldSpan, Finding, ObjectRef};
use crate::expr::pi::{Checked, Inner};
use crate::expr::{Expr, Node, Span};
use crate::job::Job;
use crate::job::expressions::{BoundaryForm, PiTexts};
use crate::model::{Identifiable, Program, ProgramIndicator};

declare_rule! {
    /// ## What it does
    /// Resolves every item of an in-scope program indicator's expression, filter,
    /// condition strings and custom boundary targets against the source:
    ///
    /// - `#{stage.dataElement}` and `PS_EVENTDATE:stage`: the stage exists and is a
    ///   stage of the PI's program; the data element exists, is in that stage, and is
    ///   not skipped for analytics there (`skipAnalytics`: no column in the analytics
    ///   table);
    /// - `A{attribute}`: the tracked entity attribute exists, is an attribute of the
    ///   PI's program, and is not confidential (confidential attributes have no
    ///   analytics column);
    /// - `C{constant}` and `d2:relationshipCount('type')`: the constant or
    ///   relationship type exists.
    ///
    /// What the source does not list is not judged (a package without constants says
    /// nothing about them). A field with an `invalid-expression` finding is not
    /// resolved.
    ///
    /// ## Why is this bad?
    /// DHIS2 checks that such objects exist when the expression editor validates, not
    /// that they belong to the PI's program, and it checks nothing on metadata import.
    /// An item of another program or package (a boundary naming a stage of another
    /// package is a real case) makes the analytics SQL fail, or count nothing.
    ///
    /// ## How to fix
    /// Point the item at a stage, data element or attribute of the PI's own program,
    /// or import what it names with the package.
    ///
    /// ## Example
    /// A TB PI's boundary `#{enzdhfIPdfl.NKd3CiQsSNH}` names a stage of another
    /// program.
    pub static RULE = {
        id: UNKNOWN_REFERENCE,
        summary: "an item of a program indicator's expression, filter or boundary names a stage, data element, attribute, constant or relationship type that is missing or not part of the PI's program",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    cx.texts()
        .pis
        .iter()
        .flat_map(|t| pi_findings(cx, t))
        .collect()
}

/// An unresolved item: where, and why.
struct Miss {
    span: Span,
    why: String,
    objects: Vec<ObjectRef>,
}

/// Whether any item of the PI does not resolve (the precedence of the mapping rules),
/// computed for every PI once.
pub(super) fn has_unknown_reference(cx: &Job<'_>, t: &PiTexts) -> bool {
    use rayon::prelude::*;
    let all = cx.resolved.get_or_init(|| {
        cx.texts()
            .pis
            .par_iter()
            .map(|t| pi_findings(cx, t).is_empty())
            .collect()
    });
    cx.texts().index(t.pi).is_some_and(|i| !all[i])
}

fn pi_findings(cx: &Job<'_>, t: &PiTexts) -> Vec<Finding> {
    let s = cx.source;
    let pi = &s.program_indicators[t.pi];
    let program = pi.program.as_ref().and_then(|r| s.programs.get(&r.id));
    let r = Resolver { s, pi, program };
    let label = format!("\"{}\" ({})", pi.name(), pi.id);
    let mut out = Vec::new();
    let mut field = |name: &str, text: &str, c: &Checked| {
        if !c.problems.is_empty() {
            return;
        }
        let mut misses = Vec::new();
        if let Some(tree) = &c.tree {
            r.tree(tree, &mut misses, None);
        }
        for inner in &c.inner {
            r.tree(&inner.tree, &mut misses, Some(inner));
        }
        for m in misses {
            out.push(finding(&label, pi, name, text, m));
        }
    };
    if let Some(c) = &t.expression {
        field("expression", pi.expression.as_deref().unwrap_or(""), c);
    }
    if let Some(c) = &t.filter {
        field("filter", pi.filter.as_deref().unwrap_or(""), c);
    }
    for b in &t.boundaries {
        let mut misses = Vec::new();
        let all = Span::new(0, b.target.len());
        match &b.form {
            BoundaryForm::StageDe { stage, de, .. } => r.stage_de(stage, de, all, &mut misses),
            BoundaryForm::Attribute { tea, .. } => r.attribute(tea, all, &mut misses),
            BoundaryForm::PsEventDate { stage, .. } => {
                r.stage(stage, all, &mut misses);
            }
            _ => {}
        }
        let name = format!("analyticsPeriodBoundaries[{}].boundaryTarget", b.index);
        for m in misses {
            out.push(finding(&label, pi, &name, &b.target, m));
        }
    }
    out
}

fn finding(label: &str, pi: &ProgramIndicator, field: &str, text: &str, m: Miss) -> Finding {
    let excerpt = text.get(m.span.start..m.span.end).unwrap_or("");
    Finding::new(
        &RULE,
        format!(
            "the {field} of program indicator {label} names `{excerpt}`: {}",
            m.why
        ),
        "point the item at a stage, data element or attribute of the PI's own program, or import what it names with the package",
    )
    .object(ObjectRef::of(pi))
    .objects(m.objects)
    .at_field(FieldSpan::new(field, text, m.span.start, m.span.end))
}

struct Resolver<'a> {
    s: &'a Catalog,
    pi: &'a ProgramIndicator,
    program: Option<&'a Program>,
}

impl Resolver<'_> {
    fn tree(&self, tree: &Expr, out: &mut Vec<Miss>, inner: Option<&Inner>) {
        let place = |sp: Span| inner.map_or(sp, |i| i.outer(sp));
        tree.walk(&mut |e| {
            let at = place(e.span);
            match &e.kind {
                Node::StageDe { stage, de } => self.stage_de(stage, de, at, out),
                Node::PsEventDate(stage) => {
                    self.stage(stage, at, out);
                }
                Node::Attribute(tea) => self.attribute(tea, at, out),
                Node::Constant(c)
                    if self.s.constants.present() && self.s.constants.get(c).is_none() =>
                {
                    out.push(Miss {
                        span: at,
                        why: format!("No constant defined for {c}"),
                        objects: vec![],
                    })
                }
                Node::RelationshipCount(Some(rt))
                    if self.s.relationship_types.present()
                        && self.s.relationship_types.get(rt).is_none() =>
                {
                    out.push(Miss {
                        span: at,
                        why: format!("Relationship type {rt} not found"),
                        objects: vec![],
                    })
                }
                _ => {}
            }
        });
    }

    fn program_label(&self) -> String {
        match self.program {
            Some(p) => format!("\"{}\" ({})", p.name(), p.id),
            None => self
                .pi
                .program
                .as_ref()
                .map(|r| format!("`{}`", r.id))
                .unwrap_or_else(|| "(none)".into()),
        }
    }

    /// The stage, when it exists and is the program's; a miss otherwise.
    fn stage(
        &self,
        stage: &str,
        at: Span,
        out: &mut Vec<Miss>,
    ) -> Option<&crate::model::ProgramStage> {
        if !self.s.program_stages.present() {
            return None;
        }
        let Some(st) = self.s.program_stages.get(stage) else {
            out.push(Miss {
                span: at,
                why: format!("Program stage {stage} not found"),
                objects: vec![],
            });
            return None;
        };
        let program_id = self.pi.program.as_ref().map(|r| r.id.as_str());
        let of_program = st.program.as_ref().map(|r| r.id.as_str()) == program_id
            || self
                .program
                .is_some_and(|p| p.program_stages.iter().any(|r| r.id == stage));
        if !of_program {
            out.push(Miss {
                span: at,
                why: format!(
                    "stage \"{}\" ({stage}) is not a stage of the program indicator's program {}",
                    st.name(),
                    self.program_label()
                ),
                objects: vec![ObjectRef::of(st)],
            });
            return None;
        }
        Some(st)
    }

    fn stage_de(&self, stage: &str, de: &str, at: Span, out: &mut Vec<Miss>) {
        let before = out.len();
        let st = self.stage(stage, at, out);
        if !self.s.data_elements.present() {
            return;
        }
        let Some(d) = self.s.data_elements.get(de) else {
            if out.len() == before {
                out.push(Miss {
                    span: at,
                    why: format!("Data element {de} not found"),
                    objects: vec![],
                });
            }
            return;
        };
        let Some(st) = st else { return };
        match st
            .program_stage_data_elements
            .iter()
            .find(|p| p.data_element.id == de)
        {
            None => out.push(Miss {
                span: at,
                why: format!(
                    "data element \"{}\" ({de}) is not in stage \"{}\" ({stage})",
                    d.name(),
                    st.name()
                ),
                objects: vec![ObjectRef::of(st), ObjectRef::of(d)],
            }),
            Some(p) if p.skip_analytics => out.push(Miss {
                span: at,
                why: format!(
                    "data element \"{}\" ({de}) is skipped for analytics in stage \"{}\" (`skipAnalytics`), so the analytics tables have no column for it",
                    d.name(),
                    st.name()
                ),
                objects: vec![ObjectRef::of(st), ObjectRef::of(d)],
            }),
            Some(_) => {}
        }
    }

    fn attribute(&self, tea: &str, at: Span, out: &mut Vec<Miss>) {
        if !self.s.tracked_entity_attributes.present() {
            return;
        }
        let Some(a) = self.s.tracked_entity_attributes.get(tea) else {
            out.push(Miss {
                span: at,
                why: format!("Tracked entity attribute {tea} not found."),
                objects: vec![],
            });
            return;
        };
        if let Some(p) = self.program
            && !p
                .program_tracked_entity_attributes
                .iter()
                .any(|x| x.tracked_entity_attribute.id == tea)
        {
            out.push(Miss {
                span: at,
                why: format!(
                    "attribute \"{}\" ({tea}) is not an attribute of the program indicator's program {}",
                    a.name(),
                    self.program_label()
                ),
                objects: vec![ObjectRef::of(a)],
            });
            return;
        }
        if a.confidential {
            out.push(Miss {
                span: at,
                why: format!(
                    "attribute \"{}\" ({tea}) is confidential, so the analytics tables have no column for it",
                    a.name()
                ),
                objects: vec![ObjectRef::of(a)],
            });
        }
    }
}
