"""A usage statement as one standalone HTML file (no PDF: a rights holder opens it in any browser, prints it from
there, and can check the SHA-256 of the inputs against their own copy). Styles are inline and nothing is fetched, so
the file reads the same offline and years later. English or Simplified Chinese labels; data values as recorded.

Pure: a statement (``museion.rights.usage.statement``) in, text out. Rendered with Jinja2 (autoescaped) rather than
string joins, so every holder, licence and work name is escaped the one way the web app escapes it.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Usage statement", "holder": "Rights holder", "period": "Period", "to": "to", "licence": "Licence",
        "work": "Work", "uses": "Uses counted", "amount": "Amount", "total": "Total", "grand_total": "Total owed",
        "demo": "demo (generated, not an agreement)", "fee": "Fee", "per_use": "per use", "flat": "flat", "none": "none",
        "small": "{n} works each used by fewer than {k} members (summed, not shown one by one)",
        "hash": "SHA-256 of the inputs",
        "hash_note": "The hash covers the holder, the period, every licence's fee terms and window, and each work's "
                     "counted uses; the same inputs give the same hash.",
        "counted": "Uses counted: display (appearances in served lists), stream (views and plays), download, print; "
                   "only the uses each licence covers.",
        "no_lines": "No licence of this holder ran in this period.",
    },
    "zh-Hans": {
        "title": "使用报告", "holder": "权利人", "period": "期间", "to": "至", "licence": "许可", "work": "作品",
        "uses": "计入的使用次数", "amount": "金额", "total": "合计", "grand_total": "应付总额",
        "demo": "演示（生成的，并非协议）", "fee": "费用", "per_use": "按次", "flat": "固定", "none": "无",
        "small": "{n} 件作品各自的使用成员少于 {k} 人（合并计数，不逐一列出）",
        "hash": "输入数据的 SHA-256",
        "hash_note": "该哈希涵盖权利人、期间、每项许可的费用条款和有效期，以及每件作品计入的使用次数；相同输入得到相同哈希。",
        "counted": "计入的使用：展示（出现在推荐列表中）、播放（观看与播放）、下载、打印；仅计入各许可所涵盖的使用。",
        "no_lines": "该权利人在此期间没有有效的许可。",
    },
}

_TEMPLATE = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ t.title }}: {{ st.holder }} {{ st.start }} – {{ st.end }}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px;color:#111}table{border-collapse:collapse;
width:100%;margin:1rem 0}th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left}td.num,th.num{text-align:right}
tfoot th,tfoot td,tr.total th,tr.total td{font-weight:bold}code{word-break:break-all}.note{color:#444}</style></head>
<body>
<h1>{{ t.title }}</h1>
<dl><dt>{{ t.holder }}</dt><dd translate="no">{{ st.holder }}</dd>
<dt>{{ t.period }}</dt><dd>{{ st.start }} {{ t.to }} {{ st.end }}</dd>
<dt>{{ t.hash }}</dt><dd><code id="inputs-sha256">{{ st.inputs_sha256 }}</code></dd></dl>
<p class="note">{{ t.hash_note }}</p>
<p class="note">{{ t.counted }}</p>
{% if st.lines %}<table id="statement">
<thead><tr><th scope="col">{{ t.licence }}</th><th scope="col">{{ t.work }}</th><th scope="col" class="num">{{ t.uses }}</th>
<th scope="col" class="num">{{ t.amount }}</th></tr></thead>
<tbody>{% for line in st.lines %}
{% for r in line.works %}<tr><td translate="no">{{ line.licence }}</td><td translate="no">{{ r.work }}</td><td class="num">{{ r.uses }}</td><td></td></tr>
{% endfor %}{% if line.small_cells.works %}<tr class="small"><td translate="no">{{ line.licence }}</td>
<td>{{ t.small.format(n=line.small_cells.works, k=st.small_cell) }}</td><td class="num">{{ line.small_cells.uses }}</td><td></td></tr>
{% endif %}<tr class="total"><th scope="row" translate="no">{{ line.licence }}{% if line.demo %} ({{ t.demo }}){% endif %}</th>
<td>{{ t.total }} · {{ t.fee }}: {% if line.fee_kind == "none" %}{{ t.none }}{% else %}{{ line.fee_amount }} {{ line.currency }} ({{ t[line.fee_kind] }}){% endif %}</td>
<td class="num">{{ line.counted }}</td><td class="num">{{ line.amount }} {{ line.currency or "" }}</td></tr>
{% endfor %}</tbody>
<tfoot>{% for currency, amount in st.totals.items() %}<tr><th scope="row" colspan="3">{{ t.grand_total }}</th>
<td class="num grand-total">{{ amount }} {{ currency }}</td></tr>{% endfor %}</tfoot>
</table>{% else %}<p>{{ t.no_lines }}</p>{% endif %}
</body></html>
"""

_env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
_page = _env.from_string(_TEMPLATE)


def render(st: dict[str, Any], lang: str = "en") -> str:
    """The statement as a standalone HTML document in ``lang`` (``en`` or ``zh-Hans``; anything else reads English)."""
    code = lang if lang in LABELS else "en"
    return _page.render(st=st, t=LABELS[code], lang=code)
