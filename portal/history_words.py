"""The verification channels in words, for 核验记录 (``ecert.verifications.CHANNELS``)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString

from ecert.i18n import _l

CHANNEL_WORDS: Mapping[str, LazyString] = {
    "qr": _l("扫描二维码"),
    "lookup": _l("按编号和姓名查询"),
    "upload": _l("上传 PDF 核验"),
    "api": _l("接口查询"),
    "api_pdf": _l("接口上传 PDF 核验"),
}
