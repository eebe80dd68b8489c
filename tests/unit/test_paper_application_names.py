"""The holder's application: an uploaded file's name is data, and the ID number gives the gender."""

from __future__ import annotations

from legacy_import import applications
from tests import factories


def test_the_display_name_of_a_file_is_safe() -> None:
    assert applications.display_name("../../etc/passwd") == "passwd"
    assert applications.display_name(None) == "未命名"
    assert applications.display_name("a\x00b\nc.pdf") == "abc.pdf"
    assert applications.gender_of(factories.id_number(male=False)) == "女"
    assert applications.gender_of(factories.id_number()) == "男"
    assert applications.gender_of("staff.name") == ""
