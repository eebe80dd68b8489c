"""The words of a converted certificate's provenance and of a paper record's answer."""

from __future__ import annotations

from ecert.i18n import _, format_date
from verifier.lookup import PublicProvenance
from verifier.paper import PaperRecord

#: White on it keeps a contrast ratio above 7:1: a calm blue, neither "valid" nor "not found".
PAPER_RECORD_COLOUR = "#24507a"


def converted_line() -> str:
    return _("由纸质证书转换")


def paper_number_line(provenance: PublicProvenance) -> str:
    return _("原纸质证书编号：%(number)s", number=provenance.paper_number)


def verified_line(provenance: PublicProvenance) -> str:
    """档案材料经 … 于 … 核验: who checked the archive evidence, and when."""
    return _(
        "档案材料经%(office)s于%(day)s核验",
        office=provenance.verified_by,
        day=format_date(provenance.verified_on),
    )


def provenance_sentence(provenance: PublicProvenance) -> str:
    """The provenance in one sentence, as the certificate prints it."""
    return _(
        "由纸质证书转换，原证书编号%(number)s，档案材料经%(office)s于%(day)s核验",
        number=provenance.paper_number,
        office=provenance.verified_by,
        day=format_date(provenance.verified_on),
    )


def paper_word() -> str:
    return _("存档记录存在")


def paper_sentence(office: str) -> str:
    """What the clerk reads: the title is on record, it is not an electronic certificate,
    and whom to ask."""
    return _(
        "纸质证书存档记录存在，尚未转换为电子证书。这不表示证书是伪造的；"
        "如需核实原纸质证书，请联系%(office)s（联系方式见本页底部）。持证人可登录“我的证书”申请转换为电子证书。",
        office=office,
    )


def paper_api_sentence(office: str) -> str:
    return _(
        "纸质证书存档记录存在，尚未转换为电子证书。这不表示证书是伪造的；如需核实原纸质证书，请联系%(office)s。",
        office=office,
    )


def approval_year_text(record: PaperRecord) -> str:
    return _("%(year)s年", year=record.approval_year) if record.approval_year else _("存档未载")
