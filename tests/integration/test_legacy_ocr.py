"""OCR hints and near-duplicate scans on real images: Tesseract chi_sim in the sandbox, imagehash."""

from __future__ import annotations

import imagehash
import pytest
from PIL import Image

from legacy_import import checks, ocr
from legacy_import.checks import EvidenceFacts
from tests.factories import id_number
from tests.legacy_forms import encoded, other_picture, report_form

NUMBER = id_number(birth="19700312")
CLAIM = {"name": "王丽", "qualification": "高级工程师", "doc_no": "渝人社发〔2003〕25号"}


@pytest.fixture(scope="module")
def scan() -> bytes:
    form = report_form(
        name="王丽", id_number=NUMBER, qualification="高级工程师", doc_no="渝人社发[2003]25号", angle=0.7
    )
    return encoded(form)


@pytest.fixture(scope="module")
def reading(scan: bytes) -> ocr.OcrOutcome:
    outcome = ocr.read_text(scan)
    print(f"OCR of one A4 page at 200 dpi: {outcome.seconds:.2f} s")  # measured: see the README
    return outcome


def test_ocr_of_a_rendered_form_finds_the_claimed_values(reading: ocr.OcrOutcome) -> None:
    assert reading.failure is None, reading
    assert reading.text and "重庆市大足区人民医院" in reading.text.replace(" ", "")
    [finding] = checks.check_ocr(NUMBER, CLAIM, [reading.text])
    assert (finding.code, finding.params["fields"]) == ("ocr.found", ["name", "id_number", "qualification", "doc_no"])


def test_ocr_does_not_find_a_different_name_or_number(reading: ocr.OcrOutcome) -> None:
    other = id_number(birth="19811105", male=False)
    findings = checks.check_ocr(other, {**CLAIM, "name": "李明"}, [reading.text])
    [not_found] = [f for f in findings if f.code == "ocr.not_found"]
    assert not_found.params["fields"] == ["name", "id_number"]


def test_ocr_reads_a_small_thumbnail_enlarged(scan: bytes) -> None:
    thumbnail = Image.open(__import__("io").BytesIO(scan))
    thumbnail.thumbnail((800, 1132))
    outcome = ocr.read_text(encoded(thumbnail, "JPEG", quality=85))
    assert outcome.failure is None
    findings = checks.check_ocr(NUMBER, CLAIM, [outcome.text])
    assert "qualification" in next(f for f in findings if f.code == "ocr.found").params["fields"]


def test_an_image_tesseract_cannot_read_is_a_failure_not_an_exception() -> None:
    outcome = ocr.read_text(b"not an image at all")
    assert (outcome.text, outcome.failure, outcome.retry) == (None, "error", False)


def test_ocr_stops_at_its_time_limit(scan: bytes) -> None:
    outcome = ocr.read_text(scan, seconds=0.05)
    assert outcome.text is None and outcome.failure == "error"


# --- near-duplicate scans -----------------------------------------------------------------------


def phash(image: Image.Image) -> str:
    return str(imagehash.phash(image))


def resaved(image: Image.Image) -> dict[str, Image.Image]:
    width, height = image.size
    jpeg = Image.open(__import__("io").BytesIO(encoded(image.convert("RGB"), "JPEG", quality=40)))
    return {
        "half size": image.resize((width // 2, height // 2)),
        "JPEG quality 40": jpeg,
        "cropped 2 %": image.crop((width // 50, height // 50, width - width // 50, height - height // 50)),
        "rotated 1°": image.rotate(1, fillcolor=250),
        "a third, JPEG, cropped 1 %": jpeg.crop((width // 100, height // 100, width, height)).resize(
            (width // 3, height // 3)
        ),
    }


def test_a_resaved_scan_is_a_near_duplicate_and_another_picture_is_far() -> None:
    form = report_form(name="王丽", id_number=NUMBER, qualification="高级工程师", doc_no="渝人社发〔2003〕25号")
    original = phash(form)
    threshold = checks.near_duplicate_threshold(64)
    distances = {how: checks.hash_distance(original, phash(copy)) for how, copy in resaved(form).items()}
    far = checks.hash_distance(original, phash(other_picture()))
    template = report_form(name="李明", id_number=id_number(), qualification="工程师", doc_no="渝人社发〔1998〕3号")
    # The same blank form filled for someone else also hashes close (a 64-bit hash sees the
    # layout): the words tell staff to compare the previews.
    print(
        "near-duplicate distances:",
        distances,
        "another picture:",
        far,
        "same form, other person:",
        checks.hash_distance(original, phash(template)),
    )
    assert all(distance is not None and distance <= threshold for distance in distances.values()), distances
    assert far is not None and far > 2 * threshold

    mine = EvidenceFacts(1, 10, "report_form", "a" * 64, "b" * 64, original, NUMBER)
    copies = [
        EvidenceFacts(i + 2, 20 + i, "report_form", f"{i:x}" * 64, "e" * 64, phash(copy), id_number())
        for i, copy in enumerate(resaved(form).values())
    ]
    unrelated = EvidenceFacts(99, 99, "report_form", "f" * 64, "f" * 64, phash(other_picture()), id_number())
    findings = checks.check_duplicates([mine], [*copies, unrelated])
    assert [f.params["application_id"] for f in findings] == [20, 21, 22, 23, 24]
    assert {(f.code, f.params["how"]) for f in findings} == {("evidence.duplicate_other", "near_image")}


def test_a_pixel_bomb_is_not_decoded() -> None:
    bomb = encoded(Image.new("1", (8000, 6000), 1), "PNG")  # 48 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    outcome = ocr.read_text(bomb)
    assert (outcome.text, outcome.failure) == (None, "error")
