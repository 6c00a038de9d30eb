"""Exports: Markdown as stored, or a standalone HTML page."""

from __future__ import annotations

from html import escape

from markdown_it import MarkdownIt

# Raw HTML in the Markdown (from a requirement or model text) is escaped, never passed on.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable("table")

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
max-width:960px;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#1f2328}
table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
blockquote{border-left:4px solid #d0d7de;margin:0;padding:0 1rem;color:#59636e}
"""


def to_html(markdown: str, *, title: str, language: str) -> str:
    body = _md.render(markdown)
    lang = "zh-CN" if language == "zh" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n{body}</body>\n</html>\n")
