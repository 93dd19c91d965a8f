"""The zh_CN catalog: complete, placeholders kept, and Chinese text written with full-width punctuation."""

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PO_FILE = Path(__file__).resolve().parents[2] / "app/translations/zh_CN/LC_MESSAGES/messages.po"

# %(name)s, %(num)d, %s, %d, %.1f ... (``%%`` is a literal percent sign, not a placeholder)
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
# {prefix}, {seq:03d} in messages flagged python-brace-format
BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*(?:![rsa])?(?::[^{}]*)?\}")

# Ideographs, CJK symbols and punctuation, full-width forms and the Chinese quotation marks and dashes.
CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60“”‘’…—]"
ASCII_PUNCTUATION = r"[:(),;?!]"
HALF_WIDTH_NEXT_TO_CJK = re.compile(rf"{CJK}\s*{ASCII_PUNCTUATION}|{ASCII_PUNCTUATION}\s*{CJK}")
# "..." or a single "…" where Chinese writes "……"; straight quotes where Chinese writes curly or corner quotes
WRONG_ELLIPSIS = re.compile(rf"{CJK}\s*\.{{2,}}|\.{{2,}}\s*{CJK}|(?<!…)…(?!…)")
STRAIGHT_QUOTE_NEXT_TO_CJK = re.compile(rf"{CJK}\s*[\"']|[\"']\s*{CJK}")
QUOTE_STYLES = {"“”": ("“", "”"), "「」": ("「", "」")}


@cache
def _catalog():
    with PO_FILE.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def _messages():
    """(msgid, msgid_plural or None, msgstr forms, message) of every message except the header."""
    for message in _catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield ids[0], ids[1] if len(ids) > 1 else None, strings, message


def placeholders(text, brace=False):
    """The set of placeholders in ``text``."""
    found = set(PERCENT_PLACEHOLDER.findall(text.replace("%%", "")))
    if brace:
        found |= set(BRACE_PLACEHOLDER.findall(text))
    return found


def without_placeholders(text):
    return BRACE_PLACEHOLDER.sub("", PERCENT_PLACEHOLDER.sub("", text.replace("%%", "")))


def punctuation_problems(text):
    """The half-width punctuation, ellipses and quotation marks of ``text`` that Chinese writes otherwise."""
    text = without_placeholders(text)
    return [
        match.group()
        for pattern in (HALF_WIDTH_NEXT_TO_CJK, WRONG_ELLIPSIS, STRAIGHT_QUOTE_NEXT_TO_CJK)
        for match in pattern.finditer(text)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "上传%(kind)s:%(name)s",
        "调解终止(未达成协议)",
        "已受理,主持调解员",
        "归档;保管",
        "确定归档吗?",
        "%(name)s,欢迎您!",
        "忘记密码 ?",
        "请稍候...",
        "加载中…",
        '请使用"打印"功能',
        "回避(%(reason)s)",
    ],
)
def test_the_punctuation_check_catches_half_width_marks(text):
    assert punctuation_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "文件超过%(mb)s MB。",
        "照片（JPEG、PNG、WebP、GIF）或PDF文件，不超过10 MB。",
        "%(num)s / %(den)s",
        "请于2026-11-29前申请",
        "手机号13800138000",
        "请使用浏览器的“打印”功能（Ctrl+P；手机上为“分享 › 打印”）。",
        "正在加载……",
        "{prefix}〔{year}〕第{seq:03d}号",
        "10:30 开始",
    ],
)
def test_the_punctuation_check_leaves_numbers_codes_and_placeholders_alone(text):
    assert not punctuation_problems(text)


def test_chinese_text_uses_full_width_punctuation():
    problems = [
        (msgid, string, punctuation_problems(string))
        for msgid, _plural, strings, _message in _messages()
        for string in strings
        if punctuation_problems(string)
    ]
    assert not problems, problems


def test_quotation_marks_follow_one_convention():
    styles = {
        name
        for _msgid, _plural, strings, _message in _messages()
        for string in strings
        for name, (opening, _closing) in QUOTE_STYLES.items()
        if opening in string
    }
    assert len(styles) <= 1, f"the catalog mixes quotation marks: {sorted(styles)}"
    unbalanced = [
        string
        for _msgid, _plural, strings, _message in _messages()
        for string in strings
        for opening, closing in QUOTE_STYLES.values()
        if string.count(opening) != string.count(closing)
    ]
    assert not unbalanced, unbalanced


def test_placeholders_match_the_source():
    """Every form keeps exactly the msgid's placeholders; a plural form keeps those of the plural msgid too."""
    problems = []
    for msgid, plural, strings, message in _messages():
        brace = "python-brace-format" in message.flags
        wanted = placeholders(msgid, brace) | (placeholders(plural, brace) if plural else set())
        for string in strings:
            if string and placeholders(string, brace) != wanted:
                problems.append((msgid, string, sorted(wanted), sorted(placeholders(string, brace))))
    assert not problems, problems


def test_every_message_is_translated():
    catalog = _catalog()
    problems = []
    for msgid, plural, strings, message in _messages():
        if message.fuzzy:
            problems.append((msgid, "fuzzy"))
        elif not all(string.strip() for string in strings):
            problems.append((msgid, "untranslated"))
        elif plural and len(strings) != catalog.num_plurals:
            problems.append((msgid, f"{len(strings)} plural forms instead of {catalog.num_plurals}"))
    assert not problems, problems
