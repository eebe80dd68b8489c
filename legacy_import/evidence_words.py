"""Why an evidence file was refused, in the holder's words (Chinese first, English in the
catalogue): each says what is wrong and what to upload instead. Read at the edge, in the
page's language (``refusal_message`` translates when it is called)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ecert.i18n import _, _l
from legacy_import.evidence_rules import RefusedEvidence

# The kinds a holder sends by mistake, as the holder would name them.
KIND_WORDS = {
    "pdf": _l("PDF 文件"),
    "jpeg": _l("JPEG 图片"),
    "png": _l("PNG 图片"),
    "tiff": _l("TIFF 图片"),
    "heif": _l("HEIC/HEIF 照片（苹果手机的默认格式）"),
    "avif": _l("AVIF 图片"),
    "webp": _l("WebP 图片"),
    "gif": _l("GIF 图片"),
    "bmp": _l("BMP 图片"),
    "psd": _l("Photoshop（PSD）文件"),
    "jpeg2000": _l("JPEG 2000 图片"),
    "jbig2": _l("JBIG2 图片"),
    "jpegxl": _l("JPEG XL 图片"),
    "svg": _l("SVG 矢量图"),
    "html": _l("网页（HTML）"),
    "xml": _l("XML 文件"),
    "text": _l("纯文本文件"),
    "rtf": _l("RTF 文档"),
    "ofd": _l("OFD 版式文件"),
    "docx": _l("Word 文档"),
    "xlsx": _l("Excel 表格"),
    "ms_office": _l("Word 或 Excel 文档（旧格式）"),
    "zip": _l("压缩包（ZIP）"),
    "rar": _l("压缩包（RAR）"),
    "7z": _l("压缩包（7z）"),
    "gzip": _l("压缩包（gzip）"),
    "mp4": _l("视频"),
    "mov": _l("视频"),
    "exe": _l("程序文件"),
    "unknown": _l("无法识别的文件"),
}
_IMAGES = {"avif", "webp", "gif", "bmp", "psd", "jpeg2000", "jbig2", "jpegxl"}
_DOCUMENTS = {"svg", "html", "xml", "text", "rtf", "ofd", "docx", "xlsx", "ms_office"}
_ARCHIVES = {"zip", "rar", "7z", "gzip"}
_PRINT_TO_PDF = _l("请用阅读器的“打印”功能另存为新的 PDF 后上传，或改为上传扫描图片。")


def refusal_message(refused: RefusedEvidence) -> str:
    """One or two sentences: why ``refused``, and what to do instead."""
    words = _WORDS.get(refused.code)
    return words(refused.params) if words else _("文件无法接收，请换一个 PDF、JPEG、PNG 或 TIFF 文件再试。")


def kind_name(kind: object) -> str:
    return str(KIND_WORDS.get(str(kind), KIND_WORDS["unknown"]))


_IDEOGRAPH_THEN_LATIN = re.compile(r"(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])")


def _spaced(text: str) -> str:
    """A space between Chinese and a Latin name put next to it (这是 GIF 图片), as the
    messages write it; English is left as it is."""
    return _IDEOGRAPH_THEN_LATIN.sub(" ", text)


def _unsupported(params: dict[str, Any]) -> str:
    kind = str(params.get("kind", "unknown"))
    why = _spaced(
        _(
            "这是%(kind)s，不能接收：只接收 PDF、JPEG、PNG 或 TIFF 文件（按文件内容判断，不看文件名）。",
            kind=kind_name(kind),
        )
    )
    if kind == "heif":
        advice = _("请在苹果手机“设置—相机—格式”中选择“兼容性最佳”后重新拍摄，或把照片导出为 JPEG 后上传。")
    elif kind in _IMAGES:
        advice = _("请把图片另存为 JPEG 或 PNG 后上传。")
    elif kind in _DOCUMENTS:
        advice = _("请把文件打印或导出为 PDF 后上传，或上传原件的扫描件、照片。")
    elif kind in _ARCHIVES:
        advice = _("请不要上传压缩包：解压后逐个上传其中的 PDF 或图片。")
    else:
        advice = _("请上传证书或材料的扫描件（PDF、TIFF）或照片（JPEG、PNG）。")
    return why + advice


def _too_large(params: dict[str, Any]) -> str:
    size, limit = params.get("size_mb", ""), params.get("limit_mb", "")
    if params.get("cleaned"):
        return _(
            "文件去除拍摄信息、重新保存后有 %(size)s MB，超过了 %(limit)s MB 的上限。请降低扫描分辨率（300 dpi 即可）或分成几个文件后再上传。",
            size=size,
            limit=limit,
        )
    return _(
        "文件有 %(size)s MB，超过了 %(limit)s MB 的上限。请降低扫描分辨率（300 dpi 即可）、分成几个文件，或把照片压缩后再上传。",
        size=size,
        limit=limit,
    )


def _too_many_pixels(params: dict[str, Any]) -> str:
    if "megapixels" in params:
        return _(
            "图片有 %(megapixels)s 百万像素，超过了 %(limit)s 百万像素的上限。请缩小图片或降低扫描分辨率（300 dpi 即可）后再上传。",
            megapixels=params["megapixels"],
            limit=params.get("limit", ""),
        )
    return _(
        "图片像素过多，超过了 %(limit)s 百万像素的上限。请缩小图片或降低扫描分辨率（300 dpi 即可）后再上传。",
        limit=params.get("limit", ""),
    )


_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "empty": lambda p: _("所选文件是空的（0 字节）。请重新选择要上传的扫描件或照片。"),
    "too_large": _too_large,
    "unsupported_type": _unsupported,
    "polyglot": lambda p: _spaced(
        _(
            "这个文件同时又是%(also)s，像是被改造过的文件，出于安全原因不能接收。请用扫描仪或手机重新生成文件后上传。",
            also=kind_name(p.get("also")),
        )
    ),
    "too_many_pixels": _too_many_pixels,
    "too_many_pages": lambda p: _(
        "文件有 %(pages)s 页，超过了 %(limit)s 页的上限。请只上传相关的页，或分成几个文件上传。",
        pages=p.get("pages", ""),
        limit=p.get("limit", ""),
    ),
    "unreadable": lambda p: _("文件已损坏或不完整（可能没有上传完），无法读取。请重新扫描或导出后再上传。"),
    "encrypted": lambda p: _("PDF 设有密码或已加密，工作人员无法查看。请去掉密码，或打印为新的 PDF 后再上传。"),
    "javascript": lambda p: _("PDF 含有脚本（JavaScript），出于安全原因不能接收。") + str(_PRINT_TO_PDF),
    "open_action": lambda p: _("PDF 含有打开时自动执行的动作，出于安全原因不能接收。") + str(_PRINT_TO_PDF),
    "launch": lambda p: _("PDF 含有启动其他程序的动作，出于安全原因不能接收。") + str(_PRINT_TO_PDF),
    "embedded_files": lambda p: _(
        "PDF 里嵌入了其他文件（附件），出于安全原因不能接收。请打印为新的 PDF 后上传，附件中的材料请另行上传。"
    ),
    "xfa": lambda p: _("PDF 是 XFA 动态表单，无法查看。请用阅读器的“打印”功能另存为普通 PDF 后上传。"),
    "too_complex": lambda p: _(
        "文件过于复杂或结构异常，系统无法在限定的时间和内存内安全处理。请重新扫描、降低分辨率，或打印为新的 PDF 后上传。"
    ),
    "unavailable": lambda p: _("系统暂时无法检查文件（检查服务繁忙），这不是文件的问题。请稍后再上传一次。"),
}
