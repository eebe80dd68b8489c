"""Valid decisions with unique, checksum-correct ID numbers; override any field."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from typing import Any

from ecert.vocab.idnumber import id_check_character
from issuer.decisions import Decision

_sequence = itertools.count(1)


def id_number(birth: str = "19850312", region: str = "500111", male: bool = True) -> str:
    n = next(_sequence) % 500
    seq = f"{n:02d}{1 if male else 2}"[-3:]
    first17 = f"{region}{birth}{seq}"
    return first17 + id_check_character(first17)


def decision(**overrides: Any) -> Decision:
    base = Decision(
        row=2,
        name="张三",
        gender="男",
        id_number=id_number(),
        employer="重庆市大足区人民医院",
        series="卫生",
        specialty="临床医学",
        level="中级",
        qualification="主治医师",
        grant_route="evaluation",
        approval_date=date(2025, 12, 20),
        approving_body="重庆市卫生系列中级职称评审委员会",
        doc_no="渝卫职改〔2025〕12号",
        photo=None,
    )
    return replace(base, **overrides)


def revoked(issuance: Any, number: str, **overrides: Any) -> Any:
    """Revoke ``number`` through the real service as a staff member would (fraud, a 文号);
    returns the revoked certificate."""
    from issuer.services.lifecycle import RevocationReason, revoke

    arguments: dict[str, Any] = {"reason": RevocationReason.FRAUD, "doc_no": "足人社发〔2026〕3号"}
    arguments.update(overrides)
    return revoke(issuance.db, number, actor=issuance.actor, clock=issuance.clock, **arguments)
