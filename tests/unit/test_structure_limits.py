"""The structure prefilter (``verifier.pdf.limits``): a pure count over the bytes, each
limit refused on its own, genuine-shaped files far below, hostile bytes in linear time."""

from __future__ import annotations

import os
import time

import pytest

from tests import hostile_pdfs
from verifier.pdf.limits import LIMITS, Excess, Structure, excess, measure


def test_a_small_pdf_is_far_below_every_limit() -> None:
    found = measure(hostile_pdfs.minimal())
    assert found == Structure(revisions=1, xref_sections=1, objects=4)
    assert excess(hostile_pdfs.minimal()) is None


@pytest.mark.parametrize(
    "make, what, limit",
    [
        (hostile_pdfs.many_revisions, "revisions", LIMITS.revisions),
        (hostile_pdfs.many_xref_streams, "xref_sections", LIMITS.xref_sections),
        (hostile_pdfs.many_objects, "objects", LIMITS.objects),
    ],
)
def test_each_limit_is_refused_just_above_and_allowed_at_it(make, what: str, limit: int) -> None:  # type: ignore[no-untyped-def]
    over = excess(make(limit + 8))
    assert over is not None and over.what == what and over.limit == limit and over.count > limit
    at = make(limit - 8 if what == "objects" else limit - 1)
    assert getattr(measure(at), what) <= limit and excess(at) is None


def test_objects_hidden_in_object_streams_or_declared_by_the_trailer_count() -> None:
    base = hostile_pdfs.minimal()
    stream = b"9 0 obj\n<< /Type /ObjStm /N 50000 /First 0 /Length 0 >>\nstream\n\nendstream\nendobj\n"
    objstm = base.replace(b"xref\n0 1", stream + b"xref\n0 1")
    assert excess(objstm) == Excess("objects", measure(objstm).objects, LIMITS.objects)
    declared = base.replace(b"/Size 4", b"/Size 9000000")
    assert excess(declared) is not None and excess(declared).what == "objects"  # type: ignore[union-attr]


def test_a_keyword_soup_is_counted_in_linear_time() -> None:
    for data in (os.urandom(4 << 20), b"1" * (8 << 20), b"0 0 obj " * (1 << 20), b"/ObjStm /N 9 " * (1 << 19)):
        started = time.process_time()
        measure(data)
        assert time.process_time() - started < 2.0
