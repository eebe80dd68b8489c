"""The automatic checks of a conversion application, rule by rule (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from legacy_import import checks
from legacy_import.checking import HIGH, INFO, LOW, MEDIUM, max_severity
from legacy_import.checks import EvidenceFacts, ExistingCertificate
from legacy_import.finding_words import SEVERITY_LABELS, describe
from legacy_import.matching import RosterRow, is_homophone, normalise_paper_number
from tests.factories import id_number

TODAY = date(2026, 11, 26)
NUMBER = id_number(birth="19700312")  # born 1970-03-12
FIFTEEN = NUMBER[:6] + NUMBER[8:17]


def codes(findings: list) -> list[str]:
    return [finding.code for finding in findings]


def claim(**overrides: str) -> dict[str, str]:
    base = {
        "name": "王丽",
        "gender": "女",
        "qualification": "高级工程师",
        "series": "工程",
        "level": "副高级",
        "approval_date": "2003-07-01",
        "approving_body": "重庆市工程系列高级职称评审委员会",
        "doc_no": "渝人发〔2003〕25号",
        "paper_number": "GC2003-0125",
    }
    return {**base, **overrides}


def row(**overrides: object) -> RosterRow:
    base: dict[str, object] = {
        "id": 7,
        "name": "王丽",
        "qualification": "高级工程师",
        "id_number": NUMBER,
        "approval_date": date(2003, 7, 1),
        "approval_date_precision": "day",
        "doc_no": "渝人发〔2003〕25号",
        "paper_number": "GC20030125",
        "source_label": "大足区档案馆 2003",
        "source_row": 12,
    }
    return RosterRow(**{**base, **overrides})  # type: ignore[arg-type]


def roster(claimed: dict[str, str], *rows: RosterRow, number: str = NUMBER) -> tuple[list, int | None]:
    return checks.check_roster(checks.claim_facts(number, claimed), list(rows))


# --- ID number ----------------------------------------------------------------------------


def test_a_valid_id_number_of_the_account_is_no_finding() -> None:
    assert checks.check_id_number_rule(NUMBER, NUMBER, today=TODAY) == []


def test_an_invalid_id_number_is_high_and_says_why_without_the_number() -> None:
    wrong = NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1")
    [finding] = checks.check_id_number_rule(wrong, wrong, today=TODAY)
    assert (finding.code, finding.severity, finding.params) == (
        "id_number.invalid",
        HIGH,
        {"problem": "id_number.checksum"},
    )
    assert NUMBER not in describe(finding.code, finding.params)


def test_an_id_number_that_is_not_the_accounts_is_high() -> None:
    other = id_number()
    assert codes(checks.check_id_number_rule(NUMBER, other, today=TODAY)) == ["id_number.not_account"]
    assert codes(checks.check_id_number_rule(NUMBER, None, today=TODAY)) == ["id_number.not_account"]
    assert checks.check_id_number_rule(NUMBER, NUMBER.lower() + " ", today=TODAY) == []


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2003-07-01", (date(2003, 7, 1), "day")),
        ("2003.7.1", (date(2003, 7, 1), "day")),
        ("2003年7月1日", (date(2003, 7, 1), "day")),
        ("２００３年７月", (date(2003, 7, 1), "month")),
        ("2003-07", (date(2003, 7, 1), "month")),
        ("2003-02-30", None),
        ("去年", None),
    ],
)
def test_dates_are_read_as_claims_write_them(text: str, expected: object) -> None:
    assert checks.parse_date(text) == expected


def test_an_approval_date_before_2021_is_no_finding() -> None:
    assert checks.check_approval_date("2020-12-31") == []


def test_an_approval_date_from_2021_should_have_an_electronic_certificate() -> None:
    [finding] = checks.check_approval_date("2021-01-01")
    assert (finding.code, finding.severity) == ("approval_date.electronic_era", HIGH)


def test_a_missing_or_unreadable_approval_date_is_said() -> None:
    assert [(f.code, f.severity) for f in checks.check_approval_date("")] == [("approval_date.absent", INFO)]
    assert [(f.code, f.severity) for f in checks.check_approval_date("七月")] == [("approval_date.unreadable", MEDIUM)]


def test_age_at_approval_between_18_and_70_is_plausible() -> None:
    assert checks.check_age(NUMBER, "1988-03-12") == []  # 18 that day
    assert checks.check_age(NUMBER, "2040-03-11") == []  # 69 the day before 70 ends


def test_under_18_at_approval_is_high_and_over_70_medium() -> None:
    [young] = checks.check_age(NUMBER, "1988-03-11")
    assert (young.code, young.severity, young.params["age"]) == ("age.too_young", HIGH, 17)
    [old] = checks.check_age(NUMBER, "2041-03-12")
    assert (old.code, old.severity, old.params["age"]) == ("age.too_old", MEDIUM, 71)


def test_age_needs_a_date_and_a_birth_date() -> None:
    assert checks.check_age(NUMBER, "") == []
    assert checks.check_age("123", "2003-07-01") == []


# --- 文号 -------------------------------------------------------------------------------------


def test_a_well_formed_doc_no_of_the_approval_year_or_the_year_before_it_is_fine() -> None:
    assert checks.check_doc_no("渝人发[2003]25号", "2003-07-01") == []
    assert checks.check_doc_no("渝人发〔2004〕3号", "2003-12-20") == []  # committee in 2003, document in 2004


def test_a_doc_no_of_another_year_is_medium() -> None:
    [finding] = checks.check_doc_no("渝人发（2005）25号", "2003-07-01")
    assert (finding.code, finding.severity) == ("doc_no.year_mismatch", MEDIUM)
    assert finding.params == {"doc_no": "渝人发〔2005〕25号", "year": 2005, "approval_year": 2003}
    assert codes(checks.check_doc_no("渝人发〔2002〕25号", "2003-07-01")) == ["doc_no.year_mismatch"]


def test_a_malformed_doc_no_is_medium_and_an_absent_one_info() -> None:
    [finding] = checks.check_doc_no("第25号", "2003-07-01")
    assert (finding.code, finding.severity) == ("doc_no.format", MEDIUM)
    assert [(f.code, f.severity) for f in checks.check_doc_no(" ", "2003-07-01")] == [("doc_no.absent", INFO)]


# --- qualification ------------------------------------------------------------------------


def test_a_qualification_of_its_series_and_level_is_fine() -> None:
    assert checks.check_qualification("工程系列", "副高级", "高级工程师") == []
    assert checks.check_qualification("卫生", "中级", "主管护师") == []


def test_a_qualification_of_another_level_is_medium_with_the_expected_names() -> None:
    [finding] = checks.check_qualification("工程", "中级", "高级工程师")
    assert (finding.code, finding.severity) == ("qualification.mismatch", MEDIUM)
    assert finding.params["expected"] == ["工程师"]
    assert codes(checks.check_qualification("经济", "员级", "经济员")) == ["qualification.no_such_level"]
    assert codes(checks.check_qualification("工程", "高级", "高级工程师")) == ["level.unknown"]


def test_an_unlisted_series_is_said_not_judged() -> None:
    [finding] = checks.check_qualification("新闻", "中级", "记者")
    assert (finding.code, finding.severity) == ("qualification.series_unlisted", INFO)
    assert checks.check_qualification("", "中级", "记者") == []


# --- required evidence ----------------------------------------------------------------------


def test_required_evidence_per_case() -> None:
    assert checks.check_evidence_present("intact", {"paper_certificate"}) == []
    assert checks.check_evidence_present("lost", {"report_form", "paper_certificate"}) == []
    [finding] = checks.check_evidence_present("lost", {"paper_certificate"})
    assert (finding.code, finding.severity) == ("evidence.missing", HIGH)
    assert finding.params == {"kinds": ["review_form", "report_form", "archive_letter"]}
    assert codes(checks.check_evidence_present("intact", set())) == ["evidence.missing"]


# --- duplicate evidence -----------------------------------------------------------------------


def evidence(
    id: int, application_id: int, sha: str, *, number: str = NUMBER, image_hash: str | None = None, **kw: object
) -> EvidenceFacts:
    return EvidenceFacts(
        id=id,
        application_id=application_id,
        kind="report_form",
        sha256=sha * 64,
        original_sha256=(kw.pop("original", None) or sha.upper()) * 64,  # type: ignore[operator]
        image_hash=image_hash,
        id_number=number,
        deleted=bool(kw.pop("deleted", False)),
    )


def test_the_same_file_in_another_applicants_application_is_high() -> None:
    mine = evidence(1, 10, "a")
    theirs = evidence(2, 20, "b", original="A", number=id_number())  # uploaded the same bytes
    [finding] = checks.check_duplicates([mine], [theirs])
    assert (finding.code, finding.severity) == ("evidence.duplicate_other", HIGH)
    assert finding.params == {"evidence_id": 1, "kind": "report_form", "application_id": 20, "how": "same_file"}


def test_the_same_file_in_the_same_applicants_other_application_is_low() -> None:
    [finding] = checks.check_duplicates([evidence(1, 10, "a")], [evidence(5, 11, "a")])
    assert (finding.code, finding.severity) == ("evidence.duplicate_own", LOW)


def test_a_deleted_files_hash_still_counts_for_the_same_file_but_not_for_a_near_image() -> None:
    mine = evidence(1, 10, "a", image_hash="b737e0c0e03337e4")
    same = evidence(2, 20, "a", number=id_number(), deleted=True)
    near = evidence(3, 30, "c", number=id_number(), image_hash="b737e0c0e03337e5", deleted=True)
    [finding] = checks.check_duplicates([mine], [same, near])
    assert finding.params["application_id"] == 20 and finding.params["deleted"] is True


def test_a_near_duplicate_image_within_the_threshold_is_high_and_a_far_one_nothing() -> None:
    mine = evidence(1, 10, "a", image_hash="b737e0c0e03337e4")
    near = evidence(2, 20, "b", number=id_number(), image_hash="b737e0c0e03337e7")  # 2 bits
    far = evidence(3, 30, "c", number=id_number(), image_hash="96555d5d85000000")  # 33 bits
    [finding] = checks.check_duplicates([mine], [near, far])
    assert (finding.code, finding.params["how"], finding.params["distance"]) == (
        "evidence.duplicate_other",
        "near_image",
        2,
    )


def test_a_near_image_whose_ocr_reads_another_id_number_is_the_same_layout_low() -> None:
    other_number = id_number()
    mine = evidence(1, 10, "a", image_hash="b737e0c0e03337e4")
    mine = EvidenceFacts(**{**mine.__dict__, "ocr_text": f"身份证号码 {NUMBER}"})
    theirs = evidence(2, 20, "b", number=other_number, image_hash="b737e0c0e03337e7")
    theirs_read = EvidenceFacts(**{**theirs.__dict__, "ocr_text": f"身份证号码 {other_number}"})
    [finding] = checks.check_duplicates([mine], [theirs_read])
    assert (finding.code, finding.severity, finding.params["how"]) == ("evidence.same_layout", LOW, "same_layout")
    # the same number read on both (or nothing read on one): a near duplicate, HIGH
    same_read = EvidenceFacts(**{**theirs.__dict__, "ocr_text": f"身份证号码 {NUMBER}"})
    assert codes(checks.check_duplicates([mine], [same_read])) == ["evidence.duplicate_other"]
    assert codes(checks.check_duplicates([mine], [theirs])) == ["evidence.duplicate_other"]


def test_hash_distance_compares_only_hashes_of_one_length() -> None:
    assert checks.hash_distance("ff", "0f") == 4
    assert checks.hash_distance("ff", "0fff") is None
    assert checks.hash_distance("zz", "ff") is None
    assert checks.near_duplicate_threshold(64) == checks.NEAR_DUPLICATE_BITS
    assert checks.near_duplicate_threshold(256) == 4 * checks.NEAR_DUPLICATE_BITS


def test_evidence_within_the_same_application_is_not_a_duplicate() -> None:
    assert checks.check_duplicates([evidence(1, 10, "a")], [evidence(2, 10, "a")]) == []


# --- existing certificates ----------------------------------------------------------------------


def existing(**overrides: object) -> ExistingCertificate:
    base: dict[str, object] = {
        "decision_id": 1,
        "qualification": "高级工程师",
        "paper_number": None,
        "number": "ZC5001112026000017",
        "status": "valid",
        "same_holder": True,
    }
    return ExistingCertificate(**{**base, **overrides})  # type: ignore[arg-type]


def test_a_certificate_of_the_same_title_already_issued_is_high() -> None:
    [finding] = checks.check_existing_certificates(claim(), [existing()])
    assert (finding.code, finding.severity, finding.params["number"]) == (
        "certificate.exists",
        HIGH,
        "ZC5001112026000017",
    )


def test_another_title_of_the_holder_is_no_finding() -> None:
    assert checks.check_existing_certificates(claim(), [existing(qualification="工程师")]) == []


def test_a_paper_number_already_converted_is_high_whoever_holds_it() -> None:
    mine = existing(qualification="工程师", paper_number="gc2003-0125")
    theirs = existing(qualification="工程师", paper_number="GC20030125", same_holder=False, status="revoked")
    assert codes(checks.check_existing_certificates(claim(), [mine, theirs])) == [
        "certificate.paper_converted",
        "certificate.paper_converted_other",
    ]


# --- the archive roster ----------------------------------------------------------------------


def test_an_exact_roster_match_is_info_and_names_the_row() -> None:
    findings, best = roster(claim(), row())
    assert best == 7
    assert [(f.code, f.severity) for f in findings] == [("roster.exact", INFO)]
    assert findings[0].params == {"roster_id": 7, "source": "大足区档案馆 2003", "row": 12}


def test_no_roster_row_is_a_finding_not_a_refusal() -> None:
    findings, best = roster(claim())
    assert best is None
    assert [(f.code, f.severity) for f in findings] == [("roster.none", MEDIUM)]
    # a row of someone else (other ID number, other name, other 文号) is no match either
    findings, best = roster(claim(), row(id_number=id_number(), name="李明", paper_number="X1", doc_no=None))
    assert (codes(findings), best) == (["roster.none"], None)


def test_a_fuzzy_match_says_which_fields_differ_with_both_values() -> None:
    findings, best = roster(
        claim(),
        row(
            qualification="工程师",
            approval_date=date(2003, 8, 1),
            doc_no="渝人发〔2003〕26号",
            paper_number="GC20030126",
        ),
    )
    assert best == 7
    differs = [f for f in findings if f.code == "roster.differs"]
    assert [(f.params["field"], f.params["claimed"], f.params["roster"]) for f in differs] == [
        ("qualification", "高级工程师", "工程师"),
        ("approval_date", "2003-07-01", "2003-08-01"),
        ("doc_no", "渝人发〔2003〕25号", "渝人发〔2003〕26号"),
        ("paper_number", "GC2003-0125", "GC20030126"),  # as typed and as the roster has it
    ]
    assert {f.severity for f in differs} == {MEDIUM}
    assert "roster.exact" not in codes(findings)


def test_the_roster_having_the_15_digit_form_of_the_number_is_said() -> None:
    findings, best = roster(claim(), row(id_number=NUMBER, id_number_original=FIFTEEN))
    assert best == 7
    assert codes(findings) == ["roster.id_upgraded", "roster.agrees"]
    # a roster that kept the 15 digits in the number column itself
    findings, _ = roster(claim(), row(id_number=FIFTEEN))
    assert "roster.id_upgraded" in codes(findings)


def test_a_homophone_name_is_reported_as_such_not_as_another_name() -> None:
    findings, best = roster(claim(name="王莉"), row(name="王丽"))
    assert best == 7
    [homophone] = [f for f in findings if f.code == "roster.homophone"]
    assert (homophone.severity, homophone.params["claimed"], homophone.params["roster"]) == (LOW, "王莉", "王丽")
    assert "roster.name_differs" not in codes(findings)
    assert "王莉" in describe(homophone.code, homophone.params) and "同音" in describe(homophone.code, homophone.params)


def test_an_unrelated_name_with_the_same_id_number_is_high() -> None:
    findings, _ = roster(claim(name="李明"), row())
    [finding] = [f for f in findings if f.code == "roster.name_differs"]
    assert finding.severity == HIGH


def test_a_roster_without_id_numbers_matches_by_name_and_paper_number_or_doc_no() -> None:
    findings, best = roster(claim(name="王莉"), row(id_number=None, paper_number=None))  # homophone + 文号
    assert best == 7 and "roster.homophone" in codes(findings)
    findings, best = roster(claim(), row(id_number=None, doc_no=None))  # name + paper number
    assert best == 7
    findings, best = roster(claim(), row(id_number=None, doc_no=None, paper_number=None))  # name alone: not enough
    assert best is None


def test_a_month_precision_roster_date_agrees_with_any_day_of_its_month() -> None:
    findings, best = roster(
        claim(approval_date="2003-07-15"),
        row(approval_date=date(2003, 7, 1), approval_date_precision="month", approval_date_text="2003年7月"),
    )
    assert best == 7
    assert codes(findings) == ["roster.month_only", "roster.agrees"]
    assert findings[0].params["roster"] == "2003年7月"
    findings, _ = roster(claim(approval_date="2003-08-15"), row(approval_date_precision="month"))
    assert [f.params["field"] for f in findings if f.code == "roster.differs"] == ["approval_date"]


def test_the_claimed_paper_number_being_another_persons_in_the_roster_is_high() -> None:
    theirs = row(id=8, id_number=id_number(), name="李明", doc_no=None)
    findings, best = roster(claim(), theirs, row())
    assert best == 7
    assert ("roster.paper_number_other", HIGH) in [(f.code, f.severity) for f in findings]


def test_the_claimed_paper_number_on_a_row_of_the_same_name_but_another_id_number_is_medium() -> None:
    findings, best = roster(claim(), row(id=8, id_number=id_number(), doc_no=None))
    assert best is None
    assert [(f.code, f.severity) for f in findings] == [
        ("roster.paper_number_other_id", MEDIUM),
        ("roster.none", MEDIUM),
    ]


def test_the_best_of_several_rows_is_the_one_with_fewest_differences() -> None:
    _, best = roster(claim(), row(id=3, qualification="工程师", paper_number=None), row(id=9))
    assert best == 9


def test_homophones_and_paper_numbers_normalise() -> None:
    assert is_homophone("王莉", "王丽") and is_homophone("张晓明", "张小明")
    assert not is_homophone("王丽", "王丽") and not is_homophone("王丽", "李丽") and not is_homophone("王丽", "王丽丽")
    assert is_homophone("曾华", "增华")  # 曾 reads zeng as well as ceng
    assert normalise_paper_number("ｇｃ 2003-0125") == "GC20030125"


# --- OCR hints -----------------------------------------------------------------------------------


OCR_TEXT = (
    "考 核 确 定 职 称 呈 报 表\n姓名 | 王 丽\n身份证号码 " + NUMBER + "\n资格名称 高级工程师\n文号 渝人发 [2003) 25号"
)


def test_ocr_finds_the_claimed_values_despite_spaces_and_brackets() -> None:
    [finding] = checks.check_ocr(NUMBER, claim(), [None, OCR_TEXT])
    assert (finding.code, finding.severity, finding.params) == (
        "ocr.found",
        INFO,
        {"fields": ["name", "id_number", "qualification", "doc_no"]},
    )


def test_ocr_not_finding_a_value_is_a_low_hint() -> None:
    findings = checks.check_ocr(NUMBER, claim(name="李明", qualification="工程师", doc_no=""), [OCR_TEXT])
    assert [(f.code, f.severity, f.params["fields"]) for f in findings] == [
        ("ocr.found", INFO, ["id_number", "qualification"]),  # 工程师 is within 高级工程师
        ("ocr.not_found", LOW, ["name"]),
    ]


def test_ocr_with_one_character_misread_is_partly_found() -> None:
    misread = (
        OCR_TEXT.replace(NUMBER, NUMBER[:5] + "8" + NUMBER[6:])
        if NUMBER[5] != "8"
        else OCR_TEXT.replace(NUMBER, NUMBER[:5] + "7" + NUMBER[6:])
    )
    findings = checks.check_ocr(NUMBER, claim(), [misread])
    assert ("ocr.partly", ["id_number"]) in [(f.code, f.params["fields"]) for f in findings]


def test_ocr_with_a_digit_added_or_lost_is_partly_found_but_not_a_short_name() -> None:
    added = OCR_TEXT.replace(NUMBER, NUMBER[:10] + "0" + NUMBER[10:])
    lost = OCR_TEXT.replace(NUMBER, NUMBER[:10] + NUMBER[11:])
    for text in (added, lost):
        assert ("ocr.partly", ["id_number"]) in [
            (f.code, f.params["fields"]) for f in checks.check_ocr(NUMBER, claim(), [text])
        ]
    findings = checks.check_ocr(NUMBER, claim(name="王莉"), [OCR_TEXT])  # 王丽 on the scan
    assert ("ocr.not_found", ["name"]) in [(f.code, f.params["fields"]) for f in findings]


def test_ocr_without_text_is_said_and_without_evidence_nothing() -> None:
    assert codes(checks.check_ocr(NUMBER, claim(), ["", " \n"])) == ["ocr.no_text"]
    assert checks.check_ocr(NUMBER, claim(), []) == []
    assert checks.check_ocr(NUMBER, claim(), [None, None]) == []  # not read yet: nothing to say


def test_ocr_normal_folds_width_case_spaces_and_brackets() -> None:
    assert checks.ocr_normal("渝人发 〔２００３〕 25 号\n") == "渝人发200325号"
    assert checks.ocr_normal("5001 1119 7003 1200 1x") == "50011119700312001X"


# --- words -----------------------------------------------------------------------------------------


def test_every_finding_code_the_rules_make_has_words() -> None:
    from legacy_import import finding_words

    made = {
        "id_number.invalid", "id_number.not_account", "approval_date.absent", "approval_date.unreadable",
        "approval_date.electronic_era", "approval_date.month_only", "age.too_young", "age.too_old", "doc_no.absent", "doc_no.format",
        "doc_no.year_mismatch", "qualification.mismatch", "qualification.no_such_level", "level.unknown",
        "qualification.series_unlisted", "evidence.missing", "evidence.duplicate_other", "evidence.duplicate_own", "evidence.same_layout",
        "certificate.exists", "certificate.paper_converted", "certificate.paper_converted_other", "roster.exact",
        "roster.agrees", "roster.none", "roster.paper_number_other", "roster.paper_number_other_id", "roster.id_upgraded", "roster.homophone",
        "roster.name_differs", "roster.month_only", "roster.differs", "ocr.no_text", "ocr.found", "ocr.partly",
        "ocr.not_found",
    }  # fmt: skip
    assert made == set(finding_words._WORDS)
    for code in made:  # each reads with no params at all (an older stored finding)
        assert describe(code, {})


def test_words_name_fields_and_kinds_and_an_unknown_code_still_reads() -> None:
    text = describe("ocr.not_found", {"fields": ["name", "doc_no"]})
    assert "姓名、文号" in text
    assert describe("evidence.missing", {"kinds": ["report_form", "archive_letter"]}).startswith(
        "缺少必需的证明材料：《考核确定职称呈报表》、"
    )
    assert describe("new.code", {"x": 1}) == "new.code x=1"
    assert [str(SEVERITY_LABELS[s]) for s in (INFO, LOW, MEDIUM, HIGH)] == ["提示", "一般", "重要", "严重"]


def test_max_severity() -> None:
    assert max_severity([]) == INFO
    assert max_severity(checks.check_approval_date("2022-01-01") + checks.check_doc_no("", "")) == HIGH


def test_a_row_known_by_the_id_number_outranks_one_known_by_name_and_doc_no() -> None:
    by_name = row(id=1, id_number=None)
    by_number = row(id=2, paper_number=None, doc_no=None)
    _, best = roster(claim(), by_name, by_number)
    assert best == 2


def test_the_words_read_in_english_for_an_english_reader() -> None:
    from flask import Flask

    from ecert.i18n import force_locale, init_i18n

    app = Flask(__name__)
    init_i18n(app)
    findings, _ = roster(claim(name="王莉"), row(id_number=NUMBER, id_number_original=FIFTEEN))
    with app.app_context(), force_locale("en"):
        words = [describe(f.code, f.params) for f in findings]
        assert (
            words[0]
            == "The archive roster (大足区档案馆 2003, row 12) has the old 15-digit form of this ID number (upgraded to 18 digits)"
        )
        assert words[1].startswith("The name sounds the same as in the archive roster")
        assert describe("ocr.not_found", {"fields": ["name", "doc_no"]}).startswith(
            "Text recognition (OCR) did not find in the evidence: Name"
        )
        duplicate = {"kind": "report_form", "application_id": 4, "how": "near_image", "distance": 3}
        assert describe("evidence.duplicate_other", duplicate) == (
            "The evidence Title determination report form (考核确定职称呈报表) is a near-identical image of evidence in "
            "another applicant's application (no. 4) (perceptual hashes 3 bits apart)"
        )
        assert str(SEVERITY_LABELS[HIGH]) == "High"
