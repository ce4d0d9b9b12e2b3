#!/usr/bin/env python3
"""Writes corpus.txt: >= 1,000 test lines for the tokenizer (one per line, '\n'-separated, UTF-8).

Deterministic (fixed seed). Run from this folder:  python3 make_corpus.py
Lines are hand-written seeds plus systematic variations: case changes, accents, CJK, emoji (ZWJ sequences,
skin tones, flags), punctuation runs, very long words (> 100 chars, which WordPiece maps to [UNK]), numbers,
URLs, control characters, tabs, empty and whitespace-only lines, RTL scripts, combining marks and added-token
look-alikes. Only '\n' separates lines: other line-ish characters (\x0b, \x0c, \x85, U+2028) appear inside lines.
"""
import random

SEEDS = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, World! How are you doing today?",
    "Transformers use self-attention to weigh every token against every other token.",
    "I can't believe it's not butter; they'd've known.",
    "Café au lait, crème brûlée and a piña colada, s'il vous plaît.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein. Straße, Fußgänger, Größe.",
    "Ångström units measure 10^-10 metres; Øresund bridge connects Denmark and Sweden.",
    "El niño comió jalapeños en la mañana del año nuevo.",
    "Façade, naïve, coöperate, résumé, déjà vu, fiancée, jalapeño, São Paulo.",
    "Dvořák and Janáček wrote music in Brno; Łódź is in Poland; Istanbul, İzmir.",
    "ΑΒΓΔ αβγδ — Ελληνικά: Σίσυφος ΟΔΥΣΣΕΥΣ ς σ Σ",
    "Москва — столица России. ПРИВЕТ, мир! Ёлка и ёж.",
    "我爱自然语言处理。今天天气很好！",
    "東京は日本の首都です。ひらがな、カタカナ、漢字を使います。",
    "こんにちは世界 カタカナ ｶﾀｶﾅ（半角）",
    "한국어 텍스트를 토큰화합니다. 안녕하세요!",
    "中文English混合text测试123数字",
    "𠀀𠀁𪜀 rare CJK extension ideographs 𫠠 and 𬺰.",
    "Emoji: 😀 😃 😄 😁 😆 🥰 🤩 🫠 🙂‍↔️",
    "Family: 👨‍👩‍👧‍👦 and couple 👩‍❤️‍👨, skin tones 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿",
    "Flags 🇺🇸 🇯🇵 🇫🇷 and keycaps 1️⃣ #️⃣ plus ♥️ and ☺︎.",
    "!!!???...,,,;;;:::---___***&&&%%%$$$###@@@",
    "Wait... what?!?! No way!!! (really) [yes] {maybe} <tag> \"quoted\" 'single'",
    "email: someone@example.com, web: https://www.example.org/path?q=1&r=two#frag",
    "Call +1 (555) 123-4567 or 0800 123 456; pay $1,234.56 or €99,99 or ¥10000.",
    "Numbers: 3.14159, 2.71828, 1e-10, 6.022e23, 42, 007, 1,000,000, ½ ¾ ² ³.",
    "Dates 2024-01-15, 15/01/2024, Jan. 15th; times 12:30pm and 23:59:59.",
    "مرحبا بالعالم! هذه جملة باللغة العربية.",
    "שלום עולם, זה משפט בעברית.",
    "नमस्ते दुनिया, यह हिंदी में एक वाक्य है।",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "Tiếng Việt có rất nhiều dấu: ă â đ ê ô ơ ư ở ữ ậ.",
    "Combining: e\u0301 a\u0300 o\u0308 n\u0303 c\u0327 and stacked x\u0363\u0364\u0365y.",
    "Zalgo: H\u0336\u0321e\u0337\u0322l\u0338\u0323l\u0335\u0324o\u0334\u0325",
    "Controls:\x01\x02\x03 between\x7f and \x1b[31mred\x1b[0m text.",
    "Zero width: a\u200bb\u200cc\u200dd\ufeffe and soft\u00adhyphen.",
    "Tabs\tbetween\twords\tand  multiple   spaces.",
    "Odd spaces:\u00a0nbsp,\u2003em,\u3000ideographic,\u2009thin,\u202fnarrow.",
    "Line-ish chars: a\x0bb\x0cc\x85d\u2028e\u2029f inside one line.",
    "Private use \ue000\uf8ff and replacement \ufffd and NUL-free text.",
    "Special look-alikes: [CLS] [SEP] [MASK] [PAD] [UNK] [cls] [Mask] [MASK][MASK]x[SEP]",
    "Supercalifragilisticexpialidocious and antidisestablishmentarianism are long words.",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "C++ and C# and F# and .NET and Node.js and go-lang and rust_lang::std::vec::Vec<T>",
    "def f(x): return x**2 + 2*x - 1  # a Python comment",
    "SELECT * FROM users WHERE name = 'O''Brien' AND age >= 21;",
    "ALL CAPS SENTENCE WITH SHOUTING AND ACRONYMS LIKE NASA, UNESCO, HTML.",
    "MiXeD CaSe WoRdS lIkE tHiS aNd ThAt.",
    "Ligatures ﬁ ﬂ ﬀ and fullwidth ＡＢＣ１２３ and circled ①②③ and roman Ⅻ.",
    "Math: ∀x∈ℝ, ∃y: x² + y² ≤ 1 ⇒ |x| ≤ 1; ∑ ∏ ∫ √ ∞ ≠ ≈.",
    "Currency: £ € ¥ ₹ ₽ ₩ ₿ ¢ and symbols © ® ™ § ¶ † ‡ • …",
    "Quotes: “double” ‘single’ «guillemets» „German“ 「Japanese」 『nested』",
    "Dashes: hyphen - en – em — minus − and ellipsis … and interpunct ·",
    "a",
    "I",
    ".",
    "x y z",
    "A sentence ending without punctuation",
    "   leading and trailing spaces   ",
    "don't won't shouldn't y'all ma'am o'clock rock'n'roll",
    "Ḁ ḁ Ḃ ẞ ß ǅ ǆ ǈ ŉ ﬃ İ ı ſ",
    "Hangul jamo ᄀᄁᄂ and compatibility ㄱㄴㄷ and halfwidth ﾡﾢ",
    "Mongolian ᠮᠣᠩᠭᠣᠯ and Tibetan བོད་ཡིག and Georgian ქართული",
    "Cherokee ᏣᎳᎩ and Armenian Հայերեն and Ethiopic ኢትዮጵያ",
]

WORDS = [w for s in SEEDS for w in s.split() if w]

def accentize(s, rnd):
    table = {"a": "àáâäå", "e": "èéêë", "i": "ìíîï", "o": "òóôöø", "u": "ùúûü", "n": "ñ", "c": "ç", "s": "ß",
             "A": "ÀÁÂÄÅ", "E": "ÈÉÊË", "O": "ÒÓÔÖØ", "U": "ÙÚÛÜ", "N": "Ñ"}
    return "".join(rnd.choice(table[ch]) if ch in table and rnd.random() < 0.35 else ch for ch in s)

def decompose_marks(s, rnd):
    marks = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030a", "\u0327", "\u0323"]
    return "".join(ch + rnd.choice(marks) if ch.isalpha() and rnd.random() < 0.25 else ch for ch in s)

EMOJI = ["😀", "🥰", "🫠", "👍🏽", "👨‍👩‍👧", "🏳️‍🌈", "🇩🇪", "❤️", "✨", "🔥", "🤦🏼‍♀️", "🧑‍💻", "👋🏿", "🐍", "☕"]
PUNCT = ["!!!", "?!", "...", "…", "--", "—", ";;", "(!)", "???!!!", "'", "\"", "«»", "¿¡", "#@!", "$%^&*"]
CJK = ["我们", "日本語", "한국", "ひらがな", "カタカナ", "漢字テスト", "中文", "你好世界", "안녕", "東京"]
WS = [" ", "  ", "\t", " \t ", "\u00a0", "\u3000", "\u2003"]

def variations(s, rnd):
    yield s
    yield s.upper()
    yield s.lower()
    yield s.title()
    yield s.swapcase()
    yield accentize(s, rnd)
    yield decompose_marks(s, rnd)
    words = s.split(" ")
    yield rnd.choice(WS).join(words)
    yield " ".join(w + (rnd.choice(EMOJI) if rnd.random() < 0.3 else "") for w in words)
    yield " ".join(w + (rnd.choice(PUNCT) if rnd.random() < 0.3 else "") for w in words)
    yield " ".join((rnd.choice(CJK) if rnd.random() < 0.25 else "") + w for w in words)
    yield "".join(words)  # no spaces at all: long glued words
    yield s + " " + rnd.choice(PUNCT) * rnd.randint(2, 6)

def main():
    rnd = random.Random(20240515)
    lines = []
    for s in SEEDS:
        lines.extend(variations(s, rnd))
    # empty and whitespace-only lines
    lines += ["", "", " ", "   ", "\t", "\t\t \t", "\u00a0", "\u3000\u3000", " \u2003 ", "\x0b", "\x0c", "\u200b",
              "\ufeff", "\x01\x02", "\u00ad"]
    # very long words (> 100 characters: [UNK]) and words right around the limit
    for n in [99, 100, 101, 150, 300]:
        lines.append("a" * n)
        lines.append("x" + "ab" * (n // 2) + " tail")
        lines.append(("long" * n)[:n] + " word of " + str(n) + " chars")
    lines.append("é" * 120 + " accented long word")
    lines.append("e\u0301" * 60 + " decomposed long word (120 code points before stripping)")
    lines.append("😀" * 101 + " emoji run")
    lines.append("Ab" * 200)
    # punctuation runs
    for p in ["!", "?", ".", ",", "-", "_", "*", "#", "~", "…", "。", "、", "！", "？", "«", "»", "¡", "¿"]:
        lines.append(p * rnd.randint(3, 40))
        lines.append("word" + p * 5 + "word" + p + "end")
    # numbers and URLs
    for _ in range(40):
        lines.append(" ".join(str(rnd.randint(0, 10 ** rnd.randint(1, 12))) for _ in range(rnd.randint(1, 8))))
    for _ in range(20):
        host = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(3, 12)))
        lines.append("https://%s.com/%s?id=%d&lang=%s" % (host, host[::-1], rnd.randint(0, 99999),
                                                           rnd.choice(["en", "de", "ja", "zh-CN"])))
    # random word salads, some long enough to be truncated at 128 tokens
    for i in range(300):
        n = rnd.randint(1, 25) if i % 10 else rnd.randint(80, 200)
        parts = []
        for _ in range(n):
            r = rnd.random()
            if r < 0.65:
                parts.append(rnd.choice(WORDS))
            elif r < 0.75:
                parts.append(rnd.choice(EMOJI))
            elif r < 0.85:
                parts.append(rnd.choice(CJK))
            elif r < 0.95:
                parts.append(rnd.choice(PUNCT))
            else:
                parts.append(chr(rnd.choice([0x01, 0x7f, 0x200b, 0xad, 0xe000, 0x301, 0x2028, 0x0b])))
        lines.append(" ".join(parts))
    for i, line in enumerate(lines):
        assert "\n" not in line and "\r" not in line, (i, line)
    with open("corpus.txt", "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(len(lines), "lines")

if __name__ == "__main__":
    main()
