"""Reference sample files in the real published layouts, for the synthetic ICS."""

from __future__ import annotations

from pathlib import Path

from pipelines.sample.csv_files import write_csv
from pipelines.sample.ics import SyntheticICS, ethnic_group_shares, list_by_sex_and_age
from schemas.people import ETHNICITY_BANDS


def write_epraccur(ics: SyntheticICS, path: Path) -> None:
    """ODS epraccur: 27 quoted fields, no header; one closed practice and one non-GP setting included."""
    rows = []
    for index, p in enumerate(ics.practices):
        closed = index == 5
        fields = [""] * 27
        fields[0], fields[1], fields[2], fields[3] = p.code, p.name, ics.region_code, ics.icb_code
        fields[4], fields[7], fields[9] = "THE HEALTH CENTRE", "SYNTHETIC TOWN", p.postcode
        fields[10] = p.open_date.strftime("%Y%m%d")
        fields[11] = "20230331" if closed else ""
        fields[12] = "C" if closed else "A"
        fields[13], fields[14], fields[15] = "B", p.sub_icb, "20220701"
        fields[16] = "20230331" if closed else ""
        fields[17] = f"0113 496 0{index:03d}"
        fields[21], fields[23], fields[25] = "0", p.sub_icb, "4"
        rows.append(fields)
    extra = [""] * 27
    extra[:4] = ["X99901", "RIVERSIDE OUT OF HOURS SERVICE (SYNTHETIC)", ics.region_code, ics.icb_code]
    extra[9], extra[10], extra[12], extra[14], extra[25] = "ZZ1 9ZZ", "20150401", "A", "ZA1", "8"
    rows.append(extra)
    write_csv(path, rows, quote_all=True)


def write_practice_maps(ics: SyntheticICS, folder: Path) -> None:
    """gp-reg-pat-prac-map in the CCG era (April 2021, before the ZA0 merger) and the ICB era (April 2024)."""
    ccg_rows, icb_rows = [], []
    sub = {s.code: s for s in ics.sub_icbs}
    for p in ics.practices:
        ccg = p.old_ccg
        ccg_name = "NHS Riverside North CCG (SYNTHETIC)" if ccg == "ZA0" else sub[p.sub_icb].ccg_name
        ccg_ons = "E38999990" if ccg == "ZA0" else sub[p.sub_icb].ons_code
        ccg_rows.append(["GP_PRAC_PAT_LIST", "01-Apr-21", p.code, p.name, p.postcode, p.pcn_code, p.pcn_name,
                         ccg_ons, ccg, ccg_name, ics.icb_ons_code, ics.icb_code, "Synthetic Riverside STP (SYNTHETIC)",
                         ics.region_ons_code, ics.region_code, ics.region_name])  # fmt: skip
        icb_rows.append(["GP_PRAC_PAT_LIST", "2024-04-01", p.code, p.name, p.postcode, p.pcn_code, p.pcn_name,
                         sub[p.sub_icb].ons_code, p.sub_icb, sub[p.sub_icb].name, ics.icb_ons_code, ics.icb_code,
                         ics.icb_name, ics.region_ons_code, ics.region_code, ics.region_name])  # fmt: skip
    write_csv(folder / "gp-reg-pat-prac-map-2021-04.csv", ccg_rows,
           ["PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE",
            "PCN_NAME", "ONS_CCG_CODE", "CCG_CODE", "CCG_NAME", "ONS_STP_CODE", "STP_CODE", "STP_NAME",
            "ONS_COMM_REGION_CODE", "COMM_REGION_CODE", "COMM_REGION_NAME"])  # fmt: skip
    write_csv(folder / "gp-reg-pat-prac-map-2024-04.csv", icb_rows,
           ["PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE",
            "PCN_NAME", "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME",
            "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME", "ONS_COMM_REGION_CODE", "COMM_REGION_CODE",
            "COMM_REGION_NAME"])  # fmt: skip


def write_registrations(ics: SyntheticICS, folder: Path) -> None:
    """Practice totals (01JAN2024 dates, CCG-style headers) and single-year-of-age files by sex (ICB era)."""
    sub = {s.code: s for s in ics.sub_icbs}
    totals, by_sex = [], {"MALE": [], "FEMALE": []}
    for p in ics.practices:
        counts = list_by_sex_and_age(p)
        totals.append(["GP_PRAC_PAT_LIST", "01JAN2024", "GP", p.sub_icb, sub[p.sub_icb].ons_code, p.code,
                       p.postcode, "ALL", "ALL", sum(counts.values())])  # fmt: skip
        for (sex, age), n in sorted(counts.items()):
            by_sex[sex].append(["GP_PRAC_PAT_LIST", "2024-01-01", "GP", p.sub_icb, sub[p.sub_icb].ons_code,
                                p.code, p.postcode, sex, "95+" if age == 95 else str(age), n])  # fmt: skip
    write_csv(folder / "gp-reg-pat-prac-all.csv", totals,
           ["PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "ONS_CCG_CODE", "CODE", "POSTCODE", "SEX", "AGE",
            "NUMBER_OF_PATIENTS"])  # fmt: skip
    header = ["PUBLICATION", "EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE",
              "ORG_CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"]  # fmt: skip
    for sex, rows in by_sex.items():
        write_csv(folder / f"gp-reg-pat-prac-sing-age-{sex.lower()}.csv", rows, header)


def _age_group(age: int) -> str:
    """The quinary file's AGE_GROUP_5 for a single year of age (0_4 … 90_94, 95+)."""
    return "95+" if age >= 95 else f"{age // 5 * 5}_{age // 5 * 5 + 4}"


def write_quinary_registrations(ics: SyntheticICS, path: Path) -> None:
    """gp-reg-pat-prac-quin-age.csv in the multi-level form: the ICB, each sub-ICB location and each practice
    by sex (ALL, MALE, FEMALE) and 5-year age group (and ALL), from the same lists as the single-year files."""
    groups = [_age_group(a) for a in range(0, 96, 5)]
    by_org: dict[tuple[str, str, str], dict[tuple[str, str], int]] = {}
    sub = {s.code: s for s in ics.sub_icbs}
    for p in ics.practices:
        for (sex, age), n in list_by_sex_and_age(p).items():
            for org in (("ICB", ics.icb_code, ics.icb_ons_code), ("SUB_ICB_LOCATION", p.sub_icb, sub[p.sub_icb].ons_code),
                        ("GP", p.code, "")):  # fmt: skip
                cells = by_org.setdefault(org, {})
                for key in ((sex, _age_group(age)), (sex, "ALL"), ("ALL", _age_group(age)), ("ALL", "ALL")):
                    cells[key] = cells.get(key, 0) + n
    postcodes = {p.code: p.postcode for p in ics.practices}
    rows = [
        [
            "GP_PRAC_PAT_LIST",
            "2024-01-01",
            org_type,
            code,
            ons,
            postcodes.get(code, ""),
            sex,
            group,
            cells[(sex, group)],
        ]
        for (org_type, code, ons), cells in by_org.items()
        for sex in ("ALL", "FEMALE", "MALE")
        for group in ("ALL", *groups)
    ]
    write_csv(path, rows, ["PUBLICATION", "EXTRACT_DATE", "ORG_TYPE", "ORG_CODE", "ONS_CODE", "POSTCODE", "SEX",
                           "AGE_GROUP_5", "NUMBER_OF_PATIENTS"])  # fmt: skip


def write_practice_lsoa(ics: SyntheticICS, path: Path) -> None:
    """gp-reg-pat-prac-lsoa-all.csv: most of a practice's patients live in its own LSOA, a tenth in each of
    its neighbours' (the LSOAs of the practices listed either side of it); one row of patients whose
    address has no LSOA (NO2021), which the reader quarantines."""
    practices = ics.practices
    rows = []
    for index, p in enumerate(practices):
        total = sum(list_by_sex_and_age(p).values())
        before, after = practices[index - 1], practices[(index + 1) % len(practices)]
        moved = [int(total * 0.1), int(total * 0.1)]
        for lsoa, n in (
            (p.lsoa_code, total - sum(moved)),
            (before.lsoa_code, moved[0]),
            (after.lsoa_code, moved[1]),
        ):
            rows.append(["GP_PRAC_PAT_LIST", "2024-01-01", p.code, p.name, lsoa, "ALL", n])
    rows.append(["GP_PRAC_PAT_LIST", "2024-01-01", practices[0].code, practices[0].name, "NO2021", "ALL", 12])
    write_csv(path, rows, ["PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "LSOA_CODE", "SEX",
                           "NUMBER_OF_PATIENTS"])  # fmt: skip


# Census 2021 TS021's categories in the bulk file's column order: (category, GPPS group drawn from the same
# people vocabulary label, or None for the broad group's own column).
TS021_CATEGORIES = (
    ("Asian, Asian British or Asian Welsh", "Asian", None),
    ("Asian, Asian British or Asian Welsh: Bangladeshi", "Asian", "Asian or Asian British: Bangladeshi"),
    ("Asian, Asian British or Asian Welsh: Chinese", "Asian", "Asian or Asian British: Chinese"),
    ("Asian, Asian British or Asian Welsh: Indian", "Asian", "Asian or Asian British: Indian"),
    ("Asian, Asian British or Asian Welsh: Pakistani", "Asian", "Asian or Asian British: Pakistani"),
    ("Asian, Asian British or Asian Welsh: Other Asian", "Asian", "Asian or Asian British: Any other Asian background"),
    ("Black, Black British, Black Welsh, Caribbean or African", "Black", None),
    ("Black, Black British, Black Welsh, Caribbean or African: African", "Black",
     "Black, Black British, Caribbean or African: African"),
    ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "Black",
     "Black, Black British, Caribbean or African: Caribbean"),
    ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "Black",
     "Black, Black British, Caribbean or African: Any other Black background"),
    ("Mixed or Multiple ethnic groups", "Mixed", None),
    ("Mixed or Multiple ethnic groups: White and Asian", "Mixed", "Mixed: White and Asian"),
    ("Mixed or Multiple ethnic groups: White and Black African", "Mixed", "Mixed: White and Black African"),
    ("Mixed or Multiple ethnic groups: White and Black Caribbean", "Mixed", "Mixed: White and Black Caribbean"),
    ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "Mixed",
     "Mixed: Any other Mixed or multiple ethnic background"),
    ("White", "White", None),
    ("White: English, Welsh, Scottish, Northern Irish or British", "White",
     "White: English, Welsh, Scottish, Northern Irish or British"),
    ("White: Irish", "White", "White: Irish"),
    ("White: Gypsy or Irish Traveller", "White", "White: Gypsy or Irish Traveller"),
    ("White: Roma", "White", "White: Roma"),
    ("White: Other White", "White", "White: Any other White background"),
    ("Other ethnic group", "Other", None),
    ("Other ethnic group: Arab", "Other", "Other ethnic group: Arab"),
    ("Other ethnic group: Any other ethnic group", "Other", "Other ethnic group: Any other ethnic group"),
)  # fmt: skip


def write_census_ethnic_group(ics: SyntheticICS, path: Path) -> None:
    """Census 2021 TS021 by LSOA as the Nomis bulk file lays it out: date, geography, geography code, the
    total, then each broad group followed by its categories. An LSOA's residents are its practice's."""
    home = {p.lsoa_code: p for p in ics.practices}
    assert set(ETHNICITY_BANDS) == {band for _c, band, _g in TS021_CATEGORIES}
    rows = []
    for code, name, _la, _rank in ics.lsoas:
        p = home[code]
        residents = int(p.list_size * 0.95)
        shares = ethnic_group_shares(p)
        # Groups the respondent draw never picks (Gypsy or Irish Traveller, Roma) have no residents here.
        detailed = {c: round(residents * shares.get(g, 0.0)) for c, _b, g in TS021_CATEGORIES if g}
        broad = dict.fromkeys(ETHNICITY_BANDS, 0)
        for c, b, g in TS021_CATEGORIES:
            broad[b] += detailed[c] if g else 0
        cells = [broad[b] if g is None else detailed[c] for c, b, g in TS021_CATEGORIES]
        rows.append([2021, name, code, sum(detailed.values()), *cells])
    header = ["date", "geography", "geography code", "Ethnic group: Total: All usual residents",
              *(f"Ethnic group: {c}" for c, _b, _g in TS021_CATEGORIES)]  # fmt: skip
    write_csv(path, rows, header)


def write_fingertips_deprivation(ics: SyntheticICS, path: Path) -> None:
    """Fingertips indicator 93553 export: England row then one row per practice."""
    header = ["Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
              "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
              "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator",
              "Value note", "Recent Trend", "Compared to England value or percentiles", "Compared to percentiles",
              "Time period Sortable", "New data", "Compared to goal", "Time period range"]  # fmt: skip
    name = "Deprivation score (IMD 2019)"
    rows = [[93553, name, "", "", "E92000001", "England", "England", "Persons", "All ages", "", "", 2019,
             21.7220870988933, "", "", "", "", "", "", "", "Cannot be calculated", "Not compared", "Not compared",
             20190000, "", "", "1y"]]  # fmt: skip
    for p in ics.practices:
        rows.append([93553, name, "E92000001", "England", p.code, p.name.title(), "GP", "Persons", "All ages",
                     "", "", 2019, p.imd_score, "", "", "", "", "", "", "", "Cannot be calculated",
                     "Not compared", "Not compared", 20190000, "", "", "1y"])  # fmt: skip
    write_csv(path, rows, header)


def write_lsoa_deprivation(ics: SyntheticICS, path: Path) -> None:
    """IoD2019 File 1 data sheet as CSV, for the synthetic LSOAs."""
    header = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
              "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
              "Index of Multiple Deprivation (IMD) Decile"]  # fmt: skip
    names = dict(ics.local_authorities)
    rows = [
        [code, name, la, names[la], rank, min(10, (rank - 1) * 10 // 32844 + 1)]
        for code, name, la, rank in ics.lsoas
    ]
    write_csv(path, rows, header)


def write_etr(ics: SyntheticICS, path: Path) -> None:
    """ODS etr.csv: unquoted, no header, 24 fields; field 4 is the ICB."""
    rows = []
    for trust in ics.trusts:
        fields = [""] * 24
        fields[0], fields[1], fields[2], fields[3] = trust.code, trust.name, ics.region_code, ics.icb_code
        fields[4], fields[7], fields[9], fields[10], fields[21] = (
            "1 HOSPITAL ROAD",
            "SYNTHETIC TOWN",
            "ZZ1 1ZZ",
            "20040401",
            "0",
        )
        rows.append(fields)
    write_csv(path, rows)


def write_crosswalk(ics: SyntheticICS, path: Path) -> None:
    """A CCG → ICB list as third parties keep them, junk row included (it must be quarantined)."""
    rows = [[s.code, ics.icb_code, ics.icb_name] for s in ics.sub_icbs]
    rows.insert(1, ["ZA0", ics.icb_code, ics.icb_name])
    rows.append(["n/a not SBS client at present", ics.icb_code, ics.icb_name])
    # These lists come from Excel, with a BOM.
    write_csv(path, rows, ["CCG Code", "ICB Code", "ICB NAME"], encoding="utf-8-sig")


# Real CCG mergers (ODS successor records): Darlington, Hartlepool and Stockton-on-Tees, and South Tees CCGs into
# NHS Tees Valley CCG on 1 April 2020; the eight north-west London CCGs into NHS North West London CCG on 1 April
# 2021. Both codes carried on as sub-ICB locations from 1 July 2022.
REAL_SUCCESSIONS = (
    *((ccg, "16C", "20200401") for ccg in ("00C", "00K", "00M")),
    *((ccg, "W2U3Z", "20210401") for ccg in ("07P", "07W", "07Y", "08C", "08E", "08G", "08Y", "09A")),
)
# The reason field is kept as published; the sample writes one letter for every merger (illustrative).
SAMPLE_SUCCESSION_REASON = "R"


def write_succ(path: Path) -> None:
    """ODS succ.csv: no header; predecessor, successor, reason, effective date YYYYMMDD. The synthetic ICS's own
    merger (ZA0 into ZA1 in 2021, after the April 2021 practice map) and the real mergers above."""
    rows = [["ZA0", "ZA1", SAMPLE_SUCCESSION_REASON, "20210701"]]
    rows += [[old, new, SAMPLE_SUCCESSION_REASON, date] for old, new, date in REAL_SUCCESSIONS]
    write_csv(path, rows)


def write_reference(ics: SyntheticICS, folder: Path) -> list[Path]:
    """Every reference file of the sample; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    write_epraccur(ics, folder / "epraccur.csv")
    write_practice_maps(ics, folder)
    write_registrations(ics, folder)
    write_quinary_registrations(ics, folder / "gp-reg-pat-prac-quin-age.csv")
    write_practice_lsoa(ics, folder / "gp-reg-pat-prac-lsoa-all.csv")
    write_census_ethnic_group(ics, folder / "census2021-ts021-lsoa.csv")
    write_fingertips_deprivation(ics, folder / "fingertips_93553_imd2019.csv")
    write_lsoa_deprivation(ics, folder / "IMD2019_File1_IMD2019.csv")
    write_crosswalk(ics, folder / "ccg_icb_crosswalk.csv")
    write_etr(ics, folder / "etr.csv")
    write_succ(folder / "succ.csv")
    return sorted(folder.glob("*.csv"))
