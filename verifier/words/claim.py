"""The words of a QR claim check: the landing page's claim line and ``ecert verify-qr``'s reasons."""

from __future__ import annotations

from ecert.i18n import EN, _, _l, current_lang, format_date
from ecert.qr_claim import Verification
from verifier.qr.check import ClaimStatus

FIELD_NAMES = {
    "number": _l("证书编号"),
    "version": _l("版本"),
    "token": _l("链接"),
    "name": _l("姓名"),
    "qualification": _l("资格名称"),
    "grant_date": _l("取得资格时间"),
}

_SIGNATURE = {
    "malformed": _l("二维码中的签名信息无法识别或不完整"),
    "unknown_key": _l("二维码签名所用的密钥不在发证机关公布的密钥中"),
    "bad_signature": _l("二维码签名无效：内容可能被篡改"),
}


def signature_message(verification: Verification | None) -> str:
    """Why a claim's signature does not hold (no registry involved), without a final stop."""
    if verification is None:
        return str(_SIGNATURE["malformed"])
    params = verification.params
    if verification.reason == "key_not_valid_on_date" and {"day", "start", "end"} <= set(params):
        return _(
            "二维码签名无效：签名密钥在签发日期 %(day)s 不在有效期（%(start)s 至 %(end)s）内",
            day=format_date(params["day"]),
            start=format_date(params["start"]),
            end=format_date(params["end"]),
        )
    return str(_SIGNATURE.get(verification.reason, _SIGNATURE["malformed"]))


def claim_line(status: ClaimStatus) -> str:
    """The landing page's line about the claim in its URL (pages show none when it is ``absent``)."""
    if status.state == "valid":
        return _("二维码签名有效，内容与登记信息一致。")
    if status.reason == "not_in_registry":
        return _("二维码签名有效，但登记中没有这份证书，请以登记信息为准。")
    if status.reason == "fields_differ":
        separator = ", " if current_lang() == EN else "、"
        fields = separator.join(str(FIELD_NAMES[name]) for name in status.mismatched)
        return _("二维码签名有效，但内容与登记信息不一致（%(fields)s），请以登记信息为准。", fields=fields)
    return _("%(why)s。", why=signature_message(status.verification))


def check_failed_line() -> str:
    """When the check itself broke: never "signature valid" then."""
    return _("无法核验二维码中的签名。")


def headline(state: str) -> str:
    """What leads the page when the QR code's claim fails or disagrees with the registry."""
    if state == "mismatch":
        return _("二维码内容与登记信息不符")
    return _("二维码签名无效")
