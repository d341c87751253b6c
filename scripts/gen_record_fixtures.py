#!/usr/bin/env python3
"""Writes the fixtures of the record rules (T2A040-T2A049) under tests/fixtures/rules/:
one folder per case with job.toml and its records, against the shared target
tests/fixtures/records/hmis.json. Records are made up for the tests (no real person)."""
import json, os, shutil

ROOT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "rules")
TARGET = "../../../records/hmis.json"
OB = "0b6f2d1e-5d1c-4c55-9a1e-3f1d2a7c9b10"
C = "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION"
G = "LNG_REFERENCE_DATA_CATEGORY_GENDER"
RES = "LNG_REFERENCE_DATA_CATEGORY_ADDRESS_TYPE_USUAL_PLACE_OF_RESIDENCE"
LVL = "LNG_REFERENCE_DATA_CATEGORY_LOCATION_GEOGRAPHICAL_LEVEL_ADMIN_LEVEL_"

LOCATIONS = [
    {"id": "loc-country", "name": "Country", "identifiers": [{"code": "COUNTRY"}], "parentLocationId": None, "geographicalLevelId": LVL + "0"},
    {"id": "loc-dist-a", "name": "District A", "identifiers": [{"code": "DIST_A"}], "parentLocationId": "loc-country", "geographicalLevelId": LVL + "1"},
    {"id": "loc-dist-b", "name": "District B", "identifiers": [{"code": "GIS-0042"}, {"code": "DIST_B"}], "parentLocationId": "loc-country", "geographicalLevelId": LVL + "1"},
    {"id": "loc-village-a1", "name": "Village A1", "identifiers": [], "parentLocationId": "loc-dist-a", "geographicalLevelId": LVL + "2"},
]
REFERENCE = [{"id": f"{C}_{x}", "categoryId": C, "active": True, "code": code} for x, code in
             [("CONFIRMED", "conf"), ("PROBABLE", None), ("SUSPECT", None), ("NOT_A_CASE_DISCARDED", None)]]
REFERENCE.append({"id": f"{C}_UNCLASSIFIED", "categoryId": C, "active": False})
REFERENCE.append({"id": f"LNG_OUTBREAK_{OB.upper().replace('-', '_')}_CASE_CLASSIFICATION_CONFIRMED_ASYMPTOMATIC", "categoryId": C, "active": True, "outbreakId": OB})
REFERENCE += [{"id": f"{G}_{x}", "categoryId": G, "active": True} for x in ["MALE", "FEMALE"]]
OUTBREAK = {"id": OB, "name": "Measles 2024", "startDate": "2024-01-01T00:00:00.000Z", "endDate": None,
            "locationIds": ["loc-country"], "reportingGeographicalLevelId": LVL + "1",
            "applyGeographicRestrictions": False,
            "caseInvestigationTemplate": [{"variable": "transmission_type", "answerType": "LNG_REFERENCE_DATA_CATEGORY_QUESTION_ANSWER_TYPE_SINGLE_ANSWER"}]}


def case(i, cls="CONFIRMED", gender="FEMALE", age=None, rep="2024-03-05T00:00:00.000Z", loc="loc-dist-a", **kw):
    c = {"_id": f"case-{i:03d}", "outbreakId": OB, "firstName": f"Person{i}", "lastName": "Example",
         "classification": cls if cls.startswith("LNG_") else f"{C}_{cls}",
         "age": age if age is not None else {"years": 30}, "dateOfReporting": rep,
         "addresses": [{"typeId": RES, "locationId": loc, "phoneNumber": f"+1555{i:07d}"}] if loc else [],
         "usualPlaceOfResidenceLocationId": loc, "deleted": False}
    if gender:
        c["gender"] = f"{G}_{gender}"
    c.update(kw)
    return c


GOOD_CASES = [case(1), case(2, gender="MALE", age={"years": 3}), case(3, cls="PROBABLE", loc="loc-village-a1")]

SEX_AGE = """
[aggregate.categories.SEX]
FEMALE = { gender = "FEMALE" }
MALE = { gender = "MALE" }

[aggregate.categories.AGE]
AGE_0_4 = { age_years = { lt = 5 } }
AGE_5P = { age_years = { gte = 5 } }
"""


def godata_job(block, extra_source="", sync=""):
    return f"""[source]
kind = "godata"
export = "cases.json"
locations = "locations.json"
reference_data = "reference-data.json"
outbreak_file = "outbreak.json"
outbreak = "{OB}"
{extra_source}
[target]
file = "{TARGET}"

[sync]
periods = ["2024W10", "2024W11"]
{sync}
{block}"""


def block(where='{ classification = ["CONFIRMED", "PROBABLE"] }', cats=SEX_AGE, extra="", de="IDSR_MEASLES_CASES", name="cases"):
    w = f"where = {where}\n" if where else ""
    return f"""[[aggregate]]
name = "{name}"
data_element = "{de}"
{w}period = "dateOfReporting"
{extra}{cats}"""


def write_godata(rule, name, job, cases=GOOD_CASES, outbreak=OUTBREAK, locations=LOCATIONS):
    d = os.path.join(ROOT, rule, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "job.toml"), "w").write(job)
    json.dump(cases, open(os.path.join(d, "cases.json"), "w"), indent=1)
    json.dump(locations, open(os.path.join(d, "locations.json"), "w"), indent=1)
    json.dump(REFERENCE, open(os.path.join(d, "reference-data.json"), "w"), indent=1)
    json.dump(outbreak, open(os.path.join(d, "outbreak.json"), "w"), indent=1)


def write_linelist(rule, name, job, csv):
    d = os.path.join(ROOT, rule, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "job.toml"), "w").write(job)
    open(os.path.join(d, "cases.csv"), "w", newline="").write(csv)


def linelist_job(block_text, source_extra='id_column = "case_id"\n', columns=""):
    return f"""[source]
kind = "linelist"
path = "cases.csv"
{source_extra}
[source.org_units]
column = "district"
match = "code"
{columns}
[target]
file = "{TARGET}"

[sync]
periods = ["2024W10", "2024W11"]

{block_text}"""


LL_BLOCK = """[[aggregate]]
name = "measles"
data_element = "IDSR_MEASLES_CASES"
period = "date_onset"

[aggregate.categories.SEX]
FEMALE = { sex = "F" }
MALE = { sex = "M" }

[aggregate.categories.AGE]
AGE_0_4 = { age_years = { lt = 5 } }
AGE_5P = { age_years = { gte = 5 } }
"""
CSV = "case_id,patient_name,sex,age_years,date_onset,district\r\nM-001,Amina Example,F,3,2024-03-04,DIST_A\r\nM-002,Baraka Example,M,7,2024-03-05,DIST_B\r\n"


def main():
    for rule in ["unknown-reference-value", "unknown-source-field", "unmapped-location", "overlapping-disaggregation",
                 "category-option-not-covered", "records-not-aggregated", "record-period-type-mismatch",
                 "restricted-source-visibility", "discarded-cases-counted", "duplicate-records"]:
        shutil.rmtree(os.path.join(ROOT, rule), ignore_errors=True)

    r = "unknown-reference-value"
    write_godata(r, "clean", godata_job(block('{ classification = ["CONFIRMED", "CONFIRMED_ASYMPTOMATIC", "PROBABLE"] }')))
    write_godata(r, "godata", godata_job(block('{ classification = ["CONFIRMD", "conf", "UNCLASSIFIED"], gender = ["FEMALE", "LNG_REFERENCE_DATA_CATEGORY_CASE_CLASSIFICATION_CONFIRMED"] }')))
    write_linelist(r, "line-list", linelist_job(LL_BLOCK.replace('MALE = { sex = "M" }', 'MALE = { sex = "m" }'), columns='[source.columns.sex]\nallowed = ["F", "M"]\n'),
                   CSV + "M-003,Chebet Example,X,12,2024-03-06,DIST_A\r\n")

    r = "unknown-source-field"
    write_godata(r, "clean", godata_job(block(extra='org_units = { from = "residence" }\n')))
    write_godata(r, "godata", godata_job(block('{ clasification = "CONFIRMED", "questionnaire.transmision_type" = "local" }', extra='value = { sum = "gender" }\norg_units = { from = "dateOfOnset" }\n').replace('period = "dateOfReporting"', 'period = "gender"')))
    write_linelist(r, "line-list", linelist_job(LL_BLOCK.replace('{ sex = "F" }', '{ Sex = "F" }').replace('period = "date_onset"', 'period = "onset_date"')),
                   CSV.replace("date_onset", "date_onset "))

    r = "unmapped-location"
    write_godata(r, "clean", godata_job(block()))
    locs = LOCATIONS + [
        {"id": "loc-dist-c", "name": "District C", "identifiers": [{"code": "GIS-0099"}], "parentLocationId": "loc-country", "geographicalLevelId": LVL + "1"},
        {"id": "loc-village-c1", "name": "Village C1", "identifiers": [], "parentLocationId": "loc-dist-c", "geographicalLevelId": LVL + "2"},
        {"id": "loc-dist-d", "name": "District D", "identifiers": [{"code": "DIST_A"}, {"code": "DIST_B"}], "parentLocationId": "loc-country", "geographicalLevelId": LVL + "1"},
    ]
    write_godata(r, "godata", godata_job(block()), cases=GOOD_CASES + [case(4, loc="loc-village-c1"), case(5, loc="loc-deleted-9"), case(6, loc="loc-deleted-9")], locations=locs)
    write_linelist(r, "line-list", linelist_job(LL_BLOCK), CSV + "M-003,Chebet Example,F,12,2024-03-06,DIST_Z\r\n")

    r = "overlapping-disaggregation"
    write_godata(r, "clean", godata_job(block()))
    write_godata(r, "bounds", godata_job(block(cats=SEX_AGE.replace("lt = 5", "lte = 5"))), cases=GOOD_CASES + [case(4, age={"years": 5})])
    write_linelist(r, "records", linelist_job(LL_BLOCK.replace('MALE = { sex = "M" }', 'MALE = { where_any = [{ sex = "M" }, { age_years = { lt = 5 } }] }')), CSV)

    r = "category-option-not-covered"
    write_godata(r, "clean", godata_job(block()))
    write_godata(r, "missing-option", godata_job(block(cats=SEX_AGE.replace('MALE = { gender = "MALE" }\n', ""))))
    write_godata(r, "missing-category", godata_job(block(cats='\n[aggregate.categories.SEX]\nFEMALE = { gender = "FEMALE" }\nMALE = { gender = "MALE" }\n')))
    write_godata(r, "combos", godata_job(block(cats='\n[[aggregate.combos]]\ncategory_option_combo = "F_0_4"\nwhere = { gender = "FEMALE", age_years = { lt = 5 } }\n')))

    r = "records-not-aggregated"
    write_godata(r, "clean", godata_job(block(cats=SEX_AGE.replace('MALE = { gender = "MALE" }', 'MALE = "else"'))), cases=GOOD_CASES + [case(4, gender=None)])
    nogender = GOOD_CASES + [case(4, gender=None), case(5, gender=None, age={"years": 0, "months": 0}), case(6, rep=None)]
    write_godata(r, "dropped", godata_job(block()), cases=nogender)
    write_godata(r, "allowed-share", godata_job(block(), sync="max_dropped_percent = 50\n"), cases=nogender)
    refs_gender = godata_job(block())
    write_godata(r, "uncovered-values", refs_gender.replace('classification = ["CONFIRMED", "PROBABLE"]', 'classification = ["CONFIRMED"]'))

    r = "record-period-type-mismatch"
    write_godata(r, "clean", godata_job(block()))
    write_godata(r, "pinned", godata_job(block(extra='period_type = "Monthly"\n')))
    shifted = [case(i, rep=f"2024-03-0{4 + i % 3}T21:00:00.000Z") for i in range(1, 7)]
    write_godata(r, "zone", godata_job(block()), cases=shifted)

    r = "restricted-source-visibility"
    write_godata(r, "clean", godata_job(block()))
    restricted = dict(OUTBREAK, applyGeographicRestrictions=True)
    write_godata(r, "geographic", godata_job(block()), outbreak=restricted)
    later = dict(OUTBREAK, startDate="2025-01-01T00:00:00.000Z")
    write_godata(r, "outside-dates", godata_job(block()), outbreak=later)

    r = "discarded-cases-counted"
    write_godata(r, "clean", godata_job(block()))
    write_godata(r, "no-classification", godata_job(block(where='{ wasContact = true }')))
    write_godata(r, "admits-discarded", godata_job(block(where='{ classification = { not_in = ["SUSPECT"] } }')))

    r = "duplicate-records"
    write_linelist(r, "clean", linelist_job(LL_BLOCK), CSV)
    write_linelist(r, "repeated", linelist_job(LL_BLOCK), CSV + "M-001,Amina Example,F,3,2024-03-04,DIST_A\r\n")
    write_linelist(r, "no-id-column", linelist_job(LL_BLOCK, source_extra=""), CSV)


main()
