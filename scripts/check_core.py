#!/usr/bin/env python3
"""A straightforward Python implementation of t2a's core checks (T2A003-T2A009,
T2A011-T2A013) for the benchmark: CODE schemes, the mapping attribute found by its code,
every PI in scope, org units from the programs. It is what an implementer would write
by hand: json.load, dicts and sets, no tricks.

Usage: check_core.py SOURCE.json TARGET.json  -> prints {"mappings": N, "findings": [...]}
Findings are keys as in t2a::synth: rule code and the sorted ids of the program
indicators, data elements, data sets and org units the finding names.
"""
import json
import sys
from collections import defaultdict


def items(meta, name):
    return meta.get(name) or []


def main(source_path, target_path):
    with open(source_path, "rb") as f:
        src = json.load(f)
    with open(target_path, "rb") as f:
        tgt = json.load(f)

    attribute = next(
        (a["id"] for a in items(src, "attributes") if a.get("code") == "DATA_ELEMENT_AGG"),
        None,
    )
    de_by_code = {d["code"]: d for d in items(tgt, "dataElements") if d.get("code")}
    coc_by_code = {c["code"]: c for c in items(tgt, "categoryOptionCombos") if c.get("code")}
    combos = {c["id"]: c for c in items(tgt, "categoryCombos")}
    default_combo = next((c["id"] for c in combos.values() if c.get("name") == "default"), None)
    default_coc = next(
        (c["id"] for c in items(tgt, "categoryOptionCombos") if c.get("name") == "default"), None
    )
    combo_cocs = defaultdict(set)
    for c in items(tgt, "categoryOptionCombos"):
        if c.get("categoryCombo"):
            combo_cocs[c["categoryCombo"]["id"]].add(c["id"])
    de_sets = defaultdict(list)
    for ds in items(tgt, "dataSets"):
        for dse in ds.get("dataSetElements", []):
            de_sets[dse["dataElement"]["id"]].append(ds)
    target_ous = {o["id"] for o in items(tgt, "organisationUnits")}
    program_ous = {p["id"]: [o["id"] for o in p.get("organisationUnits", [])] for p in items(src, "programs")}

    findings = []

    def add(code, ids):
        findings.append({"code": code, "objects": sorted(set(ids))})

    mappings = []
    for pi in items(src, "programIndicators"):
        de = pi.get("aggregateExportDataElement") or next(
            (av["value"] for av in pi.get("attributeValues", []) if av["attribute"]["id"] == attribute and av["value"]),
            None,
        )
        if not de:
            continue
        coc = pi.get("aggregateExportCategoryOptionCombo") or None
        aoc = pi.get("aggregateExportAttributeOptionCombo") or None
        mappings.append((pi, de, coc, aoc))

    by_target = defaultdict(list)
    by_de = defaultdict(list)
    for pi, de_code, coc, aoc in mappings:
        de = de_by_code.get(de_code)
        if de is None:
            add("T2A003", [pi["id"]])
            continue
        by_de[de["id"]].append(pi)
        combo = de.get("categoryCombo", {}).get("id")
        sets = de_sets.get(de["id"], [])
        allowed = set()
        for ds in sets:
            override = next(
                (e.get("categoryCombo", {}).get("id") for e in ds["dataSetElements"] if e["dataElement"]["id"] == de["id"]),
                None,
            )
            allowed.add(override or combo)
        if not sets:
            allowed.add(combo)
        coc_id = None
        if coc is not None:
            c = coc_by_code.get(coc)
            if c is None:
                add("T2A004", [pi["id"], de["id"]])
            else:
                coc_id = c["id"]
                if not any(coc_id in combo_cocs[a] for a in allowed):
                    add("T2A005", [pi["id"], de["id"]])
        elif default_combo not in allowed:
            add("T2A006", [pi["id"], de["id"]])
        aoc_id = None
        if aoc is not None:
            a = coc_by_code.get(aoc)
            if a is None:
                add("T2A008", [pi["id"]])
            else:
                aoc_id = a["id"]
        if (coc is None or coc_id) and (aoc is None or aoc_id):
            norm = lambda x: None if x == default_coc else x
            by_target[(de["id"], norm(coc_id), norm(aoc_id))].append(pi)

    for (de, _, _), pis in by_target.items():
        if len(pis) > 1:
            add("T2A007", [p["id"] for p in pis] + [de])

    ds_ous = {ds["id"]: {o["id"] for o in ds.get("organisationUnits", [])} for ds in items(tgt, "dataSets")}
    program_sets = {p: set(ous) for p, ous in program_ous.items()}
    unassigned_memo = {}

    def unassigned(program, sets):
        # Org units of a program that none of the data sets is assigned to (memoised:
        # a few programs and data set combinations cover every data element).
        key = (program, tuple(sorted(ds["id"] for ds in sets)))
        if key not in unassigned_memo:
            left = program_sets.get(program, set()) & target_ous
            for ds in sets:
                left = left - ds_ous[ds["id"]]
            unassigned_memo[key] = left
        return unassigned_memo[key]

    gaps = defaultdict(lambda: (set(), set()))
    unknown_ous = set()
    for de, pis in by_de.items():
        sets = de_sets.get(de, [])
        ids = [p["id"] for p in pis] + [de]
        if not sets:
            add("T2A009", ids)
            continue
        if len({ds.get("periodType") for ds in sets}) > 1:
            add("T2A011", ids + [ds["id"] for ds in sets])
        for program in {p.get("program", {}).get("id") for p in pis}:
            left = unassigned(program, sets)
            if left:
                for ds in sets:
                    gaps[ds["id"]][0].update(left)
                    gaps[ds["id"]][1].add(de)
    # The org units of every program with a mapping, resolved or not.
    for program in {pi.get("program", {}).get("id") for pi, _, _, _ in mappings}:
        unknown_ous.update(set(program_ous.get(program, [])) - target_ous)
    for ou in unknown_ous:
        add("T2A012", [ou])
    for ds, (ous, des) in gaps.items():
        add("T2A013", [ds] + list(ous) + list(des))

    findings.sort(key=lambda f: (f["code"], f["objects"]))
    json.dump({"mappings": len(mappings), "findings": findings}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
