"""The README's role table says exactly what the permission matrix grants, role by role."""

from __future__ import annotations

import re

from helpers import REPO
from museion.security.permissions import MATRIX, Role


def test_the_readme_role_table_is_the_permission_matrix() -> None:
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Who sees what", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): set(re.findall(r"`([a-z_]+:[a-z_]+)`", m.group(2)))
            for m in re.finditer(r"^\| `([a-z_]+)` \| [^|]+ \| (.+) \|$", section, re.MULTILINE)}
    assert rows == {role.value: {p.value for p in MATRIX[role]} for role in Role}
