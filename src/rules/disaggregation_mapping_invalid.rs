use crate::diagnostic::{Finding, ObjectRef};
use crate::job::disaggregation::{Problem, SideKind};
use crate::job::{Job, Mapping};
use crate::model::Identifiable;

declare_rule! {
    /// ## What it does
    /// For DHIS2 2.42+ disaggregated program indicators (a `categoryCombo` or
    /// `attributeCombo` that is not the default), checks what DHIS2 checks only when the
    /// export runs (`ProgramCategoryMappingValidator`): each id in `categoryMappingIds` is
    /// a category mapping of the PI's program (E4071); each mapping's category (E4072)
    /// and options (E4073) exist in the source; no option is mapped twice in a mapping
    /// (E4079); every non-default category of the PI's combos has a mapping among the
    /// PI's (E4074). It also finds what fails the export later in the same request: two
    /// of the PI's mappings for one category (DHIS2 keys them by category and fails on
    /// the second), an option mapped for a category it does not belong to (a row that
    /// falls into it has no option combo: "Couldn't resolve orderedOptionCombo"), two
    /// option combos of the PI's combo with the same options, a combo the source does
    /// not hold, and mappings that reach no option combo at all (every row dropped).
    ///
    /// Categories and options are checked when the source metadata lists them
    /// (`categories`, `categoryOptions`); the options of a category when the category
    /// lists them.
    ///
    /// ## Why is this bad?
    /// DHIS2 2.42.1 and later import such a PI without complaint and answer the export
    /// with 409 (E4071–E4074) or a server error: not one value of the whole request
    /// arrives, for any PI in it.
    ///
    /// ## How to fix
    /// Edit the program's category mappings (Maintenance app, program → "Category
    /// mappings", or `program.categoryMappings` in the metadata) and the PI's list of
    /// mappings so that each category of the PI's combos has exactly one mapping, whose
    /// options are options of that category.
    ///
    /// ## Example
    /// PI "ANC visits by age" has category combo "Age" but names only the program's
    /// "Sex" mapping: DHIS2 answers the export with E4074.
    pub static RULE = {
        id: DISAGGREGATION_MAPPING_INVALID,
        summary: "a disaggregated program indicator's category mappings stop DHIS2 from exporting it (a mapping not in its program, a missing category or option, a category of its combo without a mapping: E4071-E4074)",
        check: check,
    }
}

fn check(cx: &Job<'_>) -> Vec<Finding> {
    cx.mappings
        .iter()
        .flat_map(|m| {
            let problems = m.disaggregation.as_ref().map(|d| d.problems.as_slice());
            problems
                .unwrap_or_default()
                .iter()
                .map(move |p| finding(cx, m, p))
        })
        .collect()
}

fn side(kind: SideKind) -> &'static str {
    match kind {
        SideKind::Coc => "category combo",
        SideKind::Aoc => "attribute combo",
    }
}

/// `"<name>" (<id>)` of a source object when the source holds it, else `` `<id>` ``.
fn label<T: Identifiable>(c: &crate::catalog::Collection<T>, id: &str) -> String {
    match c.get(id) {
        Some(o) if !o.name().is_empty() => format!("\"{}\" ({id})", o.name()),
        _ => format!("`{id}`"),
    }
}

fn finding(cx: &Job<'_>, m: &Mapping, p: &Problem) -> Finding {
    let s = cx.source;
    let pi = cx.pi_label(m);
    let program = s.program_indicators[m.pi]
        .program
        .as_ref()
        .map(|r| label(&s.programs, &r.id))
        .unwrap_or_default();
    let cat = |id: &str| label(&s.categories, id);
    let opt = |id: &str| label(&s.category_options, id);
    let (message, fix, grouped) = match p {
        Problem::UnknownMapping(id) => (
            format!(
                "program indicator {pi} names category mapping `{id}`, which its program {program} does not have: the export fails (E4071)"
            ),
            "remove the id from the PI's `categoryMappingIds`, or add the mapping to the program's `categoryMappings`".to_string(),
            format!("category mapping `{id}` is not in the program (E4071)"),
        ),
        Problem::UnknownCategory { mapping, category } => (
            format!(
                "category mapping `{mapping}` of program {program}, used by program indicator {pi}, names category `{category}`, which the source does not have: the export fails (E4072)"
            ),
            "point the mapping at a category of the PI's category combo".to_string(),
            format!("category mapping `{mapping}` names a missing category `{category}` (E4072)"),
        ),
        Problem::UnknownOption { mapping, option } => (
            format!(
                "category mapping `{mapping}` of program {program}, used by program indicator {pi}, maps category option `{option}`, which the source does not have: the export fails (E4073)"
            ),
            "map options of the mapping's category only".to_string(),
            format!("category mapping `{mapping}` maps a missing category option `{option}` (E4073)"),
        ),
        Problem::DuplicateOption { mapping, option } => (
            format!(
                "category mapping `{mapping}` of program {program}, used by program indicator {pi}, maps category option {} twice: the export fails (E4079)",
                opt(option)
            ),
            "keep one option mapping per option, with the filters joined by `||`".to_string(),
            format!("category mapping `{mapping}` maps category option `{option}` twice (E4079)"),
        ),
        Problem::UnmappedCategory { kind, category } => (
            format!(
                "program indicator {pi} is disaggregated by its {} but none of its category mappings covers category {}: the export fails (E4074)",
                side(*kind),
                cat(category)
            ),
            format!(
                "add a mapping for category `{category}` to the program and its id to the PI's `categoryMappingIds`, or set the PI's `{}` back to the default",
                kind.field()
            ),
            format!("no category mapping covers category `{category}` (E4074)"),
        ),
        Problem::TwoMappingsForCategory { category, mappings } => (
            format!(
                "program indicator {pi} names {} category mappings for category {} ({}): DHIS2 keys the mappings by category and the export fails with a server error",
                mappings.len(),
                cat(category),
                mappings.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ),
            "keep one mapping per category in the PI's `categoryMappingIds`".to_string(),
            format!("two category mappings for category `{category}`"),
        ),
        Problem::OptionNotInCategory {
            mapping,
            option,
            category,
        } => (
            format!(
                "category mapping `{mapping}` of program {program}, used by program indicator {pi}, maps category option {}, which is not an option of its category {}: a row that falls into it has no option combo and the export fails (\"Couldn't resolve orderedOptionCombo\")",
                opt(option),
                cat(category)
            ),
            "map only options of the mapping's category".to_string(),
            format!("category mapping `{mapping}` maps option `{option}` of another category"),
        ),
        Problem::DuplicateOptionCombos { kind, cocs } => (
            format!(
                "the {} of program indicator {pi} has two option combos with the same category options ({}): DHIS2 cannot tell them apart and the export fails",
                side(*kind),
                cocs.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            ),
            "merge the duplicate category option combos in the source (Data Administration → Maintenance, or the category option combo merge of 2.42)".to_string(),
            format!("duplicate option combos {} in the {}", cocs.join(", "), side(*kind)),
        ),
        Problem::UnknownCombo { kind, combo } => (
            format!(
                "program indicator {pi} is disaggregated by {} `{combo}`, which the source metadata does not hold, so its mappings cannot be checked",
                side(*kind)
            ),
            format!(
                "include the category combo (with its categories and option combos) in the source metadata, or fix the PI's `{}`",
                kind.field()
            ),
            format!("{} `{combo}` is not in the source", side(*kind)),
        ),
        Problem::NothingExported { kind } => (
            format!(
                "program indicator {pi} is disaggregated by its {}, but its category mappings reach none of the combo's option combos: DHIS2 drops every row and exports nothing",
                side(*kind)
            ),
            "map the options of each category of the combo in the program's category mappings".to_string(),
            format!("the category mappings reach no option combo of the {}", side(*kind)),
        ),
    };
    let mut f = Finding::new(&RULE, message, fix)
        .grouped(grouped, pi.clone())
        .object(cx.pi_ref(m));
    if let Some(p) = s.program_indicators[m.pi]
        .program
        .as_ref()
        .and_then(|r| s.programs.get(&r.id))
    {
        f = f.object(ObjectRef::of(p));
    }
    f.target(m.target_ref())
}
