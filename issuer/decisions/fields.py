"""The fields of an approved decision, defined once.

The CSV header, the row checks, the decision snapshot stored per certificate version and
the columns staff may correct (``ecert correct --set COLUMN=VALUE``) all read this table,
so that a field added here is read, stored and corrected everywhere at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ecert.vocab.idnumber import normalise_id_number
from ecert.vocab.mobile import normalise_mobile
from ecert.vocab.names import normalise_name
from ecert.vocab.titles import normalise_doc_no, normalise_grant_route, normalise_series

_GENDERS = {"男": "男", "女": "女", "m": "男", "male": "男", "f": "女", "female": "女"}


def normalise_gender(text: str) -> str:
    """``男`` or ``女`` for the accepted spellings, else the empty string."""
    return _GENDERS.get(text.lower(), "")


def _as_typed(text: str) -> str:
    return text


@dataclass(frozen=True)
class Field:
    name: str
    # Header cells accepted for the field besides ``name`` itself (as spreadsheets have them).
    aliases: tuple[str, ...]
    required: bool = True
    # Code points. Each maximum, in the widest characters the fonts have (Latin W, 1.053 em;
    # a Chinese character is 1 em), prints on two lines at 9 pt in the field's place on the
    # page (``issuer.rendering.fitting``): 39 a line in the full width, 27 beside the photo,
    # less two for the line-break rules. None exceeds
    # its database column (ecert/models.py), so a row never fails on insert.
    max_length: int | None = None
    normalise: Callable[[str], str] = _as_typed
    # Stored under the same name in each version's decision snapshot (``decisions`` table);
    # the ID number lives with the holder, the photo as a blob hash.
    snapshot: bool = True
    # May be changed by ``ecert correct --set``.
    correctable: bool = True
    # A column of the decisions CSV; False for a field only archive rosters have
    # (``legacy_import.roster``), which the decisions file does not accept.
    in_decisions: bool = True
    # Stored from an archive roster row (``ecert.models.RosterEntry``).
    in_roster: bool = True

    @property
    def label(self) -> str:
        """The Chinese column name staff know the field by."""
        return self.aliases[0]


# The aliases after the first are the spellings spreadsheets and archive rosters use; one
# table for both importers, so a spelling added here is read by ``ecert issue`` and by
# ``ecert legacy import-roster`` alike.
ALL_FIELDS: tuple[Field, ...] = (
    Field("name", ("姓名",), max_length=30, normalise=normalise_name),
    Field("gender", ("性别",), normalise=normalise_gender),
    # Not correctable: the number belongs to the holder row, not to a version's snapshot.
    Field(
        "id_number",
        ("身份证号", "身份证号码", "公民身份号码", "身份证", "身份证件号码"),
        normalise=normalise_id_number,
        snapshot=False,
        correctable=False,
    ),
    Field("employer", ("工作单位", "单位", "单位名称", "工作单位名称"), max_length=76),
    Field("series", ("系列", "职称系列", "评审系列"), max_length=64, normalise=normalise_series),
    Field("specialty", ("专业", "专业名称", "评审专业"), max_length=76),
    Field("level", ("层级", "级别", "职称级别", "资格级别"), max_length=16),
    Field("qualification", ("资格名称", "职称名称", "资格", "专业技术资格", "专业技术职务资格"), max_length=52),
    # Not a roster column: archives record the decision, not the route (it stays unread there).
    Field(
        "grant_route",
        ("取得方式",),
        normalise=lambda text: normalise_grant_route(text) or "",
        in_roster=False,
    ),
    Field(
        "approval_date",
        ("审批时间", "批准日期", "审批日期", "取得时间", "取得日期", "批准时间", "资格取得时间", "评审通过时间"),
    ),
    Field(
        "approving_body",
        ("审批机关", "评审委员会", "审批单位", "审批部门", "评审机构", "评委会", "评审委员会名称"),
        max_length=76,
    ),
    Field("doc_no", ("文号", "批准文号", "审批文号", "发文文号"), max_length=64, normalise=normalise_doc_no),
    Field("photo", ("照片",), required=False, snapshot=False, correctable=False, in_roster=False),
    # Where the registry knows it, a holder's one-time codes go only to this number (accounts).
    Field(
        "mobile",
        ("手机号码", "手机", "手机号"),
        required=False,
        normalise=normalise_mobile,  # its rule (11 digits) is its length limit
        snapshot=False,
        correctable=False,
        in_roster=False,
    ),
    # The paper certificate's own number (pre-2021, printed on the paper): archive rosters
    # have it, the decisions file never (an electronic certificate gets a new number).
    Field(
        "paper_number",
        ("纸质证书编号", "原证书编号", "证书编号", "证书号", "证书号码", "资格证书编号"),
        required=False,
        max_length=64,
        snapshot=False,
        correctable=False,
        in_decisions=False,
    ),
)
FIELDS: tuple[Field, ...] = tuple(field for field in ALL_FIELDS if field.in_decisions)

BY_NAME: Mapping[str, Field] = {field.name: field for field in FIELDS}
COLUMNS: tuple[str, ...] = tuple(field.name for field in FIELDS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.required)
CORRECTABLE_COLUMNS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.correctable)
SNAPSHOT_COLUMNS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.snapshot)
# Every header spelling → the field name; English names are matched case-insensitively.
HEADER_NAMES: Mapping[str, str] = {
    spelling: field.name for field in FIELDS for spelling in (field.name, *field.aliases)
}
# An archive roster's header: every field's spellings (those not stored from a roster are
# recognised and left unread), the roster-only fields too.
ROSTER_FIELDS: tuple[Field, ...] = tuple(field for field in ALL_FIELDS if field.in_roster)
ROSTER_BY_NAME: Mapping[str, Field] = {field.name: field for field in ALL_FIELDS}
ROSTER_HEADER_NAMES: Mapping[str, str] = {
    spelling: field.name for field in ALL_FIELDS for spelling in (field.name, *field.aliases)
}


def snapshot_values(decision: object) -> dict[str, Any]:
    """The snapshot columns of a validated decision, for a ``decisions`` row."""
    return {name: getattr(decision, name) for name in SNAPSHOT_COLUMNS}


def record_of(snapshot: object, id_number: str) -> dict[str, str]:
    """A stored snapshot as the column → text record a decisions-file row would give."""
    record = {name: _text(getattr(snapshot, name)) for name in SNAPSHOT_COLUMNS}
    return {**record, "id_number": id_number}


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
