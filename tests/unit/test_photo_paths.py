"""A photo named in a decisions file is a file inside the CSV file's own folder, after
following symbolic links: nothing outside is read, or even looked at."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.unit.csv_rows import english, errors, parse, row

pytestmark = pytest.mark.usefixtures(english.__name__)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), (180, 180, 180)).save(buffer, format="JPEG")
    return buffer.getvalue()


JPEG = _jpeg()


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """The CSV file's folder (with photos/ inside) and a folder beside it holding a real photo."""
    csv_dir, outside = tmp_path / "batch", tmp_path / "elsewhere"
    (csv_dir / "photos").mkdir(parents=True)
    outside.mkdir()
    (csv_dir / "photos" / "in.jpg").write_bytes(JPEG)
    (outside / "x.jpg").write_bytes(JPEG)
    (csv_dir / "photos" / "link-out.jpg").symlink_to(outside / "x.jpg")
    (csv_dir / "photos" / "dir-out").symlink_to(outside, target_is_directory=True)
    (csv_dir / "photos" / "link-in.jpg").symlink_to(csv_dir / "photos" / "in.jpg")
    return csv_dir, outside


def _outside_cases(csv_dir: Path, outside: Path) -> list[str]:
    return [
        "../elsewhere/x.jpg",
        "photos/../../elsewhere/x.jpg",
        "photos/../../batch/../elsewhere/x.jpg",
        str(outside / "x.jpg"),  # absolute, elsewhere
        str(csv_dir / ".." / "elsewhere" / "x.jpg"),  # absolute, through ..
        "photos/link-out.jpg",  # a link pointing out
        "photos/dir-out/x.jpg",  # through a linked folder pointing out
        "../elsewhere/missing.jpg",  # outside and missing: still "outside", never "missing"
        "/etc/passwd",
    ]


@pytest.mark.parametrize("case", range(9))
def test_a_photo_outside_the_folder_is_refused_with_row_and_column(folders: tuple[Path, Path], case: int) -> None:
    csv_dir, outside = folders
    typed = _outside_cases(csv_dir, outside)[case]
    assert errors(row(photo=typed), base_dir=csv_dir) == [
        f"row 2, column photo: photo {typed} is outside the CSV file's folder"
        " (a symbolic link pointing out counts as outside)"
    ]


@pytest.mark.parametrize(
    "typed", ["photos/in.jpg", "./photos/in.jpg", "photos/../photos/in.jpg", "photos/link-in.jpg", "ABSOLUTE"]
)
def test_a_photo_inside_the_folder_is_read(folders: tuple[Path, Path], typed: str) -> None:
    csv_dir, _ = folders
    typed = str(csv_dir / "photos" / "in.jpg") if typed == "ABSOLUTE" else typed
    parsed = parse(row(photo=typed), base_dir=csv_dir)
    assert parsed.errors == []
    assert parsed.decisions[0].photo == (csv_dir / "photos" / "in.jpg").resolve()


def test_the_folder_itself_may_be_reached_through_a_link(folders: tuple[Path, Path], tmp_path: Path) -> None:
    csv_dir, _ = folders
    (tmp_path / "shortcut").symlink_to(csv_dir, target_is_directory=True)
    parsed = parse(row(photo="photos/in.jpg"), base_dir=tmp_path / "shortcut")
    assert parsed.errors == [] and parsed.decisions[0].photo == (csv_dir / "photos" / "in.jpg").resolve()


def test_only_the_refused_row_is_left_out(folders: tuple[Path, Path]) -> None:
    csv_dir, _ = folders
    other = row(photo="photos/in.jpg", id_number="500111199001010029", name="王芳", doc_no="足人社发〔2025〕99号")
    parsed = parse(row(photo="../elsewhere/x.jpg"), other, base_dir=csv_dir)
    assert [decision.row for decision in parsed.decisions] == [3]
    assert [(error.row, error.column, error.code) for error in parsed.errors] == [(2, "photo", "photo.outside")]
