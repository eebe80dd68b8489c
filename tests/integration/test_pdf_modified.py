""" "Not modified after signing" means exactly that: a generated corpus of later revisions.

Every variant is derived from genuine issued certificates (``tests.integration.pdf_variants``):
the current version, the same renewed with a second document timestamp, a superseded
older version and a revoked one. Each must come back "modified after signing" (coverage / ``modified``) naming
what changed, or its own structural reason (encrypted, broken xref, damaged CRL): never
"the file has no electronic signature". Every genuine certificate, and every revision our
own pipeline can write (a further document timestamp, one that also rewrites /Info's
ModDate and Producer as pyHanko does), stays valid / authentic.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration import pdf_damage as d
from tests.integration import pdf_variants as v
from tests.integration import test_pdf_check
from tests.integration.test_pdf_check import CODES, Corpus, as_json, check, first_failure, said
from verifier.status import PublicStatus

corpus = test_pdf_check.corpus  # the same genuine certificates, issued once for this module


@functools.cache
def _timestamper(pki_dir: str):  # type: ignore[no-untyped-def]
    from issuer.pki.development import DevelopmentPKI
    from issuer.signing.timestamping import DevelopmentTimeStamper
    from tests.conftest import OFFICE

    return DevelopmentTimeStamper(DevelopmentPKI.load_or_create(Path(pki_dir), OFFICE, "http://127.0.0.1:8000"))


@pytest.fixture(scope="module")
def tsa(pki_home: Path):  # type: ignore[no-untyped-def]
    """Our own (development) timestamp authority: the one renewals use."""
    return _timestamper(str(pki_home / "pki"))


Make = Callable[[bytes], bytes]
# variant -> (make with our TSA, the changes the coverage check names, a named part)
MODIFIED: dict[str, tuple[Callable[..., Make], set[str], str]] = {
    "/Info Title added": (lambda ts: v.info_title_added, {"metadata"}, "/Info /Title"),
    "/Info Subject added": (lambda ts: v.info_subject_added, {"metadata"}, "/Info /Subject"),
    "/Info Keywords added": (lambda ts: v.info_keywords_added, {"metadata"}, "/Info /Keywords"),
    "/Info Title added, then changed": (lambda ts: v.info_title_changed_twice, {"metadata"}, "/Info /Title"),
    "XMP dc:title changed": (lambda ts: v.xmp_title_changed, {"metadata"}, "XMP dc:title"),
    "XMP dc:description changed": (lambda ts: v.xmp_description_changed, {"metadata"}, "XMP dc:description"),
    "XMP pdf:Keywords added": (lambda ts: v.xmp_keywords_added, {"metadata"}, "XMP pdf:Keywords"),
    "XMP second description with another title, placed first": (
        lambda ts: v.xmp_second_description_first,
        {"metadata"},
        "XMP dc:title",
    ),
    "/Info Title inside a genuine timestamp revision": (
        v.info_title_in_a_timestamp_revision,
        {"metadata"},
        "/Info /Title",
    ),
    "XMP description and keywords inside a genuine timestamp revision": (
        v.xmp_subject_in_a_timestamp_revision,
        {"metadata"},
        "XMP dc:description",
    ),
    "dates and producer only, in a revision without a timestamp": (
        lambda ts: v.info_dates_without_a_timestamp,
        {"revision_without_timestamp"},
        "",
    ),
    "XMP ModifyDate only, in a revision without a timestamp": (
        lambda ts: v.xmp_dates_without_a_timestamp,
        {"revision_without_timestamp"},
        "",
    ),
    "orphan object appended": (lambda ts: v.orphan_object, {"orphan_objects"}, " obj (dictionary)"),
    "orphan object inside a genuine timestamp revision": (
        v.orphan_in_a_timestamp_revision,
        {"orphan_objects"},
        "obj (stream)",
    ),
    "shadow page object outside the xref, under a genuine timestamp": (
        v.shadow_page_in_a_timestamp_revision,
        {"shadow_objects"},
        "4 0 obj at byte",
    ),
    "shadow page object outside the xref of an appended revision": (
        lambda ts: v.shadow_page_in_a_revision,
        {"shadow_objects"},
        "4 0 obj at byte",
    ),
    "xref entry rewriting the page content stream": (
        lambda ts: v.page_content_rewritten,
        {"objects_changed"},
        "5 0 obj",
    ),
    "page rewritten inside a genuine timestamp revision": (
        v.page_rewritten_in_a_timestamp_revision,
        {"objects_changed"},
        "(/Page) /Rotate",
    ),
    "visible timestamp widget": (
        v.visible_timestamp_widget,
        {"objects_changed"},
        "(timestamp field) with an appearance",
    ),
    "annotation added": (lambda ts: test_pdf_check.add_annotation, {"objects_changed"}, "(/Annot)"),
    "text painted over the page": (
        lambda ts: test_pdf_check.paint_text_overlay,
        {"objects_changed"},
        "(/Page) /Contents",
    ),
    "font replaced": (lambda ts: v.font_replaced, {"objects_changed"}, "(/Font)"),
    "catalog gains actions": (lambda ts: v.catalog_gains_actions, {"objects_changed"}, "catalog /AA"),
}

# variant -> (make, the failing check, its reason, the words a person reads)
NAMED_FAULTS: dict[str, tuple[Callable[..., Make], str, str, str]] = {
    "encrypted, owner password only": (lambda ts: d.encrypted, "is_pdf", "encrypted", "文件已加密，无法核验"),
    "encrypted with a user password": (
        lambda ts: lambda p: d.encrypted(p, user="1234"),
        "is_pdf",
        "encrypted",
        "文件已加密，无法核验",
    ),
    "encrypted by qpdf": (lambda ts: d.encrypted_by_qpdf, "is_pdf", "encrypted", "文件已加密，无法核验"),
    "a CRL in the DSS flipped in place": (
        lambda ts: d.crl_flipped_in_place,
        "signature_intact",
        "crl_damaged",
        "文件内的吊销列表已损坏",
    ),
    "a damaged CRL added to the DSS later": (
        lambda ts: d.crl_damaged_in_a_later_revision,
        "trusted_signer",
        "crl_damaged",
        "文件内的吊销列表已损坏",
    ),
    "signed revision's xref points elsewhere": (
        lambda ts: d.xref_offset_wrong_in_signed_revision,
        "is_pdf",
        "xref_broken",
        "文件交叉引用表损坏",
    ),
    "last revision's xref points elsewhere": (
        lambda ts: d.xref_offset_wrong_in_last_revision,
        "is_pdf",
        "xref_broken",
        "文件交叉引用表损坏",
    ),
    "appended revision's xref points elsewhere": (
        lambda ts: d.xref_offset_wrong_in_appended_revision,
        "is_pdf",
        "xref_broken",
        "文件交叉引用表损坏",
    ),
}

BASES = ["current", "renewed", "superseded", "revoked"]


def _base(corpus: Corpus, name: str) -> bytes:
    files = {"current": corpus.good, "renewed": corpus.renewed, "superseded": corpus.superseded}
    return {**files, "revoked": corpus.revoked}[name]


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("variant", list(MODIFIED))
def test_a_later_revision_beyond_timestamps_is_modified_after_signing_and_named(
    corpus: Corpus, tsa, variant: str, base: str
) -> None:  # type: ignore[no-untyped-def]
    make, changes, named = MODIFIED[variant]
    verdict = check(corpus, make(tsa)(_base(corpus, base)))
    assert not verdict.valid and not verdict.authentic, (variant, as_json(verdict))
    assert first_failure(verdict) == "coverage", (variant, as_json(verdict))
    coverage = verdict.check("coverage")
    assert coverage.reason == "modified" and changes <= set(coverage.params["changes"]), coverage
    assert verdict.status is None and as_json(verdict)["status"] == "invalid"
    assert verdict.summary == "coverage" and said(verdict).startswith("无效：文件在签名后被修改过")
    zh, en = said(verdict, "coverage"), said(verdict, "coverage", "en")
    assert zh.startswith("签名后文件被改动过") and "modified after signing" in en
    if named:
        assert any(named in part for part in coverage.params["what"]), coverage.params
        assert named in zh and named in en
    assert as_json(verdict)["checks"][CODES.index("coverage")]["reason"] == "modified"


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("variant", list(NAMED_FAULTS))
def test_a_damaged_or_encrypted_copy_says_what_it_is(corpus: Corpus, tsa, variant: str, base: str) -> None:  # type: ignore[no-untyped-def]
    make, code, reason, words = NAMED_FAULTS[variant]
    verdict = check(corpus, make(tsa)(_base(corpus, base)))
    assert not verdict.valid and first_failure(verdict) == code, (variant, as_json(verdict))
    assert verdict.check(code).reason == reason, as_json(verdict)
    assert words in said(verdict, code) and words in said(verdict)
    assert said(verdict, code, "en") != said(verdict, code)
    assert "没有电子签名" not in said(verdict, code) and "no electronic signature" not in said(verdict, code, "en")
    assert verdict.check("signature_intact").reason != "no_signature"


def test_genuine_certificates_stay_valid_or_authentic(corpus: Corpus) -> None:
    assert check(corpus, corpus.good).valid
    assert check(corpus, corpus.renewed).valid
    assert check(corpus, corpus.superseded_v2).valid
    superseded = check(corpus, corpus.superseded)
    assert superseded.authentic and superseded.status is PublicStatus.SUPERSEDED
    revoked = check(corpus, corpus.revoked)
    assert revoked.authentic and revoked.status is PublicStatus.REVOKED
    for verdict in (superseded, revoked):
        assert verdict.check("coverage").passed is True and not verdict.check("coverage").params


@pytest.mark.parametrize("base", BASES)
def test_revisions_our_pipeline_writes_stay_valid(corpus: Corpus, tsa, base: str) -> None:  # type: ignore[no-untyped-def]
    """A further document timestamp from our TSA, one made two days later (pyHanko then
    rewrites xmp:ModifyDate in its revision), and one whose revision also rewrites /Info's
    ModDate and Producer (what pyHanko does on every revision of a file with /Info), are
    timestamp revisions: the file stays authentic."""
    genuine = _base(corpus, base)
    later = v.later_timestamp_revision(tsa)(genuine)
    dates = re.compile(r'xmp:ModifyDate="([^"]+)"')
    assert dates.findall(v.xmp(later)[1]) != dates.findall(v.xmp(genuine)[1])  # it did rewrite the date
    for data in (
        v.stamped(genuine, tsa, lambda w: None),
        later,
        v.info_dates_in_a_timestamp_revision(tsa)(genuine),
    ):
        verdict = check(corpus, data)
        assert verdict.authentic, as_json(verdict)
        assert verdict.check("coverage").reason == "only_timestamps_added"
        expected = {"superseded": PublicStatus.SUPERSEDED, "revoked": PublicStatus.REVOKED}
        assert verdict.status is expected.get(base, PublicStatus.VALID)


def test_pyhanko_alone_misses_what_the_revision_rules_find(corpus: Corpus, tsa) -> None:  # type: ignore[no-untyped-def]
    """Why the rules exist: pyHanko's difference analysis grades these LTA_UPDATES."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    for make in (
        v.info_title_in_a_timestamp_revision(tsa),
        v.orphan_object,
        v.shadow_page_in_a_timestamp_revision(tsa),
    ):
        reader = PdfFileReader(io.BytesIO(make(corpus.good)), strict=False)
        context = ValidationContext(trust_roots=corpus.roots, allow_fetching=False)
        status = validate_pdf_signature(reader.embedded_regular_signatures[0], signer_validation_context=context)
        assert status.intact and status.modification_level.name == "LTA_UPDATES"


def test_hostile_later_revisions_are_bounded_and_never_raise(corpus: Corpus) -> None:
    """A flood of unlisted definitions, and an object nested thousands deep, in a later
    revision: not valid, quickly, with a verdict (never an exception)."""
    import time

    _, size, _, _ = v.last_trailer(corpus.good)
    catalog, _ = v.catalog_and_page(corpus.good)
    listed = {catalog: v.object_body(corpus.good, catalog)}
    flood = b"".join(b"%d 0 obj\n(x)\nendobj\n" % n for n in range(1, 20_001))
    flooded_file = v.append_revision(corpus.good, listed, raw_body=flood)
    deep = b"[" * 5000 + b"]" * 5000
    for data in (flooded_file, v.append_revision(corpus.good, {size: deep})):
        started = time.monotonic()
        verdict = check(corpus, data)
        assert not verdict.valid and not verdict.unavailable, as_json(verdict)
        assert time.monotonic() - started < 5
    # 20,000 definitions are over the structure limit: refused before any parser runs.
    assert check(corpus, flooded_file).check("is_pdf").reason == "too_complex"
    # Under the limit, the shadow scan names them, at most 8 of them.
    under = b"".join(b"%d 0 obj\n(x)\nendobj\n" % n for n in range(1, 3_001))
    flooded = check(corpus, v.append_revision(corpus.good, listed, raw_body=under)).check("coverage")
    assert "shadow_objects" in flooded.params["changes"] and len(flooded.params["what"]) <= 8
