"""The evidence check end to end, as the holder pages call it: ``clean_evidence`` in this
(the web) process, the parsing in the kernel's confined child. Real files of each type are
cleaned there; each kind of refusal comes back with its code; a file that spends the
child's memory or CPU (or its renderer's) is refused as ``too_complex`` and this process
carries on; no free checker is ``unavailable``, which is not the file's fault."""

from __future__ import annotations

import io
import threading
import time
import zlib

import pikepdf
import pytest
from PIL import Image

from ecert import sandbox
from ecert.sandbox import run_sandboxed
from ecert.settings import SandboxLimits
from legacy_import import evidence_worker
from legacy_import.evidence import MAX_BYTES, CleanEvidence, RefusedEvidence, clean_evidence
from tests import evidence_files as files

MB = 1024 * 1024

sandbox.preload(*evidence_worker.PRELOAD)  # as the app does (a forkserver already running keeps its own)


def address_space() -> int:
    """The confined child's virtual memory (what RLIMIT_AS counts) before it reads a file."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


def big_png(size: tuple[int, int] = (6000, 6000)) -> bytes:
    """36 megapixels, within the pixel limit, in a few hundred kilobytes: 108 MB per copy
    once decoded."""
    out = io.BytesIO()
    Image.new("RGB", size, (240, 240, 235)).save(out, "PNG", compress_level=9)
    return out.getvalue()


def pdf_image_bomb() -> bytes:
    """One A4 page showing a 30000×30000 image (2.7 GB of pixels, deflated to ~3 MB): what
    poppler decodes, row by row, to draw the page."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    width = height = 30_000
    image = pdf.make_stream(
        b"",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        ColorSpace=pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
    )
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width * 3)
    raw = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    image.write(raw, filter=pikepdf.Name.FlateDecode)
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    pdf.pages[0].Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_the_app_has_the_sandbox_preload_the_evidence_worker(app) -> None:  # type: ignore[no-untyped-def]
    assert set(evidence_worker.PRELOAD) <= set(sandbox._preload)


@pytest.mark.parametrize(
    ("build", "content_type", "pages"),
    [
        (lambda: files.pdf_pages(5), "application/pdf", 5),
        (files.phone_jpeg, "image/jpeg", 1),
        (files.png_scan, "image/png", 1),
        (files.tiff_scan, "image/tiff", 1),
        (lambda: files.tiff_scan(pages=4), "image/tiff", 4),
    ],
    ids=["pdf", "jpeg", "png", "tiff", "multi_page_tiff"],
)
def test_each_accepted_type_is_cleaned_in_the_confined_child(build, content_type: str, pages: int) -> None:  # type: ignore[no-untyped-def]
    result = clean_evidence(build())
    assert isinstance(result, CleanEvidence), result
    assert (result.content_type, result.pages) == (content_type, pages)
    assert result.thumbnail_png is not None and result.thumbnail_png.startswith(b"\x89PNG")
    assert result.image_hash is not None and len(result.image_hash) == 16
    assert result.cpu_seconds > 0


def test_the_gps_position_is_gone_after_cleaning_in_the_child() -> None:
    result = clean_evidence(files.phone_jpeg())
    assert isinstance(result, CleanEvidence)
    with Image.open(io.BytesIO(result.data)) as image:
        assert not image.getexif().get_ifd(files.GPS_IFD)
    assert files.PLACE.encode() not in result.data


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (lambda: b"", "empty"),
        (lambda: b"%PDF-1.7\n" + b" " * MAX_BYTES, "too_large"),
        (lambda: files.png_declaring(30_000, 30_000), "too_many_pixels"),
        (lambda: files.pdf_with(files._names_js), "javascript"),
        (lambda: files.pdf_with(files.open_action_goto), "open_action"),
        (lambda: files.pdf_with(files._launch_link), "launch"),
        (lambda: files.pdf_with(files._embedded), "embedded_files"),
        (lambda: files.pdf_with(files._xfa), "xfa"),
        (lambda: files.pdf_with(encryption=pikepdf.Encryption(owner="o", user="u")), "encrypted"),
        (lambda: files.phone_jpeg() + files.pdf_pages(1), "polyglot"),
        (lambda: files.SVG, "unsupported_type"),
        (files.heic, "unsupported_type"),
        (files.gif, "unsupported_type"),
        (lambda: files.phone_jpeg()[:4000], "unreadable"),
        (lambda: files.pdf_pages(21), "too_many_pages"),
    ],
    ids=[
        "empty",
        "oversized",
        "pixel_bomb",
        "javascript",
        "open_action",
        "launch",
        "embedded_file",
        "xfa",
        "encrypted",
        "polyglot",
        "svg",
        "heic",
        "gif",
        "truncated_jpeg",
        "too_many_pages",
    ],
)
def test_each_refusal_comes_back_with_its_code(build, code: str) -> None:  # type: ignore[no-untyped-def]
    result = clean_evidence(build())
    assert isinstance(result, RefusedEvidence) and result.code == code, result
    assert not result.try_again


def test_the_limits_are_checked_before_the_child_is_started() -> None:
    started = time.monotonic()
    assert clean_evidence(b"\xff\xd8\xff" + bytes(MAX_BYTES)) == RefusedEvidence(
        "too_large", {"limit_mb": 15, "size_mb": 15.0}
    )
    assert clean_evidence(b"") == RefusedEvidence("empty")
    assert time.monotonic() - started < 1


def test_a_file_that_exhausts_the_childs_memory_is_refused_and_this_process_carries_on() -> None:
    baseline = run_sandboxed(address_space)
    assert baseline.ok, baseline
    # Room for an ordinary photo, not for two copies of a 36-megapixel picture.
    limits = SandboxLimits(memory_bytes=baseline.value + 150 * MB, cpu_seconds=20, timeout=60)
    assert isinstance(clean_evidence(files.phone_jpeg(), limits=limits), CleanEvidence)
    result = clean_evidence(big_png(), limits=limits)
    assert result == RefusedEvidence("too_complex", {"cause": "memory"}), result
    assert not result.try_again
    after = clean_evidence(files.png_scan(), limits=limits)  # the next holder's file is checked as usual
    assert isinstance(after, CleanEvidence)


def test_a_file_that_spends_the_childs_cpu_budget_is_refused() -> None:
    limits = SandboxLimits(cpu_seconds=0.3, timeout=30)
    result = clean_evidence(big_png(), limits=limits)
    assert result == RefusedEvidence("too_complex", {"cause": "cpu"}), result


def test_a_pdf_whose_first_page_exhausts_the_renderer_is_refused() -> None:
    bomb = pdf_image_bomb()
    assert len(bomb) < MAX_BYTES
    result = clean_evidence(bomb, limits=SandboxLimits(cpu_seconds=1.0, timeout=60))
    assert result == RefusedEvidence("too_complex", {"cause": "renderer"}), result
    assert isinstance(clean_evidence(files.pdf_pages(2)), CleanEvidence)


def test_no_free_checker_is_not_the_files_fault() -> None:
    limits = SandboxLimits(max_jobs=1, queue=0, wait=0.0, timeout=10, cpu_seconds=5)
    holder = threading.Thread(target=run_sandboxed, args=(time.sleep, 1.5), kwargs={"limits": limits})
    holder.start()
    try:
        time.sleep(0.3)  # the only slot is taken
        result = clean_evidence(files.png_scan(), limits=limits)
    finally:
        holder.join()
    assert isinstance(result, RefusedEvidence)
    assert (result.code, result.params, result.try_again) == ("unavailable", {"cause": "busy"}, True)
    assert isinstance(clean_evidence(files.png_scan(), limits=limits), CleanEvidence)  # free again


def test_cleaning_a_phone_photo_and_a_five_page_pdf_takes_well_under_a_second_of_cpu() -> None:
    """Measured (printed with ``-s``): a 12-megapixel phone JPEG of about 2 MB, a 5-page PDF
    of 300 dpi scans."""
    photo, pdf = files.photo_2mb(), files.scanned_pdf(5)
    assert 1.5 * MB < len(photo) < 3 * MB
    clean_evidence(files.png_scan())  # the forkserver is up
    for name, data in (("12 MP phone JPEG", photo), ("5-page scanned PDF", pdf)):
        walls, cpus = [], []
        for _ in range(3):
            started = time.perf_counter()
            result = clean_evidence(data)
            walls.append(time.perf_counter() - started)
            assert isinstance(result, CleanEvidence)
            cpus.append(result.cpu_seconds)
        print(f"{name}: {len(data) / MB:.1f} MB, wall {min(walls):.3f} s (best of 3), CPU {min(cpus):.3f} s")
        assert min(cpus) < 2.0
