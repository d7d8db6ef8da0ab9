#!/usr/bin/env python3
"""Writes bertcls's small golden fixtures (tests/data) with Hugging Face transformers.

The parity tests compare bertcls with transformers/tokenizers. ../shared holds the big reference
set, but CI and fresh clones may not have it, so the repository carries these small fixtures,
made the same way and in the same layout (see tests/data/README.md):

    reference/<name>/      config.json, weights, reference.safetensors  (like shared/reference)
    reference/bert-with-tokenizer/   + tokenizer files and texts.jsonl  (end to end)
    tokenizers/<folder>/   tokenizer files                              (like shared/tokenizers)
    tokenizers/parity/     expected.jsonl, pairs.jsonl, pairs_word_cut.jsonl, truncated.jsonl

Usage, on a machine with torch, transformers 5.x, tokenizers, sentencepiece and safetensors
(the project's own machines have none of them):

    python3 scripts/make_golden_fixtures.py --out tests/data

    # no heavy imports: check the texts and print the planned shapes and sizes
    python3 scripts/make_golden_fixtures.py --plan
    # numpy only: check a generated tree (headers, shapes, attention rows, jsonl records)
    python3 scripts/make_golden_fixtures.py --verify tests/data

Everything is seeded; the shapes deliberately differ from ../shared's (hidden 128, 2 layers,
4 heads, vocab 1000, 3 labels) so that the two sets do not hide each other's bugs.
"""

import argparse
import json
import math
import os
import random
import shutil
import struct
import sys
import tempfile
import traceback

# ---------------------------------------------------------------------------------------------
# Model fixtures. Every one differs in at least one of hidden size, heads, layers, labels,
# intermediate size, vocab, sequence length, activation or layer-norm epsilon, so that a
# dimension read from the wrong config key, or a constant assumed instead of read, shows up.
# ---------------------------------------------------------------------------------------------
MODEL_SPECS = [
    # name, family, sequence length T of the padded batch (its first row is T long), config
    # Hidden sizes are mostly not multiples of 8 on purpose: vectorised kernels need their tails.
    dict(name="bert", family="bert", T=14, seed=101,
         cfg=dict(vocab_size=100, hidden_size=30, num_attention_heads=3, num_hidden_layers=3,
                  intermediate_size=50, max_position_embeddings=20, hidden_act="gelu",
                  labels=["very_negative", "negative", "neutral", "positive", "very_positive"])),
    # A row that fills the whole position table (T == max_position_embeddings), and ReLU.
    dict(name="bert-relu", family="bert", T=32, seed=102,
         cfg=dict(vocab_size=110, hidden_size=24, num_attention_heads=2, num_hidden_layers=1,
                  intermediate_size=40, max_position_embeddings=32, hidden_act="relu",
                  labels=["no", "yes"])),
    # tanh-approximated GELU, and layer_norm_eps 1e-5 (not BERT's 1e-12) to catch a hard-coded
    # epsilon.
    dict(name="bert-gelu-new", family="bert", T=12, seed=103,
         cfg=dict(vocab_size=120, hidden_size=32, num_attention_heads=4, num_hidden_layers=2,
                  intermediate_size=64, max_position_embeddings=16, hidden_act="gelu_new",
                  layer_norm_eps=1e-5, labels=["a", "b", "c"])),
    # One output, head dim 6.
    dict(name="bert-regression", family="bert", T=10, seed=104,
         cfg=dict(vocab_size=96, hidden_size=24, num_attention_heads=4, num_hidden_layers=2,
                  intermediate_size=44, max_position_embeddings=12, hidden_act="gelu",
                  problem_type="regression", labels=["score"])),
    dict(name="bert-multilabel", family="bert", T=13, seed=105,
         cfg=dict(vocab_size=104, hidden_size=28, num_attention_heads=2, num_hidden_layers=2,
                  intermediate_size=40, max_position_embeddings=16, hidden_act="gelu",
                  problem_type="multi_label_classification",
                  labels=["toxic", "obscene", "threat", "insult"])),
    dict(name="distilbert", family="distilbert", T=12, seed=106,
         cfg=dict(vocab_size=112, dim=32, n_heads=2, n_layers=3, hidden_dim=48,
                  max_position_embeddings=16, activation="gelu",
                  labels=["negative", "neutral", "positive"])),
    dict(name="distilbert-relu", family="distilbert", T=11, seed=107,
         cfg=dict(vocab_size=100, dim=24, n_heads=3, n_layers=2, hidden_dim=40,
                  max_position_embeddings=14, activation="relu", labels=["no", "yes"])),
    # max_position_embeddings = longest row + 2: the longest row's last position id is
    # padding_idx + T = max_position_embeddings - 1, the table's last entry.
    dict(name="roberta", family="roberta", T=28, seed=108,
         cfg=dict(vocab_size=120, hidden_size=24, num_attention_heads=2, num_hidden_layers=2,
                  intermediate_size=48, max_position_embeddings=30, hidden_act="gelu",
                  layer_norm_eps=1e-5, labels=["negative", "neutral", "positive"])),
    # Head dim 13.
    dict(name="xlm-roberta", family="xlm-roberta", T=14, seed=109,
         cfg=dict(vocab_size=130, hidden_size=26, num_attention_heads=2, num_hidden_layers=2,
                  intermediate_size=48, max_position_embeddings=18, hidden_act="gelu",
                  layer_norm_eps=1e-5, labels=["ar", "de", "en", "fr", "ru", "zh"])),
    dict(name="albert", family="albert", T=14, seed=110,
         cfg=dict(vocab_size=120, embedding_size=16, hidden_size=40, num_attention_heads=4,
                  num_hidden_layers=3, num_hidden_groups=1, inner_group_num=1,
                  intermediate_size=56, max_position_embeddings=18, hidden_act="gelu_new",
                  labels=["negative", "neutral", "positive"])),
    # One group per layer: layer i uses group i's weights (no sharing at all).
    dict(name="albert-groups", family="albert", T=12, seed=111,
         cfg=dict(vocab_size=100, embedding_size=20, hidden_size=24, num_attention_heads=2,
                  num_hidden_layers=3, num_hidden_groups=3, inner_group_num=1,
                  intermediate_size=40, max_position_embeddings=16, hidden_act="gelu",
                  labels=["no", "yes"])),
    # embedding_size == hidden_size: transformers builds no embeddings_project.
    dict(name="electra", family="electra", T=13, seed=112,
         cfg=dict(vocab_size=110, embedding_size=28, hidden_size=28, num_attention_heads=2,
                  num_hidden_layers=2, intermediate_size=48, max_position_embeddings=16,
                  hidden_act="gelu", labels=["w", "x", "y", "z"])),
    # Smaller embedding_size (embeddings_project), and an encoder activation (gelu_new) that
    # differs from the one the classification head uses, so a head that reads hidden_act fails.
    dict(name="electra-project", family="electra", T=14, seed=113,
         cfg=dict(vocab_size=120, embedding_size=20, hidden_size=40, num_attention_heads=4,
                  num_hidden_layers=2, intermediate_size=56, max_position_embeddings=18,
                  hidden_act="gelu_new", labels=["negative", "neutral", "positive"])),
]

# Checkpoint-format variants: the "bert" fixture's weights and reference, stored differently.
FORMAT_VARIANTS = ["bert-sharded", "bert-bin", "bert-bin-legacy"]

# Families whose models have token type embeddings of size 2 (pairs get types 0/1).
TYPED_FAMILIES = {"bert", "albert", "electra"}

# ---------------------------------------------------------------------------------------------
# Tokenizer training corpus: small, but with every script the parity texts use, so that the
# trained vocabularies hold real pieces for them (and still miss some characters: [UNK] paths).
# ---------------------------------------------------------------------------------------------
CORPUS = [
    "The committee approved the new budget after a long debate on Tuesday evening.",
    "She sells seashells by the seashore, and the shells she sells are surely seashells.",
    "Machine learning models classify text into categories such as sports, politics or science.",
    "Running, runner, runs and ran are forms of the same word; tokenizers split them differently.",
    "Prices rose 3.5% in March, while unemployment fell to 4.1 percent, the lowest since 2019.",
    "Call me at 555-0123 or e-mail info@example.org before 9:30 a.m. on 12/05/2024.",
    "Don't stop believing; it's never too late to learn something new, isn't it?",
    "The quick brown fox jumps over the lazy dog while the cat watches from the window.",
    "Unbelievable!!! What a match... The home team won 3-2 in extra time.",
    "HTML, CSS and JavaScript: the building blocks of the World Wide Web.",
    "Café au lait, crème brûlée and a piña colada: naïve résumés of a fiancée's soirée.",
    "Le gouvernement français a annoncé de nouvelles mesures pour l'économie et l'emploi.",
    "Où est la bibliothèque ? Elle se trouve à côté de l'hôpital, près du théâtre.",
    "Les élèves étudient l'histoire, la géographie et les mathématiques à l'école.",
    "Die Bundesregierung hat heute neue Maßnahmen für den Klimaschutz beschlossen.",
    "Größere Städte wie München, Köln und Düsseldorf haben viele Fußgängerzonen.",
    "Ich möchte gern ein Stück Käsekuchen und eine Tasse Kaffee, bitte schön.",
    "Über den Wolken muss die Freiheit wohl grenzenlos sein.",
    "Москва — столица России и крупнейший город страны.",
    "Привет, как дела? Всё хорошо, спасибо! А у тебя?",
    "Лев Толстой написал роман «Война и мир» в девятнадцатом веке.",
    "Сегодня погода солнечная, температура около двадцати градусов.",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας και μια από τις αρχαιότερες πόλεις.",
    "Καλημέρα σας! Πώς είστε σήμερα; Ευχαριστώ πολύ.",
    "Ο Σωκράτης ήταν ένας αρχαίος Έλληνας φιλόσοφος.",
    "北京是中华人民共和国的首都，也是一座历史悠久的城市。",
    "我今天很高兴，因为天气很好，我们去公园散步了。",
    "東京は日本の首都です。桜の季節はとても美しいです。",
    "ありがとうございます。またお会いしましょう。カタカナとひらがな。",
    "서울은 대한민국의 수도입니다. 안녕하세요, 반갑습니다.",
    "اللغة العربية هي لغة رسمية في العديد من الدول.",
    "مرحبا بكم في موقعنا، نتمنى لكم يوما سعيدا.",
    "शिक्षा सबसे शक्तिशाली हथियार है जिससे दुनिया बदली जा सकती है।",
    "שלום עולם, מה שלומך היום?",
    "ภาษาไทยเป็นภาษาที่สวยงาม",
    "Tiếng Việt là ngôn ngữ chính thức của Việt Nam.",
    "İstanbul'da hava bugün çok güzel; Şişli ve Beşiktaş kalabalık.",
    "Zażółć gęślą jaźń, powiedział Łukasz w Łodzi.",
    "Emoji are everywhere 😀😃😄 and people love them ❤️👍🎉🔥.",
    "Weather today: ☀️ then 🌧️, tomorrow ⛄ and maybe 🌈.",
    "Family emoji 👨‍👩‍👧 and flags 🇺🇸 🇯🇵 🇧🇷 are sequences of several code points.",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 3.14159 2.71828 1,000,000 42nd 3rd 1st.",
    "Punctuation: ! ? . , ; : - -- --- ( ) [ ] { } < > / \\ | @ # $ % ^ & * _ + = ~ ` ' \".",
    "Quotes “like this” and ‘this’ and «ceci» and „dies“ and 「これ」 are common.",
    "The temperature was −5 °C at 06:00; wind 15 km/h; humidity 80 %.",
    "Ångström, Øresund, Æsir, Þór and Ðeus are Nordic-looking words.",
    "Coöperation, naïveté, Zoë, Brontë and Noël have diaereses.",
    "Español: ¿Dónde está el baño? ¡Muchas gracias, señor Núñez!",
    "Português: não, coração, avô, ação, pão e informação.",
    "Italiano: perché, città, università e caffè.",
    "Nederlands: het ijsje, de gracht en de fiets.",
    "Svenska: smörgåsbord, fika och älg i skogen.",
    "Українська: Київ, їжак, ґанок і пісня.",
    "Български: Здравей, свят! Как си?",
    "Code: for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; } // dot product",
    "URL: https://www.example.com/search?q=tokenizer&lang=en#results",
    "ALL CAPS SENTENCE WITH SHOUTING AND EXCLAMATION MARKS!!!",
    "mixed CaSe WoRdS like iPhone, eBay, McDonald and O'Neill.",
    "Hyphenated state-of-the-art, well-known, twenty-one and re-entry.",
    "A very long word: antidisestablishmentarianism and floccinaucinihilipilification.",
    "The the the the repeated words repeated words repeated.",
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789",
    "Tokenization of subwords: un-happi-ness, re-organ-iz-ation, inter-nation-al-ize.",
    "Classification models predict labels; regression models predict numbers.",
    "The movie was terrible and boring, I want my money back.",
    "What a wonderful day, I loved every minute of the concert!",
    "The service was okay, nothing special, but the food arrived quickly.",
    "Fullwidth ＡＢＣ １２３ and halfwidth ｶﾀｶﾅ appear in Japanese text.",
    "Ligatures ﬁ ﬂ and symbols ™ © ® № ℃ ½ ² ³ are compatibility characters.",
    "Math: ∑ ∫ √ ∞ ≈ ≠ ≤ ≥ ± × ÷ ∂ ∇ α β γ δ ε π σ ω.",
    "Currency: $5, €10, £20, ¥300, ₹450, ₽600, ₩7000, ₿0.01.",
]

# ---------------------------------------------------------------------------------------------
# Tokenizer parity texts. None of these are in ../shared's parity set; they aim at the places a
# reimplementation goes wrong: normalisation (case, accents, NFKC, controls), whitespace kinds,
# CJK splitting, emoji/ZWJ sequences, the 100-character word limit, special-token strings inside
# text, and the empty string.
# ---------------------------------------------------------------------------------------------
LONG_WORD_100 = "abc" * 33 + "a"            # exactly 100 characters: WordPiece still splits it
LONG_WORD_101 = "abc" * 33 + "ab"           # 101 characters: WordPiece gives a single [UNK]
TEXTS = [
    "",
    "The quick brown fox didn't jump; it sat.",
    "Café naïve résumé — déjà vu, coöperate, Zoë & Chloë",
    "Größenwahn und Straßenbahn: Übermäßig ärgerliche Fußgänger!",
    "L'œuvre « Les Misérables » coûte 12,50 € — n'est-ce pas ?",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Ἀρχὴ σοφίας",
    "ΟΔΟΣ ΟΔΥΣΣΕΥΣ σοφός",
    "我能吞下玻璃而不伤身体。",
    "いろはにほへと ちりぬるを、カタカナとﾊﾝｶｸｶﾀｶﾅ",
    "다람쥐 헌 쳇바퀴에 타고파",
    "صِفْ خَلْقَ خَوْدٍ كَمِثْلِ الشَّمْسِ",
    "דג סקרן שט בים מאוכזב",
    "ऋषियों को सताने वाले दुष्ट राक्षसों",
    "เป็นมนุษย์สุดประเสริฐเลิศคุณค่า",
    "I ❤️ NY 🗽🍕 — 10/10 would visit again 👍🏽",
    "Family: 👨‍👩‍👧‍👦 and 🏳️‍🌈 and 👩🏾‍💻 coding",
    "🇩🇪🇫🇷🇯🇵 regional indicators",
    "1️⃣ #️⃣ ©️ ☺︎ ✈️ keycaps and selectors",
    "tab\there\x00null\x07bell\x1bescape\x7fdel end",
    "line1\r\nline2\nline3\x0bvt\x0cff\x85nel\u2028ls\u2029ps",
    "e\u0301 vs \u00e9, a\u0308 vs \u00e4, Z\u0334\u0321\u031ba\u0337l\u0338g\u0335o\u0336",
    "Ｆｕｌｌｗｉｄｔｈ\u3000ｔｅｘｔ\u3000１２３！",
    "100\u00a0km\u202fh\u2009then\u2003em\u3000ideo\u00a0\u00a0\u00a0nbsp",
    "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060wj",
    "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
    "short " + LONG_WORD_100 + " words",
    "short " + LONG_WORD_101 + " words",
    "Wait!!!??? ...... ---- ,,,, ;;;; ''' \"\"\" (((())))",
    "``quoted'' text with `backticks` and ''double singles''",
    "[CLS] hello [SEP] world [MASK] [PAD] [UNK]",
    "<s> roberta </s> <pad> <mask> <unk> tokens",
    "[cls] lowercase [Sep] variants and <S>",
    "prefix[MASK]suffix and x<mask>y and a [SEP][SEP] b",
    "3.14159 2,718 1e-10 0x1F 1_000_000 ½ ¼ ² ³ ①②③ ⅷ",
    "Hello世界Привет مرحبا🌍123abc",
    "Visit https://example.com/path?q=1&r=2#frag or mail a.b+c@d-e.org",
    "def f(x): return x**2 // 3 % 4 != 5 && y || z;",
    "   leading and trailing spaces   ",
    "\t\ttabs\tonly\t\t",
    "     ",
    "\x00\x01\x02",
    "Ǆemal ǅ ǆ ﬁ ﬂ ﬀ ﬃ Å Ω K ℃ ™ № ㎏",
    "İstanbul ıi IĞDIR ŞİŞLİ",
    "STRASSE ẞ straße",
    "Tiếng Việt có dấu: người, được, những",
    "क्\u200dष क्\u200cष",
    "𠀀𠀁 𪚥 and compatibility 﨎 豈",
    "ﾊﾟ ﾋﾞ ｱ ｶﾞ",
    "𝐇𝐞𝐥𝐥𝐨 𝕎𝕠𝕣𝕝𝕕 𝓈𝒸𝓇𝒾𝓅𝓉",
    "\ue000\uf8ff pua \ufffe\uffff nonchars \ufffd replacement",
    "don't won't y'all rock'n'roll ’curly’ ‘quotes’ “double”",
    "state-of-the-art – en — em ‐ hyphen ‑ nb-hyphen − minus",
    "ሰላም ለዓለም Բարեւ Ձեզ გამარჯობა",
    "བོད་ཡིག ᠮᠣᠩᠭᠣᠯ",
    "a",
    "中",
    "🙂",
    "a" * 60,
    "!" * 30,
    "ÀÉÎÕÜ ÇÑ ÅØÆ ŁŚŻ",
    "COVID-19 2019年12月31日 第3回",
    "a\x00b c\ufffdd",
    "Ｈｅｌｌｏ，ｗｏｒｌｄ！",
    "a  b   c    d     e",
    " <s>x </s> y",
    "The committee, after much deliberation, decided that the proposal to extend the "
    "opening hours of the public library would be accepted on a trial basis for six months.",
    "Завтра утром мы поедем на вокзал, чтобы успеть на первый поезд до Санкт-Петербурга.",
]

# Pairs for pairs.jsonl (max_length 24, longest_first). Several are built so that truncation
# must cut unevenly: only the first, only the second, both down to equal length, or one side to
# nothing but what its share allows.
LONG_EN = ("The committee, after much deliberation, decided that the proposal to extend the "
           "opening hours of the public library would be accepted on a trial basis.")
LONG_RU = "Завтра утром мы поедем на вокзал, чтобы успеть на первый поезд до Санкт-Петербурга."
PAIRS = [
    ("Is it raining?", "Yes, it is."),
    (LONG_EN, "Short answer."),
    ("Why?", LONG_EN),
    (LONG_EN, LONG_RU),
    (LONG_RU, "Да."),
    ("", "only the second text"),
    ("only the first text", ""),
    ("Café naïve résumé", "CAFÉ NAÏVE RÉSUMÉ"),
    ("我能吞下玻璃而不伤身体。", "東京は日本の首都です。桜の季節はとても美しいです。"),
    ("[CLS] inside a [SEP]", "<s> and </s> and <mask>"),
    ("Family 👨‍👩‍👧‍👦 emoji", "flags 🇩🇪🇫🇷 and 👍🏽"),
    ("tab\there\x00null", "line1\r\nline2"),
    ("Ｆｕｌｌｗｉｄｔｈ\u3000ｔｅｘｔ", "ﬁ ﬂ ™ ½"),
    ("Pneumonoultramicroscopicsilicovolcanoconiosis" * 3, "long word first"),
    ("short " + LONG_WORD_101, "short " + LONG_WORD_100),
    ("a b c d e f g h i j k l m n o p q r s t u v w x y z", "1 2 3 4 5 6 7 8 9 10 11 12 13"),
    ("one two three four five six seven eight nine ten eleven", "un deux trois"),
    ("صِفْ خَلْقَ خَوْدٍ كَمِثْلِ الشَّمْسِ", "דג סקרן שט בים מאוכזב"),
    ("Wait!!!??? ...... ----", ",,,, ;;;; ''' \"\"\""),
    ("Größenwahn und Straßenbahn: Übermäßig ärgerliche Fußgänger!", "L'œuvre « Les Misérables »"),
    ("   spaces   ", "\u00a0nbsp\u3000ideographic\u2003em"),
    ("x", "y"),
    (LONG_RU + " " + LONG_RU, LONG_EN + " " + LONG_EN),
    ("Hello世界Привет مرحبا🌍123abc", "COVID-19 2019年12月31日 第3回"),
]
PAIR_MAX_LENGTH = 24
TRUNC_MAX_LENGTH = 12


def _words(*runs):
    """The words joined by single spaces, each repeated its count of times."""
    return " ".join(w for word, count in runs for w in [word] * count)


# Pairs for pairs_word_cut.jsonl (max_length 16, an odd budget of 13 for [CLS] A [SEP] B [SEP]):
# both texts too long, so which one keeps the odd token decides the ids. HF tokenizes a text only
# up to the first word boundary at or past max_length, so the answer depends on where words fall
# around that point: words of one token ("x", "y" in bert-uncased), a word of several straddling
# it, and added tokens before or after the stop.
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis"
WORD_CUT_PAIRS = [
    (_words(("x", 30)), _words(("y", 40))),
    (_words(("x", 40)), _words(("y", 30))),
    (_words(("x", 40)), _words(("y", 12), (LONG_WORD, 1), ("y", 5))),
    (_words(("x", 12), (LONG_WORD, 1), ("x", 30)), _words(("y", 25))),
    (_words(("x", 13), ("[MASK]", 1), (LONG_WORD, 1), ("x", 30)), _words(("y", 40))),
    (_words(("x", 14), ("[MASK]", 2), ("x", 30)), _words(("y", 40))),
    (_words(("x", 12), (LONG_WORD, 1), ("[MASK]", 3), ("x", 30)), _words(("y", 12), (LONG_WORD, 1), ("y", 30))),
]
WORD_CUT_MAX_LENGTH = 16

# The five tokenizer fixtures, as in shared/tokenizers (names of our own).
TOKENIZER_FOLDERS = ["bert-uncased", "bert-cased", "albert-spm", "xlmr-spm", "roberta-bpe"]

# A small custom SentencePiece normalisation table for xlmr-spm. albert-spm uses the standard
# nmt_nfkc table (~240 KB, stored twice: in the .model and base64 in tokenizer.json); this one
# keeps the fixture small and checks that the precompiled charsmap is read generically from the
# file rather than replaced by a built-in NFKC. Format: source code points <TAB> target code
# points, hexadecimal, space separated.
def xlmr_norm_rules():
    rules = []
    # Whitespace kinds and line breaks -> U+0020 (SentencePiece then collapses runs of spaces).
    for cp in (0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x2002, 0x2003, 0x2009, 0x202F,
               0x2028, 0x2029, 0x3000):
        rules.append(([cp], [0x20]))
    # Fullwidth ASCII -> ASCII.
    for cp in range(0xFF01, 0xFF5F):
        rules.append(([cp], [cp - 0xFF01 + 0x21]))
    # A few compatibility characters, some mapping to several code points.
    rules += [
        ([0xFB01], [0x66, 0x69]), ([0xFB02], [0x66, 0x6C]), ([0x2026], [0x2E, 0x2E, 0x2E]),
        ([0x2122], [0x54, 0x4D]), ([0x00B2], [0x32]), ([0x00B3], [0x33]), ([0x00BD], [0x31, 0x2044, 0x32]),
        ([0x212B], [0x00C5]), ([0x2126], [0x03A9]), ([0x212A], [0x4B]),
        ([0x2460], [0x31]), ([0x2461], [0x32]), ([0x2462], [0x33]),
        ([0xFF76], [0x30AB]), ([0xFF8A], [0x30CF]), ([0xFF8B], [0x30D2]), ([0xFF71], [0x30A2]),
        # Multi-code-point sources: combining sequences and halfwidth voiced marks compose.
        ([0x65, 0x301], [0xE9]), ([0x61, 0x308], [0xE4]), ([0x6F, 0x308], [0xF6]),
        ([0xFF8A, 0xFF9F], [0x30D1]), ([0xFF8B, 0xFF9E], [0x30D3]), ([0xFF76, 0xFF9E], [0x30AC]),
        # Zero-width characters -> space (a removal rule would need an empty target).
        ([0x200B], [0x20]), ([0xFEFF], [0x20]),
    ]
    return rules


# ---------------------------------------------------------------------------------------------
# Helpers that need no third-party package.
# ---------------------------------------------------------------------------------------------
def log(*a):
    print(*a, flush=True)


def dump_jsonl_line(obj):
    # ensure_ascii=False keeps the texts readable; U+0085/U+2028/U+2029 are escaped anyway
    # because some line readers (Python's str.splitlines, JavaScript) treat them as line breaks.
    s = json.dumps(obj, ensure_ascii=False)
    return s.replace("\u0085", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def batch_rows(family, vocab_size, T, seed):
    """The padded batch: 4 rows of distinct lengths, the first exactly T long. Rows 0 and 2 are
    sentence pairs; families with token types get types 0/1 there."""
    rng = random.Random(seed)
    if family in ("roberta", "xlm-roberta"):
        cls_id, sep_id, pad_id, lo = 0, 2, 1, 4      # <s>, </s>, <pad>; content avoids 0..3
    else:
        cls_id, sep_id, pad_id, lo = 2, 3, 0, 5      # [CLS], [SEP], [PAD]
    lengths = [T, max(5, (T * 3 + 4) // 5), max(4, (T * 3 + 7) // 8), 3]
    for i in range(1, 4):                            # keep them distinct for tiny T
        while lengths[i] in lengths[:i]:
            lengths[i] -= 1
    typed = family in TYPED_FAMILIES
    rows = []
    for r, n in enumerate(lengths):
        is_pair = r in (0, 2) and n >= 6
        if not is_pair:
            ids = [cls_id] + [rng.randrange(lo, vocab_size) for _ in range(n - 2)] + [sep_id]
            types = [0] * n
        elif family in ("roberta", "xlm-roberta"):
            # <s> A </s></s> B </s>
            na = (n - 4) // 2
            nb = n - 4 - na
            ids = ([cls_id] + [rng.randrange(lo, vocab_size) for _ in range(na)] + [sep_id, sep_id]
                   + [rng.randrange(lo, vocab_size) for _ in range(nb)] + [sep_id])
            types = [0] * n
        else:
            # [CLS] A [SEP] B [SEP]; the split point differs from the middle on purpose
            na = (n - 3) // 2 + 1
            nb = n - 3 - na
            ids = ([cls_id] + [rng.randrange(lo, vocab_size) for _ in range(na)] + [sep_id]
                   + [rng.randrange(lo, vocab_size) for _ in range(nb)] + [sep_id])
            types = [0] * (na + 2) + [1] * (nb + 1) if typed else [0] * n
        rows.append((ids, types))
    input_ids = [ids + [pad_id] * (T - len(ids)) for ids, _ in rows]
    token_types = [t + [0] * (T - len(t)) for _, t in rows]
    mask = [[1] * len(ids) + [0] * (T - len(ids)) for ids, _ in rows]
    return input_ids, mask, token_types


def spec_sizes(spec):
    """Rough parameter count and reference size for --plan (bytes, f32)."""
    c = spec["cfg"]
    fam = spec["family"]
    nl = len(c["labels"])
    if fam == "distilbert":
        H, L, I, nh = c["dim"], c["n_layers"], c["hidden_dim"], c["n_heads"]
        E = H
        params = c["vocab_size"] * H + c["max_position_embeddings"] * H + 2 * H
        params += L * (4 * (H * H + H) + H * I + I + I * H + H + 4 * H)
        params += H * H + H + H * nl + nl
    else:
        H, L, I, nh = c["hidden_size"], c["num_hidden_layers"], c["intermediate_size"], c["num_attention_heads"]
        E = c.get("embedding_size", H)
        types = 1 if fam in ("roberta", "xlm-roberta") else 2
        params = (c["vocab_size"] + c["max_position_embeddings"] + types) * E + 2 * E
        if E != H:
            params += E * H + H
        layer = 4 * (H * H + H) + H * I + I + I * H + H + 4 * H
        groups = c.get("num_hidden_groups", L) if fam == "albert" else L
        params += groups * layer
        params += H * H + H + H * nl + nl
    T, B = spec["T"], 4
    ref = B * T * H * (L + 1) * 4 + B * nh * T * T * L * 4 + 3 * B * T * 8 + B * nl * 4
    return params, params * 4, ref


# ---------------------------------------------------------------------------------------------
# Generation (needs torch, transformers, tokenizers, sentencepiece, safetensors).
# ---------------------------------------------------------------------------------------------
class Gen:
    def __init__(self, out):
        import numpy as np
        import torch
        import transformers
        import tokenizers
        import safetensors
        self.np, self.torch, self.tf = np, torch, transformers
        self.out = out
        self.notes = []          # facts worth reporting (behaviour the fixtures pin down)
        self.errors = []
        log("versions: torch", torch.__version__, "transformers", transformers.__version__,
            "tokenizers", tokenizers.__version__, "safetensors", safetensors.__version__)
        try:
            import sentencepiece
            log("sentencepiece", sentencepiece.__version__)
        except Exception as e:  # noqa: BLE001
            log("sentencepiece import failed:", e)
        torch.set_num_threads(1)    # deterministic reductions, and nothing here is big
        # For the record (and for fixing this script when transformers changes its API).
        import inspect
        for cname in ("BertTokenizer", "AlbertTokenizer", "XLMRobertaTokenizer", "RobertaTokenizer"):
            c = getattr(transformers, cname, None)
            try:
                log(f"{cname}: {c and c.__mro__[1].__name__} {c and inspect.signature(c.__init__)}")
            except Exception as e:  # noqa: BLE001
                log(f"{cname}: {e!r}")

    def note(self, msg):
        log("NOTE:", msg)
        self.notes.append(msg)

    def step(self, what, fn, *a, **kw):
        """Runs one fixture; a failure is logged and the rest still get made."""
        try:
            return fn(*a, **kw)
        except Exception:  # noqa: BLE001
            tb = traceback.format_exc()
            log(f"ERROR in {what}:\n{tb}")
            self.errors.append((what, tb.strip().splitlines()[-1]))
            return None

    # -- models ----------------------------------------------------------------------------
    def make_config(self, spec):
        tf = self.tf
        c = dict(spec["cfg"])
        labels = c.pop("labels")
        fam = spec["family"]
        common = dict(id2label={i: l for i, l in enumerate(labels)},
                      label2id={l: i for i, l in enumerate(labels)})
        if fam == "distilbert":
            cfg = tf.DistilBertConfig(dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0,
                                      pad_token_id=0, **common, **c)
        else:
            drop = dict(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
            if fam == "bert":
                cfg = tf.BertConfig(pad_token_id=0, type_vocab_size=2, **drop, **common, **c)
            elif fam == "roberta":
                cfg = tf.RobertaConfig(pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                       type_vocab_size=1, **drop, **common, **c)
            elif fam == "xlm-roberta":
                cfg = tf.XLMRobertaConfig(pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                          type_vocab_size=1, **drop, **common, **c)
            elif fam == "albert":
                cfg = tf.AlbertConfig(pad_token_id=0, bos_token_id=2, eos_token_id=3,
                                      type_vocab_size=2, classifier_dropout_prob=0.0,
                                      **drop, **common, **c)
            elif fam == "electra":
                cfg = tf.ElectraConfig(pad_token_id=0, type_vocab_size=2, **drop, **common, **c)
            else:
                raise ValueError(fam)
        if "problem_type" in c:
            cfg.problem_type = c["problem_type"]
        return cfg

    def model_class(self, fam):
        tf = self.tf
        return {"bert": tf.BertForSequenceClassification,
                "distilbert": tf.DistilBertForSequenceClassification,
                "roberta": tf.RobertaForSequenceClassification,
                "xlm-roberta": tf.XLMRobertaForSequenceClassification,
                "albert": tf.AlbertForSequenceClassification,
                "electra": tf.ElectraForSequenceClassification}[fam]

    def build_model(self, fam, cfg, seed):
        torch, tf = self.torch, self.tf
        cls = self.model_class(fam)
        # Eager attention: the reference must hold the softmax probabilities of each layer.
        attempts = [
            ("_from_config", lambda: cls._from_config(cfg, attn_implementation="eager")),
            ("AutoModel.from_config",
             lambda: tf.AutoModelForSequenceClassification.from_config(cfg, attn_implementation="eager")),
            ("constructor", lambda: (setattr(cfg, "_attn_implementation", "eager"), cls(cfg))[1]),
        ]
        errs = []
        model = None
        for label, make in attempts:
            torch.manual_seed(seed)
            try:
                model = make()
                break
            except Exception as e:  # noqa: BLE001
                errs.append(f"{label}: {e!r}")
        if model is None:
            raise RuntimeError("could not build the model: " + "; ".join(errs))
        if type(model) is not cls:
            raise RuntimeError(f"built {type(model).__name__}, expected {cls.__name__}")
        if hasattr(model, "set_attn_implementation"):
            try:
                model.set_attn_implementation("eager")
            except Exception as e:  # noqa: BLE001
                log("set_attn_implementation failed (ignored):", e)
        model = model.float().eval()
        impl = getattr(model.config, "_attn_implementation", None)
        if impl not in (None, "eager"):
            raise RuntimeError(f"attention implementation is {impl!r}, not eager")
        self.perturb(model, seed)
        return model

    def perturb(self, model, seed):
        """Moves every parameter away from its initial value: LayerNorm gammas (init 1) to 1 +/- 0.2,
        biases and betas (init 0) by 0.1, matrices by N(0, 1/fan_in) so that attention is far from
        uniform and activations cover both signs of GELU/ReLU."""
        torch = self.torch
        g = torch.Generator().manual_seed(seed * 7919 + 17)
        with torch.no_grad():
            for name, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
                before = p.detach().clone()
                if p.dim() >= 2:
                    std = 1.0 / math.sqrt(p.shape[-1])
                elif bool((before == 1).all()):
                    std = 0.2
                else:
                    std = 0.1
                p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * std)
                if bool((p == before).any()):
                    raise RuntimeError(f"{name}: some values kept their initial value")

    def forward(self, model, fam, input_ids, mask, types):
        torch = self.torch
        kw = dict(input_ids=torch.tensor(input_ids, dtype=torch.int64),
                  attention_mask=torch.tensor(mask, dtype=torch.int64))
        if fam != "distilbert":
            kw["token_type_ids"] = torch.tensor(types, dtype=torch.int64)
        with torch.no_grad():
            out = model(**kw, output_hidden_states=True, output_attentions=True)
        return out

    def reference_tensors(self, out, input_ids, mask, types, n_layers):
        torch = self.torch
        hs, at = out.hidden_states, out.attentions
        if hs is None or at is None:
            raise RuntimeError("model returned no hidden_states/attentions")
        if len(hs) != n_layers + 1 or len(at) != n_layers:
            raise RuntimeError(f"got {len(hs)} hidden states and {len(at)} attentions for {n_layers} layers")
        t = {"input_ids": torch.tensor(input_ids, dtype=torch.int64),
             "attention_mask": torch.tensor(mask, dtype=torch.int64),
             "token_type_ids": torch.tensor(types, dtype=torch.int64),
             "logits": out.logits.detach().float().contiguous()}
        for i, h in enumerate(hs):
            t[f"hidden_states.{i}"] = h.detach().float().contiguous()
        for i, a in enumerate(at):
            t[f"attentions.{i}"] = a.detach().float().contiguous()
        # Sanity: probabilities sum to 1 and padded keys get (almost) nothing.
        m = t["attention_mask"]
        for i, a in enumerate(at):
            s = a.sum(-1)
            if float((s - 1).abs().max()) > 1e-4:
                raise RuntimeError(f"attention {i} rows do not sum to 1")
            padded = a * (1 - m)[:, None, None, :].float()
            if float(padded.max()) > 1e-6:
                raise RuntimeError(f"attention {i} puts weight on padded keys")
        return t

    def check_embeddings(self, name, fam, model, t):
        """Recomputes hidden_states.0 by hand to record what it is (and, for RoBERTa, which
        position ids are used). Logged only."""
        torch = self.torch
        try:
            with torch.no_grad():
                self._check_embeddings(name, fam, model, t)
        except Exception as ex:  # noqa: BLE001
            log(f"{name}: embedding check skipped: {ex!r}")

    def _check_embeddings(self, name, fam, model, t):
        torch = self.torch
        ids, m, tt = t["input_ids"], t["attention_mask"], t["token_type_ids"]
        h0 = t["hidden_states.0"]
        base = getattr(model, model.base_model_prefix)
        e = base.embeddings
        if fam == "distilbert":
            pos = torch.arange(ids.shape[1])[None, :].expand_as(ids)
            x = e.word_embeddings(ids) + e.position_embeddings(pos)
            x = e.LayerNorm(x)
        else:
            if fam in ("roberta", "xlm-roberta"):
                pad = model.config.pad_token_id
                nonpad = (ids != pad).long()
                pos = torch.cumsum(nonpad, dim=1) * nonpad + pad
            else:
                pos = torch.arange(ids.shape[1])[None, :].expand_as(ids)
            x = e.word_embeddings(ids) + e.position_embeddings(pos) + e.token_type_embeddings(tt)
            x = e.LayerNorm(x)
            if fam == "electra" and hasattr(base, "embeddings_project"):
                x = base.embeddings_project(x)
            if fam == "albert":
                x = base.encoder.embedding_hidden_mapping_in(x)
        real = m.bool()
        d = float((x - h0).abs()[real].max())
        self.note(f"{name}: hidden_states.0 shape {list(h0.shape)}; recomputed "
                  f"{'LN(word+pos)' if fam == 'distilbert' else 'LN(word+pos+type)'}"
                  f"{' -> embeddings_project' if fam == 'electra' and hasattr(base, 'embeddings_project') else ''}"
                  f"{' -> embedding_hidden_mapping_in' if fam == 'albert' else ''}"
                  f"{' with position ids padding_idx+1+i' if fam in ('roberta', 'xlm-roberta') else ''}"
                  f": max diff {d:.2e}")

    def describe_head(self, name, fam, model):
        try:
            if fam == "electra":
                head = model.classifier
                act = getattr(head, "activation", None)
                self.note(f"{name}: ELECTRA head activation is {act!r} "
                          f"(config hidden_act={model.config.hidden_act!r}); "
                          f"embeddings_project present: {hasattr(model.electra, 'embeddings_project')}")
            elif fam == "distilbert":
                self.note(f"{name}: DistilBERT head = pre_classifier {tuple(model.pre_classifier.weight.shape)} "
                          f"+ ReLU + classifier {tuple(model.classifier.weight.shape)} on token 0")
            elif fam in ("roberta", "xlm-roberta"):
                self.note(f"{name}: head = {type(model.classifier).__name__} "
                          f"(dense {tuple(model.classifier.dense.weight.shape)} + tanh + out_proj), "
                          f"padding_idx {model.config.pad_token_id}")
        except Exception as ex:  # noqa: BLE001
            log(f"{name}: head description skipped: {ex!r}")

    def save_reference(self, tensors, path):
        from safetensors.torch import save_file
        save_file(tensors, path)

    def model_fixture(self, spec):
        name, fam, T = spec["name"], spec["family"], spec["T"]
        d = os.path.join(self.out, "reference", name)
        os.makedirs(d, exist_ok=True)
        cfg = self.make_config(spec)
        model = self.build_model(fam, cfg, spec["seed"])
        input_ids, mask, types = batch_rows(fam, spec["cfg"]["vocab_size"], T, spec["seed"])
        out = self.forward(model, fam, input_ids, mask, types)
        n_layers = spec["cfg"].get("num_hidden_layers", spec["cfg"].get("n_layers"))
        t = self.reference_tensors(out, input_ids, mask, types, n_layers)
        model.save_pretrained(d)
        self.save_reference(t, os.path.join(d, "reference.safetensors"))
        self.check_embeddings(name, fam, model, t)
        self.describe_head(name, fam, model)
        # Reload what was written: the checkpoint on disk must give the same logits.
        self.check_reload(name, fam, d, t)
        log(f"{name}: T={T} logits {list(t['logits'].shape)} "
            f"hidden {list(t['hidden_states.0'].shape)} x{n_layers + 1} "
            f"attn {list(t['attentions.0'].shape)} x{n_layers}")
        return model, t

    def check_reload(self, name, fam, d, t):
        """Loads the folder back with transformers: the files on disk must give the reference."""
        torch = self.torch
        cls = self.model_class(fam)
        try:
            m2 = cls.from_pretrained(d, attn_implementation="eager")
        except TypeError:
            m2 = cls.from_pretrained(d)
        m2.eval()
        kw = dict(input_ids=t["input_ids"], attention_mask=t["attention_mask"])
        if fam != "distilbert":
            kw["token_type_ids"] = t["token_type_ids"]
        with torch.no_grad():
            lg = m2(**kw).logits
        diff = float((lg - t["logits"]).abs().max())
        log(f"{name}: reloaded from disk, logits max diff {diff:.2e}")
        if diff > 1e-5:
            raise RuntimeError(f"{name}: reloaded checkpoint differs ({diff})")

    def format_variants(self, model, t):
        """bert-sharded / bert-bin / bert-bin-legacy: the "bert" weights in other file formats,
        with the very same config and reference."""
        torch = self.torch
        src = os.path.join(self.out, "reference", "bert")
        for name in FORMAT_VARIANTS:
            d = os.path.join(self.out, "reference", name)
            os.makedirs(d, exist_ok=True)
            if name == "bert-sharded":
                self.step(name, self.write_sharded, model, d)
            else:
                shutil.copy(os.path.join(src, "config.json"), d)
                sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
                path = os.path.join(d, "pytorch_model.bin")
                if name == "bert-bin":
                    torch.save(sd, path)
                else:
                    torch.save(sd, path, _use_new_zipfile_serialization=False)
            shutil.copy(os.path.join(src, "reference.safetensors"), d)
            self.step(name + " reload", self.check_reload, name, "bert", d, t)
            log(name, sorted(os.listdir(d)))

    def write_sharded(self, model, d):
        # transformers' own sharding, with a shard size small enough for several files.
        try:
            model.save_pretrained(d, max_shard_size="64KB")
        except Exception as e:  # noqa: BLE001
            log(f"bert-sharded: save_pretrained(max_shard_size=...) failed: {e!r}")
        files = sorted(os.listdir(d))
        shards = [f for f in files if f.startswith("model-") and f.endswith(".safetensors")]
        if "model.safetensors.index.json" in files and len(shards) >= 2:
            self.note(f"bert-sharded: save_pretrained(max_shard_size='64KB') wrote {len(shards)} shards")
            return
        # Fallback: the same layout by hand (names, index format and metadata as transformers').
        from safetensors.torch import save_file
        for f in files:
            os.remove(os.path.join(d, f))
        model.config.save_pretrained(d)
        sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        names = list(sd)
        n = 3
        groups = [names[i * len(names) // n:(i + 1) * len(names) // n] for i in range(n)]
        weight_map, total = {}, 0
        for i, g in enumerate(groups):
            fn = f"model-{i + 1:05d}-of-{n:05d}.safetensors"
            save_file({k: sd[k] for k in g}, os.path.join(d, fn), metadata={"format": "pt"})
            for k in g:
                weight_map[k] = fn
                total += sd[k].numel() * sd[k].element_size()
        write_json(os.path.join(d, "model.safetensors.index.json"),
                   {"metadata": {"total_size": total}, "weight_map": weight_map})
        self.note(f"bert-sharded: save_pretrained did not shard ({files}); wrote {n} shards by hand")

    # -- end-to-end model with a real tokenizer ---------------------------------------------
    E2E_CORPUS = [
        "the food was great and the service was friendly",
        "the match ended in a draw after extra time",
        "the new phone has a fast processor and a bright screen",
        "i loved the pasta but the dessert was too sweet",
        "the team scored twice in the second half",
        "this laptop battery lasts all day",
        "the restaurant was noisy and the soup was cold",
        "the coach praised the players after the game",
        "the software update fixed many bugs",
        "fresh bread, cheese and olives for breakfast",
        "the striker missed a penalty in the final minute",
        "cloud computing lets companies rent servers",
        "we ordered pizza, salad and lemonade",
        "the tennis final lasted almost five hours",
        "the app crashes when i open the camera",
        "spicy noodles with chicken and vegetables",
        "the goalkeeper saved three shots",
        "a faster network makes video calls smoother",
        "the chef recommended the grilled fish",
        "the runners crossed the finish line together",
        "programmers write code and tests every day",
        "chocolate cake with strawberries and cream",
        "the referee showed a red card",
        "the robot vacuum cleans the whole apartment",
        "breakfast, lunch and dinner were delicious",
        "the cyclists climbed the mountain pass",
        "machine learning models need a lot of data",
        "tea or coffee? coffee, please, with milk",
        "the basketball season starts in october",
        "update your password regularly to stay safe",
        # Punctuation and digits, so that they get pieces of their own rather than [UNK].
        "punctuation . , ! ? ; : ' \" ( ) - / and digits 0 1 2 3 4 5 6 7 8 9 10 100",
        "what a goal! is it over? yes. no, not yet: one more minute (maybe two).",
    ]
    E2E_TEXTS = [
        ("The food was great!", None),
        ("The striker scored a late goal.", None),
        ("My new laptop crashes every day.", None),
        ("Is the soup spicy?", "Yes, very spicy."),
        ("The coach praised the team.", "The players celebrated."),
        ("UNKNOWN words like zyxwv and qqq appear here", None),
        ("Café crème brûlée", None),
        ("", None),
        ("pizza", "pasta"),
        ("The app update fixed the camera bug, but the battery still drains fast.", None),
        ("the the the the the", None),
        ("Tennis, basketball and cycling are sports.", None),
        ("Coffee with milk, please!!!", None),
        ("The referee showed a red card in the final minute of extra time, and the fans were "
         "furious because the match was already decided.", None),
        ("Which is better for breakfast?", "Bread with cheese and olives, or cake with cream?"),
        ("我 loves 寿司 🍣", None),
        ("Programmers write tests.", "Robots clean apartments."),
        ("[CLS] inside text [SEP]", None),
        ("  extra   spaces   ", None),
        ("network servers and cloud computing", "fast video calls"),
    ]

    def e2e_fixture(self):
        tf, torch = self.tf, self.torch
        name = "bert-with-tokenizer"
        d = os.path.join(self.out, "reference", name)
        os.makedirs(d, exist_ok=True)
        vocab = train_wordpiece(self.E2E_CORPUS, lowercase=True, vocab_size=400)
        with tempfile.TemporaryDirectory() as stage:
            write_vocab_txt(vocab, os.path.join(stage, "vocab.txt"))
            write_json(os.path.join(stage, "tokenizer_config.json"),
                       {"tokenizer_class": "BertTokenizer", "do_lower_case": True})
            tok, how = self.load_hf_tokenizer(
                ["BertTokenizer", "BertTokenizerFast"], stage,
                self.bert_attempts(stage, vocab, True), self.sample_expect(vocab))
            log(f"{name}: tokenizer via {how}")
            tok.save_pretrained(d)
            if not os.path.exists(os.path.join(d, "vocab.txt")):
                shutil.copy(os.path.join(stage, "vocab.txt"), d)
        tok = tf.AutoTokenizer.from_pretrained(d)
        log(f"{name}: AutoTokenizer -> {type(tok).__name__}, vocab {len(tok)}")
        spec = dict(name=name, family="bert", T=None, seed=120,
                    cfg=dict(vocab_size=max(len(vocab), len(tok)), hidden_size=24, num_attention_heads=2,
                             num_hidden_layers=2, intermediate_size=48,
                             max_position_embeddings=64, hidden_act="gelu",
                             labels=["food", "sports", "tech"]))
        cfg = self.make_config(spec)
        model = self.build_model("bert", cfg, spec["seed"])
        model.save_pretrained(d)
        records = []
        for text, pair in self.E2E_TEXTS:
            enc = tok(text, pair) if pair is not None else tok(text)
            ids = list(enc["input_ids"])
            tt = list(enc["token_type_ids"])
            if len(ids) > cfg.max_position_embeddings:
                raise RuntimeError(f"text too long for the model: {text!r}")
            with torch.no_grad():
                lg = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([tt]),
                           attention_mask=torch.ones(1, len(ids), dtype=torch.int64)).logits[0]
            lg = [float(x) for x in lg]
            records.append({"text": text, "text_pair": pair, "input_ids": ids,
                            "token_type_ids": tt, "logits": lg,
                            "label": cfg.id2label[int(max(range(len(lg)), key=lambda i: lg[i]))]})
        with open(os.path.join(d, "texts.jsonl"), "w", encoding="utf-8") as f:
            for r in records:
                f.write(dump_jsonl_line(r) + "\n")
        # The padded-batch reference, like every other fixture: four of the texts, batched.
        pick = [self.E2E_TEXTS[i] for i in (3, 0, 9, 7)]   # a pair, short, longer, empty
        firsts = [a for a, _ in pick]
        seconds = [b for _, b in pick]
        batch_ids, batch_types, batch_mask = [], [], []
        for a, b in zip(firsts, seconds):
            enc = tok(a, b) if b is not None else tok(a)
            batch_ids.append(list(enc["input_ids"]))
            batch_types.append(list(enc["token_type_ids"]))
        T = max(len(x) for x in batch_ids)
        pad = tok.pad_token_id
        batch_mask = [[1] * len(x) + [0] * (T - len(x)) for x in batch_ids]
        batch_types = [x + [0] * (T - len(x)) for x in batch_types]
        batch_ids = [x + [pad] * (T - len(x)) for x in batch_ids]
        out = self.forward(model, "bert", batch_ids, batch_mask, batch_types)
        t = self.reference_tensors(out, batch_ids, batch_mask, batch_types, 2)
        self.save_reference(t, os.path.join(d, "reference.safetensors"))
        # Each row of the batch must match the same text run alone (padding must not leak).
        for r, (a, b) in enumerate(pick):
            alone = next(x for x in records if x["text"] == a and x["text_pair"] == b)
            diff = max(abs(p - q) for p, q in zip(alone["logits"], t["logits"][r].tolist()))
            log(f"{name}: batch row {r} vs alone: logits max diff {diff:.2e}")
        self.check_reload(name, "bert", d, t)
        log(f"{name}: {len(records)} texts, vocab {len(vocab)}, batch T={T}; files {sorted(os.listdir(d))}")

    # -- tokenizers ----------------------------------------------------------------------------
    def load_hf_tokenizer(self, class_names, stage, attempts, expect):
        """Builds a transformers tokenizer from raw vocabulary files in `stage`.

        from_pretrained on a folder holding only the raw files (vocab.txt, spiece.model, ...) is
        what happens for older hub checkpoints, so it comes first; the constructors are
        fallbacks. `expect` maps tokens to the ids they must have: a constructor that silently
        ignored its vocabulary argument would otherwise give a plausible but wrong tokenizer."""
        tf = self.tf
        errs = []
        for cname in class_names:
            cls = getattr(tf, cname, None)
            if cls is None:
                errs.append(f"{cname}: missing")
                continue
            for label, make in [("from_pretrained(raw files)", lambda: cls.from_pretrained(stage))] + attempts:
                try:
                    tok = make(cls) if label != "from_pretrained(raw files)" else make()
                except Exception as e:  # noqa: BLE001
                    errs.append(f"{cname}.{label}: {e!r}")
                    continue
                bad = {t: (tok.convert_tokens_to_ids(t), i) for t, i in expect.items()
                       if tok.convert_tokens_to_ids(t) != i}
                if bad:
                    errs.append(f"{cname}.{label}: wrong ids {dict(list(bad.items())[:5])}")
                    continue
                return tok, f"{cname}.{label}"
        raise RuntimeError("could not build tokenizer:\n  " + "\n  ".join(errs))

    @staticmethod
    def sample_expect(vocab, offset=0, k=40):
        """A deterministic sample of (token -> id) pairs, specials and ordinary pieces."""
        items = sorted(vocab.items(), key=lambda kv: kv[1])
        step = max(1, len(items) // k)
        return {t: i + offset for t, i in items[::step]}

    @staticmethod
    def bert_attempts(stage, vocab, lowercase):
        vf = os.path.join(stage, "vocab.txt")
        return [("__init__(vocab_file=...)", lambda c: c(vocab_file=vf, do_lower_case=lowercase)),
                ("__init__(vocab={...})", lambda c: c(vocab=dict(vocab), do_lower_case=lowercase))]

    def tok_bert(self, folder, lowercase):
        d = os.path.join(self.out, "tokenizers", folder)
        os.makedirs(d, exist_ok=True)
        vocab = train_wordpiece(CORPUS, lowercase=lowercase, vocab_size=900)
        with tempfile.TemporaryDirectory() as stage:
            write_vocab_txt(vocab, os.path.join(stage, "vocab.txt"))
            write_json(os.path.join(stage, "tokenizer_config.json"),
                       {"tokenizer_class": "BertTokenizer", "do_lower_case": lowercase})
            tok, how = self.load_hf_tokenizer(
                ["BertTokenizer", "BertTokenizerFast"], stage,
                self.bert_attempts(stage, vocab, lowercase), self.sample_expect(vocab))
            tok.save_pretrained(d)
            if not os.path.exists(os.path.join(d, "vocab.txt")):
                shutil.copy(os.path.join(stage, "vocab.txt"), d)
        log(f"{folder}: vocab {len(vocab)} via {how}; files {sorted(os.listdir(d))}")

    def train_spm(self, stage, prefix, **kw):
        """Trains a unigram SentencePiece model as stage/prefix.model. The trainer records its
        input and output paths inside the model, so it runs in `stage` with relative paths:
        otherwise every run would write a different temporary folder name into the file."""
        import sentencepiece as spm
        if hasattr(spm, "set_random_generator_seed"):
            spm.set_random_generator_seed(1234)
        cwd = os.getcwd()
        os.chdir(stage)
        try:
            with open(prefix + ".txt", "w", encoding="utf-8") as f:
                for line in CORPUS:
                    f.write(line + "\n")
            args = dict(input=prefix + ".txt", model_prefix=prefix, model_type="unigram",
                        num_threads=1, hard_vocab_limit=False, input_sentence_size=0,
                        shuffle_input_sentence=False, minloglevel=2)
            args.update(kw)
            spm.SentencePieceTrainer.train(**args)
            for ext in (".txt", ".vocab"):
                if os.path.exists(prefix + ext):
                    os.remove(prefix + ext)
            return spm.SentencePieceProcessor(model_file=os.path.join(stage, prefix + ".model"))
        finally:
            os.chdir(cwd)

    def tok_albert(self):
        folder = "albert-spm"
        d = os.path.join(self.out, "tokenizers", folder)
        os.makedirs(d, exist_ok=True)
        with tempfile.TemporaryDirectory() as stage:
            # ALBERT's conventions: <pad>=0, <unk>=1, [CLS]=2, [SEP]=3, [MASK]=4, standard NFKC.
            sp = self.train_spm(stage, "spiece", vocab_size=700,
                                character_coverage=0.9995, normalization_rule_name="nmt_nfkc",
                                pad_id=0, unk_id=1, bos_id=2, eos_id=3, pad_piece="<pad>",
                                unk_piece="<unk>", bos_piece="[CLS]", eos_piece="[SEP]",
                                control_symbols="[MASK]")
            write_json(os.path.join(stage, "tokenizer_config.json"),
                       {"tokenizer_class": "AlbertTokenizer", "do_lower_case": True,
                        "keep_accents": False})
            pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
            vf = os.path.join(stage, "spiece.model")
            tok, how = self.load_hf_tokenizer(
                ["AlbertTokenizer", "AlbertTokenizerFast"], stage,
                [("__init__(vocab_file=...)",
                  lambda c: c(vocab_file=vf, do_lower_case=True, keep_accents=False)),
                 ("__init__(vocab=[(piece, score)])",
                  lambda c: c(vocab=pieces, unk_id=1, do_lower_case=True, keep_accents=False))],
                self.sample_expect({p: i for i, (p, _) in enumerate(pieces)}))
            self.check_charsmap(folder, tok)
            tok.save_pretrained(d)
            if not os.path.exists(os.path.join(d, "spiece.model")):
                shutil.copy(os.path.join(stage, "spiece.model"), d)
        log(f"{folder}: {sp.get_piece_size()} pieces via {how}; files {sorted(os.listdir(d))}")

    def check_charsmap(self, folder, tok):
        """Records whether the converted tokenizer kept SentencePiece's precompiled charsmap."""
        try:
            js = tok.backend_tokenizer.to_str()
            self.note(f"{folder}: converted tokenizer has a Precompiled normalizer: {'Precompiled' in js}")
        except Exception as e:  # noqa: BLE001
            log(f"{folder}: charsmap check skipped: {e!r}")

    def tok_xlmr(self):
        folder = "xlmr-spm"
        d = os.path.join(self.out, "tokenizers", folder)
        os.makedirs(d, exist_ok=True)
        with tempfile.TemporaryDirectory() as stage:
            tsv = "rules.tsv"    # relative to stage, where train_spm runs
            with open(os.path.join(stage, tsv), "w", encoding="utf-8") as f:
                for src, dst in xlmr_norm_rules():
                    f.write(" ".join("%X" % c for c in src) + "\t" + " ".join("%X" % c for c in dst) + "\n")
            # XLM-R's conventions: SentencePiece's own <unk>=0, <s>=1, </s>=2, no <pad>; the
            # tokenizer shifts everything by the fairseq offset.
            base = dict(vocab_size=600, character_coverage=1.0, unk_id=0, bos_id=1, eos_id=2,
                        pad_id=-1)
            try:
                sp = self.train_spm(stage, "sentencepiece.bpe", normalization_rule_tsv=tsv, **base)
                self.note("xlmr-spm: custom normalisation table (%d rules) via normalization_rule_tsv"
                          % len(xlmr_norm_rules()))
            except Exception as e:  # noqa: BLE001
                self.note(f"xlmr-spm: custom normalisation table failed ({e!r}); using nmt_nfkc")
                sp = self.train_spm(stage, "sentencepiece.bpe", normalization_rule_name="nmt_nfkc", **base)
            os.remove(os.path.join(stage, tsv))
            write_json(os.path.join(stage, "tokenizer_config.json"),
                       {"tokenizer_class": "XLMRobertaTokenizer"})
            pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
            vf = os.path.join(stage, "sentencepiece.bpe.model")
            # fairseq ids: <s>=0 <pad>=1 </s>=2 <unk>=3, then SentencePiece's pieces shifted by 1.
            expect = self.sample_expect({p: i for i, (p, _) in enumerate(pieces) if i >= 3}, offset=1)
            expect.update({"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3})
            tok, how = self.load_hf_tokenizer(
                ["XLMRobertaTokenizer", "XLMRobertaTokenizerFast"], stage,
                [("__init__(vocab_file=...)", lambda c: c(vocab_file=vf))], expect)
            self.check_charsmap(folder, tok)
            tok.save_pretrained(d)
            if not os.path.exists(os.path.join(d, "sentencepiece.bpe.model")):
                shutil.copy(os.path.join(stage, "sentencepiece.bpe.model"), d)
        log(f"{folder}: {sp.get_piece_size()} pieces via {how}; files {sorted(os.listdir(d))}")

    def tok_roberta(self):
        from tokenizers import ByteLevelBPETokenizer
        folder = "roberta-bpe"
        d = os.path.join(self.out, "tokenizers", folder)
        os.makedirs(d, exist_ok=True)
        bpe = ByteLevelBPETokenizer()
        bpe.train_from_iterator(CORPUS, vocab_size=900, min_frequency=2, show_progress=False,
                                special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
        with tempfile.TemporaryDirectory() as stage:
            bpe.save_model(stage)
            write_json(os.path.join(stage, "tokenizer_config.json"),
                       {"tokenizer_class": "RobertaTokenizer"})
            vf, mf = os.path.join(stage, "vocab.json"), os.path.join(stage, "merges.txt")
            vocab = bpe.get_vocab()
            merges = [tuple(line.split(" ")) for line in open(mf, encoding="utf-8").read().splitlines()
                      if line and not line.startswith("#version")]
            tok, how = self.load_hf_tokenizer(
                ["RobertaTokenizer", "RobertaTokenizerFast"], stage,
                [("__init__(vocab_file=..., merges_file=...)", lambda c: c(vocab_file=vf, merges_file=mf)),
                 ("__init__(vocab={...}, merges=[...])", lambda c: c(vocab=dict(vocab), merges=merges))],
                self.sample_expect(vocab))
            tok.save_pretrained(d)
            for fn in ("vocab.json", "merges.txt"):
                if not os.path.exists(os.path.join(d, fn)):
                    shutil.copy(os.path.join(stage, fn), d)
        log(f"{folder}: vocab {bpe.get_vocab_size()} via {how}; files {sorted(os.listdir(d))}")

    def tokenizer_parity(self):
        tf = self.tf
        from tokenizers import Tokenizer
        toks, raw = {}, {}
        for folder in TOKENIZER_FOLDERS:
            d = os.path.join(self.out, "tokenizers", folder)
            if not os.path.isdir(d):
                log(f"parity: {folder} missing, left out")
                continue
            try:
                tok = tf.AutoTokenizer.from_pretrained(d)
            except Exception:  # noqa: BLE001
                log(f"parity: AutoTokenizer failed for {folder}:\n{traceback.format_exc()}")
                self.errors.append((f"AutoTokenizer {folder}", "failed"))
                continue
            fast = getattr(tok, "is_fast", None)
            log(f"parity: {folder}: {type(tok).__name__} is_fast={fast} len={len(tok)} "
                f"inputs={getattr(tok, 'model_input_names', None)}")
            toks[folder] = tok
            try:
                raw[folder] = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
            except Exception as e:  # noqa: BLE001
                log(f"parity: raw tokenizer.json of {folder} unreadable: {e!r}")
        pdir = os.path.join(self.out, "tokenizers", "parity")
        os.makedirs(pdir, exist_ok=True)
        mism = {f: 0 for f in toks}

        def disagree(folder, what, ours, theirs):
            mism[folder] += 1
            log(f"parity: {folder}: AutoTokenizer and bare tokenizer.json differ on {what!r}:\n"
                f"    AutoTokenizer {ours}\n    tokenizer.json {theirs}")

        def raw_ids(folder, a, b=None, max_length=None):
            r = raw.get(folder)
            if r is None:
                return None
            if max_length:
                r.enable_truncation(max_length=max_length, strategy="longest_first")
            else:
                r.no_truncation()
            r.no_padding()
            enc = r.encode(a, b) if b is not None else r.encode(a)
            return enc.ids

        with open(os.path.join(pdir, "expected.jsonl"), "w", encoding="utf-8") as f:
            for text in TEXTS:
                rec = {"text": text}
                for folder, tok in toks.items():
                    ids = list(tok(text)["input_ids"])
                    rec[folder] = ids
                    if raw_ids(folder, text) != ids:
                        disagree(folder, text, ids, raw_ids(folder, text))
                f.write(dump_jsonl_line(rec) + "\n")
        def write_pairs(file, pairs, max_length):
            with open(os.path.join(pdir, file), "w", encoding="utf-8") as f:
                for a, b in pairs:
                    rec = {"a": a, "b": b, "max_length": max_length, "truncation": "longest_first"}
                    for folder, tok in toks.items():
                        enc = tok(a, b, max_length=max_length, truncation="longest_first")
                        r = {"input_ids": list(enc["input_ids"])}
                        if "token_type_ids" in enc:
                            r["token_type_ids"] = list(enc["token_type_ids"])
                        rec[folder] = r
                        if raw_ids(folder, a, b, max_length) != r["input_ids"]:
                            disagree(folder, (a, b), r["input_ids"], raw_ids(folder, a, b, max_length))
                    f.write(dump_jsonl_line(rec) + "\n")

        write_pairs("pairs.jsonl", PAIRS, PAIR_MAX_LENGTH)
        write_pairs("pairs_word_cut.jsonl", WORD_CUT_PAIRS, WORD_CUT_MAX_LENGTH)
        with open(os.path.join(pdir, "truncated.jsonl"), "w", encoding="utf-8") as f:
            for text in TEXTS:
                rec = {"text": text, "max_length": TRUNC_MAX_LENGTH}
                for folder, tok in toks.items():
                    ids = list(tok(text, max_length=TRUNC_MAX_LENGTH, truncation=True)["input_ids"])
                    rec[folder] = ids
                    if raw_ids(folder, text, None, TRUNC_MAX_LENGTH) != ids:
                        disagree(folder, text, ids, raw_ids(folder, text, None, TRUNC_MAX_LENGTH))
                f.write(dump_jsonl_line(rec) + "\n")
        self.note("parity: records where AutoTokenizer and the bare tokenizer.json "
                  f"(tokenizers.Tokenizer.from_file) disagree: {mism}")
        # How often [UNK] appears: the fixtures should exercise unknown pieces, but not only them.
        for folder, tok in toks.items():
            unk = tok.unk_token_id
            n = sum(list(tok(t)["input_ids"]).count(unk) for t in TEXTS)
            total = sum(len(tok(t)["input_ids"]) for t in TEXTS)
            log(f"parity: {folder}: {n} unknown ids out of {total}")
        # SentencePiece itself vs the converted fast tokenizers (known to differ on whitespace
        # details; logged for the record).
        try:
            import sentencepiece as spm
            for folder, fn, off in (("albert-spm", "spiece.model", 0),
                                    ("xlmr-spm", "sentencepiece.bpe.model", 1)):
                if folder not in toks:
                    continue
                sp = spm.SentencePieceProcessor(model_file=os.path.join(self.out, "tokenizers", folder, fn))
                diff = 0
                for text in TEXTS:
                    ids = list(toks[folder](text, add_special_tokens=False)["input_ids"])
                    sids = [i + off for i in sp.encode(text)]
                    if off:   # fairseq: spm's <unk> (0) becomes <unk> (3), not 1
                        sids = [3 if i == 1 else i for i in sids]
                    diff += ids != sids
                    if ids != sids and off:
                        log(f"parity: {folder}: sentencepiece differs on {text!r}:\n"
                            f"    fast {ids}\n    spm  {sids}")
                self.note(f"parity: {folder}: {diff}/{len(TEXTS)} texts where sentencepiece "
                          "itself (plus id offset) differs from the fast tokenizer")
        except Exception as e:  # noqa: BLE001
            log(f"parity: sentencepiece comparison skipped: {e!r}")
        for folder in toks:
            try:
                tj = json.load(open(os.path.join(self.out, "tokenizers", folder, "tokenizer.json"), encoding="utf-8"))
                log(f"parity: {folder}: normalizer {json.dumps(tj.get('normalizer'))[:300]}")
                log(f"parity: {folder}: pre_tokenizer {json.dumps(tj.get('pre_tokenizer'))[:300]}")
                log(f"parity: {folder}: post_processor {json.dumps(tj.get('post_processor'))[:200]}")
            except Exception as e:  # noqa: BLE001
                log(f"parity: {folder}: tokenizer.json summary skipped: {e!r}")

    # -- all ---------------------------------------------------------------------------------
    def run(self):
        bert_model = bert_t = None
        for spec in MODEL_SPECS:
            r = self.step(spec["name"], self.model_fixture, spec)
            if spec["name"] == "bert" and r is not None:
                bert_model, bert_t = r
        if bert_model is not None:
            self.step("format variants", self.format_variants, bert_model, bert_t)
        self.step("bert-with-tokenizer", self.e2e_fixture)
        self.step("bert-uncased", self.tok_bert, "bert-uncased", True)
        self.step("bert-cased", self.tok_bert, "bert-cased", False)
        self.step("albert-spm", self.tok_albert)
        self.step("xlmr-spm", self.tok_xlmr)
        self.step("roberta-bpe", self.tok_roberta)
        self.step("tokenizer parity", self.tokenizer_parity)
        log("\n==== NOTES ====")
        for n in self.notes:
            log("-", n)
        log("==== ERRORS ====" if self.errors else "==== no errors ====")
        for w, e in self.errors:
            log("-", w, ":", e)
        return not self.errors


def train_wordpiece(texts, lowercase, vocab_size,
                    specials=("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")):
    """A WordPiece vocabulary, trained the way tokenizers' WordPieceTrainer does it (BPE merges
    over words split by BERT's normaliser and pre-tokeniser, non-initial pieces prefixed "##"),
    but deterministic: WordPieceTrainer numbers the "##" alphabet in hash-map order, so the ids,
    and through tie-breaking even the set of merges, change from one run to the next. Here ties
    go to the lexicographically smallest pair. Returns {token: id}."""
    import collections
    from tokenizers import normalizers, pre_tokenizers
    norm = normalizers.BertNormalizer(lowercase=lowercase)
    pre = pre_tokenizers.BertPreTokenizer()
    counts = collections.Counter()
    for t in texts:
        for w, _ in pre.pre_tokenize_str(norm.normalize_str(t)):
            counts[w] += 1
    seqs = {w: [w[0]] + ["##" + c for c in w[1:]] for w in counts}
    chars = sorted({c for w in counts for c in w})
    cont = sorted({s for syms in seqs.values() for s in syms[1:]})
    vocab = list(specials) + chars + cont
    seen = set(vocab)
    while len(vocab) < vocab_size:
        pairs = collections.Counter()
        for w, syms in seqs.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += counts[w]
        if not pairs:
            break
        (a, b), _ = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        new = a + b[2:]
        for w, syms in seqs.items():
            i, out = 0, []
            while i < len(syms):
                if i + 1 < len(syms) and syms[i] == a and syms[i + 1] == b:
                    out.append(new)
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            seqs[w] = out
        if new not in seen:
            seen.add(new)
            vocab.append(new)
    return {t: i for i, t in enumerate(vocab)}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)


def write_vocab_txt(vocab, path):
    by_id = sorted(vocab.items(), key=lambda kv: kv[1])
    assert [i for _, i in by_id] == list(range(len(by_id))), "vocab ids must be dense"
    with open(path, "w", encoding="utf-8") as f:
        for tokstr, _ in by_id:
            f.write(tokstr + "\n")


# ---------------------------------------------------------------------------------------------
# --plan and --verify: no third-party package (numpy for --verify).
# ---------------------------------------------------------------------------------------------
def plan():
    total = 0
    for spec in MODEL_SPECS:
        params, wbytes, rbytes = spec_sizes(spec)
        copies = 1 + (len(FORMAT_VARIANTS) if spec["name"] == "bert" else 0)
        total += copies * (wbytes + rbytes)
        ids, mask, types = batch_rows(spec["family"], spec["cfg"]["vocab_size"], spec["T"], spec["seed"])
        lens = [sum(m) for m in mask]
        print(f"{spec['name']:16s} params {params:7d} weights {wbytes / 1e3:6.1f} KB "
              f"reference {rbytes / 1e3:6.1f} KB  x{copies}  row lengths {lens}")
        assert lens[0] == spec["T"] and len(set(lens)) == 4, lens
        assert spec["T"] <= spec["cfg"]["max_position_embeddings"] - (
            2 if spec["family"] in ("roberta", "xlm-roberta") else 0)
    print(f"model fixtures: about {total / 1e6:.2f} MB (+ bert-with-tokenizer, tokenizers)")
    print(f"{len(TEXTS)} parity texts, {len(PAIRS)} pairs, corpus {len(CORPUS)} lines, "
          f"{len(set(''.join(CORPUS)))} distinct corpus characters")
    assert len(TEXTS) == len(set(TEXTS)), "duplicate texts"
    assert len(LONG_WORD_100) == 100 and len(LONG_WORD_101) == 101
    for line in (dump_jsonl_line({"t": t}) for t in TEXTS):
        assert "\n" not in line and "\u2028" not in line and "\x85" not in line
    print("xlmr rules:", len(xlmr_norm_rules()))


def verify(root):
    import numpy as np
    dt = {"F32": np.float32, "I64": np.int64}
    ok = True
    total = 0
    for dirpath, _, files in os.walk(root):
        for fn in files:
            total += os.path.getsize(os.path.join(dirpath, fn))
    print(f"{root}: {total / 1e6:.2f} MB in all")
    refdir = os.path.join(root, "reference")
    for name in sorted(os.listdir(refdir)):
        d = os.path.join(refdir, name)
        path = os.path.join(d, "reference.safetensors")
        cfg = json.load(open(os.path.join(d, "config.json")))
        with open(path, "rb") as f:
            data = f.read()
        n = struct.unpack("<Q", data[:8])[0]
        hdr = json.loads(data[8:8 + n])
        hdr.pop("__metadata__", None)
        t = {}
        for k, v in hdr.items():
            s, e = v["data_offsets"]
            t[k] = np.frombuffer(data[8 + n + s:8 + n + e], dtype=dt[v["dtype"]]).reshape(v["shape"])
        L = cfg.get("num_hidden_layers", cfg.get("n_layers"))
        H = cfg.get("hidden_size", cfg.get("dim"))
        heads = cfg.get("num_attention_heads", cfg.get("n_heads"))
        B, T = t["input_ids"].shape
        nl = len(cfg["id2label"])
        errs = []
        for k in ("input_ids", "attention_mask", "token_type_ids"):
            if t[k].shape != (B, T) or t[k].dtype != np.int64:
                errs.append(k)
        if t["logits"].shape != (B, nl):
            errs.append("logits shape")
        for i in range(L + 1):
            if t[f"hidden_states.{i}"].shape != (B, T, H):
                errs.append(f"hidden_states.{i}")
        for i in range(L):
            a = t[f"attentions.{i}"]
            if a.shape != (B, heads, T, T):
                errs.append(f"attentions.{i}")
            elif np.abs(a.sum(-1) - 1).max() > 1e-4:
                errs.append(f"attentions.{i} rows")
        if f"hidden_states.{L + 1}" in t or f"attentions.{L}" in t:
            errs.append("extra layers")
        if t["input_ids"].max() >= cfg["vocab_size"]:
            errs.append("ids beyond vocab")
        lens = t["attention_mask"].sum(1).tolist()
        for k, v in t.items():
            if v.dtype == np.float32 and not np.isfinite(v).all():
                errs.append(k + " not finite")
        weights = sorted(f for f in os.listdir(d) if f not in ("config.json", "reference.safetensors"))
        ok &= not errs
        print(f"{name:20s} {'OK ' if not errs else 'BAD'} B={B} T={T} H={H} L={L} heads={heads} "
              f"labels={nl} lengths={lens} {errs or ''}")
        print(f"{'':20s} files: {weights}")
    pdir = os.path.join(root, "tokenizers", "parity")
    for fn in ("expected.jsonl", "pairs.jsonl", "pairs_word_cut.jsonl", "truncated.jsonl"):
        recs = [json.loads(line) for line in open(os.path.join(pdir, fn), encoding="utf-8")]
        folders = sorted(k for k in recs[0] if k not in ("text", "a", "b", "max_length", "truncation"))
        print(f"{fn}: {len(recs)} records, folders {folders}")
    for folder in TOKENIZER_FOLDERS:
        d = os.path.join(root, "tokenizers", folder)
        print(f"tokenizers/{folder}: {sorted(os.listdir(d)) if os.path.isdir(d) else 'MISSING'}")
    return ok



# -- DeBERTa-v2/v3 (issue #19) -------------------------------------------------------------
# Run alone: `python3 scripts/make_golden_fixtures.py --deberta tests/data` adds these next to the
# existing fixtures (it needs tokenizers/albert-spm and tokenizers/parity there, and adds a
# "deberta-spm" key to every parity record).
DEBERTA_SPECS = [
    # v3 settings over long rows: 64 buckets (mid 32), so distances past 32 go to log buckets.
    dict(name="deberta-v3-long", T=200, lengths=[200, 77], seed=1901, typed=False,
         cfg=dict(vocab_size=300, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                  intermediate_size=64, max_position_embeddings=512, relative_attention=True,
                  position_buckets=64, max_relative_positions=-1, pos_att_type=["p2c", "c2p"],
                  share_att_key=True, norm_rel_ebd="layer_norm", position_biased_input=False,
                  type_vocab_size=0, hidden_act="gelu", pooler_hidden_act="gelu", layer_norm_eps=1e-7,
                  labels=["x", "y"])),
    # The v2 options v3 leaves off: separate position projections, the "p2c|c2p" string form,
    # absolute positions, token types (pairs typed 0/1), embed_proj (48 -> 64), a grouped tanh
    # ConvLayer, no LayerNorm on the relative table, no buckets: distances clamped at 6.
    dict(name="deberta-v2-separate", T=20, lengths=[20, 13, 8, 3], seed=1902, typed=True,
         pos_att_type_string="p2c|c2p",
         cfg=dict(vocab_size=300, hidden_size=64, embedding_size=48, num_hidden_layers=2,
                  num_attention_heads=4, intermediate_size=96, max_position_embeddings=64,
                  relative_attention=True, position_buckets=-1, max_relative_positions=6,
                  pos_att_type=["p2c", "c2p"], share_att_key=False, norm_rel_ebd="none",
                  position_biased_input=True, type_vocab_size=2, conv_kernel_size=3, conv_groups=2,
                  conv_act="tanh", hidden_act="gelu_new", pooler_hidden_act="tanh", layer_norm_eps=1e-7,
                  labels=["p", "q", "r", "s"])),
    # c2p alone (scale sqrt(2d)), separate pos_key_proj, 8 buckets over a 32-position range.
    dict(name="deberta-c2p", T=24, lengths=[24, 17, 9, 2], seed=1903, typed=False,
         cfg=dict(vocab_size=300, hidden_size=48, num_hidden_layers=2, num_attention_heads=3,
                  intermediate_size=80, max_position_embeddings=32, relative_attention=True,
                  position_buckets=8, max_relative_positions=32, pos_att_type=["c2p"],
                  share_att_key=False, norm_rel_ebd="layer_norm", position_biased_input=False,
                  type_vocab_size=0, hidden_act="gelu", pooler_hidden_act="gelu", layer_norm_eps=1e-7,
                  labels=["u", "v", "w"])),
]


def deberta_rows(spec):
    """The padded batch: [CLS]=1 ... [SEP]=2, pad 0; rows 0 and 2 are pairs (types 0/1 when the
    model has token types)."""
    rng = random.Random(spec["seed"])
    vocab, T = spec["cfg"]["vocab_size"], spec["T"]
    ids_rows, type_rows, mask_rows = [], [], []
    for r, n in enumerate(spec["lengths"]):
        content = lambda k: [rng.randrange(3, vocab) for _ in range(k)]
        if r in (0, 2) and n >= 6:
            na = (n - 3) // 2 + 1
            nb = n - 3 - na
            ids = [1] + content(na) + [2] + content(nb) + [2]
            types = [0] * (na + 2) + [1] * (nb + 1) if spec["typed"] else [0] * n
        else:
            ids = [1] + content(n - 2) + [2] if n >= 2 else [1]
            types = [0] * n
        ids_rows.append(ids + [0] * (T - n))
        type_rows.append(types + [0] * (T - n))
        mask_rows.append([1] * n + [0] * (T - n))
    return ids_rows, mask_rows, type_rows


def deberta_fixtures(out):
    gen = Gen(out)
    torch, tf = gen.torch, gen.tf
    import inspect
    src = os.path.join(out, "deberta_sources")
    os.makedirs(src, exist_ok=True)
    for modname in ("transformers.models.deberta_v2.tokenization_deberta_v2",
                    "transformers.models.deberta_v2.tokenization_deberta_v2_fast",
                    "transformers.models.deberta_v2.modeling_deberta_v2"):
        try:
            import importlib
            m = importlib.import_module(modname)
            with open(os.path.join(src, modname.split(".")[-1] + ".py"), "w") as f:
                f.write(inspect.getsource(m))
        except Exception as e:  # noqa: BLE001
            log(f"source of {modname}: {e!r}")
    for spec in DEBERTA_SPECS:
        name = spec["name"]
        d = os.path.join(out, "reference", name)
        os.makedirs(d, exist_ok=True)
        c = dict(spec["cfg"])
        labels = c.pop("labels")
        cfg = tf.DebertaV2Config(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pooler_dropout=0.0,
                                 pooler_hidden_size=c["hidden_size"], pad_token_id=0,
                                 id2label={i: l for i, l in enumerate(labels)},
                                 label2id={l: i for i, l in enumerate(labels)}, **c)
        torch.manual_seed(spec["seed"])
        model = tf.DebertaV2ForSequenceClassification._from_config(cfg, attn_implementation="eager")
        model = model.float().eval()
        gen.perturb(model, spec["seed"])
        input_ids, mask, types = deberta_rows(spec)
        with torch.no_grad():
            o = model(input_ids=torch.tensor(input_ids), attention_mask=torch.tensor(mask),
                      token_type_ids=torch.tensor(types), output_hidden_states=True, output_attentions=True)
        # Not gen.reference_tensors: its check that padded keys get no weight fails on the
        # padded query rows, which DeBERTa leaves uniform over every key (they are not compared).
        t = dict(input_ids=torch.tensor(input_ids), attention_mask=torch.tensor(mask), token_type_ids=torch.tensor(types), logits=o.logits.float().contiguous(), **{f"hidden_states.{i}": h.float().contiguous() for i, h in enumerate(o.hidden_states)}, **{f"attentions.{i}": a.float().contiguous() for i, a in enumerate(o.attentions)})
        model.save_pretrained(d)
        if spec.get("pos_att_type_string"):
            path = os.path.join(d, "config.json")
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
            saved["pos_att_type"] = spec["pos_att_type_string"]
            write_json(path, saved)
        gen.save_reference(t, os.path.join(d, "reference.safetensors"))
        back = tf.DebertaV2ForSequenceClassification.from_pretrained(d, attn_implementation="eager").eval()
        with torch.no_grad():
            again = back(input_ids=torch.tensor(input_ids), attention_mask=torch.tensor(mask),
                         token_type_ids=torch.tensor(types)).logits
        log(f"{name}: reload max logit diff {float((again - t['logits']).abs().max())}; "
            f"logits {t['logits'].tolist()}")
    # The tokenizer: DebertaV2Tokenizer over the albert-spm SentencePiece model, cased.
    tok_root = os.path.join(out, "tokenizers")
    d = os.path.join(tok_root, "deberta-spm")
    legacy = os.path.join(tok_root, "deberta-spm-legacy")
    for folder in (d, legacy):
        os.makedirs(folder, exist_ok=True)
        shutil.copy(os.path.join(tok_root, "albert-spm", "spiece.model"), os.path.join(folder, "spm.model"))
        write_json(os.path.join(folder, "tokenizer_config.json"), {
            "tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False, "vocab_type": "spm",
            "bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>", "sep_token": "[SEP]",
            "pad_token": "<pad>", "cls_token": "[CLS]", "mask_token": "[MASK]", "split_by_punct": False})
    tok = tf.AutoTokenizer.from_pretrained(d)
    probe = tok("Hello world, it's a Test.")["input_ids"]
    log(f"deberta-spm: {type(tok).__name__} len {len(tok)} probe {probe} "
        f"tokens {tok.convert_ids_to_tokens(probe)}")
    if len(set(probe)) < 4:
        raise RuntimeError("the DeBERTa tokenizer ignored spm.model")
    tok.save_pretrained(d)
    log(f"deberta-spm files: {sorted(os.listdir(d))}")
    try:
        tj = json.load(open(os.path.join(d, "tokenizer.json"), encoding="utf-8"))
        for key in ("normalizer", "pre_tokenizer", "post_processor", "decoder"):
            log(f"deberta-spm {key}: {json.dumps(tj.get(key))[:600]}")
        log(f"deberta-spm added_tokens: {json.dumps(tj.get('added_tokens'))[:800]}")
    except Exception as e:  # noqa: BLE001
        log(f"tokenizer.json unreadable: {e!r}")
    pdir = os.path.join(tok_root, "parity")
    for file in ("expected.jsonl", "truncated.jsonl", "pairs.jsonl", "pairs_word_cut.jsonl"):
        path = os.path.join(pdir, file)
        if not os.path.exists(path):
            continue
        records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
        for rec in records:
            if "a" in rec:
                enc = tok(rec["a"], rec["b"], max_length=rec["max_length"], truncation=rec["truncation"])
                rec["deberta-spm"] = {"input_ids": list(enc["input_ids"])}
                if "token_type_ids" in enc:
                    rec["deberta-spm"]["token_type_ids"] = list(enc["token_type_ids"])
            elif "max_length" in rec:
                rec["deberta-spm"] = list(tok(rec["text"], max_length=rec["max_length"], truncation=True)["input_ids"])
            else:
                rec["deberta-spm"] = list(tok(rec["text"])["input_ids"])
        with open(path, "w", encoding="utf-8") as f:
            for rec in records:
                f.write(dump_jsonl_line(rec) + "\n")
        log(f"{file}: deberta-spm added to {len(records)} records")


# ---------------------------------------------------------------------------------------------
# ModernBERT (--modernbert OUT): two reference models longer than their sliding window, one per
# config layout, and a ModernBERT-style byte-level BPE tokenizer with its parity files. Written
# to OUT/reference/modernbert-*/ and OUT/tokenizers-modernbert/ (its own root, so the shared
# parity files stay as they are). Needs torch, transformers 5.x, tokenizers and safetensors.
# ---------------------------------------------------------------------------------------------
MODERNBERT_SPECS = [
    # transformers 5 layout with an irregular layer pattern (layer 0 sliding), every bias on,
    # mean pooling, a tanh head and non-default thetas; rows of 40 and 24 tokens exceed the
    # 17-token window, so the banded path runs; the 16-token row fits in one window.
    dict(name="modernbert-window", T=40, seed=301, layout="v5",
         cfg=dict(vocab_size=90, hidden_size=48, num_attention_heads=4, num_hidden_layers=3,
                  intermediate_size=40, max_position_embeddings=64, local_attention=16,
                  layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                  rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 5000.0},
                                   "sliding_attention": {"rope_type": "default", "rope_theta": 300.0}},
                  attention_bias=True, mlp_bias=True, norm_bias=True, classifier_bias=True,
                  classifier_pooling="mean", classifier_activation="tanh", hidden_activation="gelu",
                  norm_eps=1e-6, labels=["w", "x", "y", "z"])),
    # The released layout (global_attn_every_n_layers, global_rope_theta, local_rope_theta):
    # 4 layers, global on 0 and 3; window 6 each side; no biases; cls pooling.
    dict(name="modernbert-released-long", T=36, seed=302, layout="released",
         cfg=dict(vocab_size=80, hidden_size=40, num_attention_heads=2, num_hidden_layers=4,
                  intermediate_size=56, max_position_embeddings=48, local_attention=12,
                  global_attn_every_n_layers=3, global_rope_theta=20000.0, local_rope_theta=500.0,
                  classifier_pooling="cls", classifier_activation="gelu", hidden_activation="gelu",
                  labels=["neg", "pos"])),
]

# Texts with what ModernBERT's tokenizer treats specially: runs of spaces (added tokens in its
# vocabulary), [MASK] with lstrip, special tokens inside text, NFC.
MODERNBERT_EXTRA_TEXTS = [
    "a  b   c    d", "tabs\t\tand  spaces   mixed", "[MASK] is here and there [MASK]!",
    "before [MASK]after", "literal [CLS] and [SEP] inside", "Cafe\u0301 vs Caf\u00e9", "   leading and trailing   ",
    "|||IP_ADDRESS||| at the start", "ends with <|padding|>",
]


def modernbert_rows(vocab_size, T, seed):
    """4 rows of distinct lengths, the first T long: [CLS]=1 ... [SEP]=2, padding 0."""
    rng = random.Random(seed)
    lengths = [T, (T * 3) // 5, (T * 2) // 5, 3]
    rows = [[1] + [rng.randrange(3, vocab_size) for _ in range(n - 2)] + [2] for n in lengths]
    ids = [r + [0] * (T - len(r)) for r in rows]
    mask = [[1] * len(r) + [0] * (T - len(r)) for r in rows]
    return ids, mask, [[0] * T for _ in rows]


def modernbert_model_fixture(gen, spec, out):
    torch, tf = gen.torch, gen.tf
    c = dict(spec["cfg"])
    labels = c.pop("labels")
    cfg = tf.ModernBertConfig(pad_token_id=0, bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2,
                              id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)},
                              attention_dropout=0.0, embedding_dropout=0.0, mlp_dropout=0.0,
                              classifier_dropout=0.0, **c)
    want = {"full_attention": c.get("global_rope_theta"), "sliding_attention": c.get("local_rope_theta")}
    if spec["layout"] == "v5":
        want = {k: v["rope_theta"] for k, v in c["rope_parameters"].items()}
    got = {k: cfg.rope_parameters[k]["rope_theta"] for k in want}
    if got != want:
        raise RuntimeError(f"{spec['name']}: config thetas {got}, wanted {want}")
    cls = tf.ModernBertForSequenceClassification
    torch.manual_seed(spec["seed"])
    model = cls._from_config(cfg, attn_implementation="eager").float().eval()
    gen.perturb(model, spec["seed"])
    ids, mask, types = modernbert_rows(c["vocab_size"], spec["T"], spec["seed"])
    with torch.no_grad():
        o = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                  output_hidden_states=True, output_attentions=True)
    t = gen.reference_tensors(o, ids, mask, types, c["num_hidden_layers"])
    d = os.path.join(out, "reference", spec["name"])
    os.makedirs(d, exist_ok=True)
    model.save_pretrained(d)
    gen.save_reference(t, os.path.join(d, "reference.safetensors"))
    if spec["layout"] == "released":
        path = os.path.join(d, "config.json")
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        for key in ("layer_types", "rope_parameters"):
            saved.pop(key, None)
        saved.update(global_attn_every_n_layers=c["global_attn_every_n_layers"],
                     global_rope_theta=c["global_rope_theta"], local_rope_theta=c["local_rope_theta"])
        write_json(path, saved)
    # The folder as written must give the reference again (for the released layout: transformers
    # reads the old keys the same way).
    m2 = cls.from_pretrained(d, attn_implementation="eager").eval()
    with torch.no_grad():
        logits = m2(input_ids=t["input_ids"], attention_mask=t["attention_mask"]).logits
    diff = float((logits - t["logits"]).abs().max())
    if diff > 1e-6:
        raise RuntimeError(f"{spec['name']}: reloaded logits differ by {diff}")
    log(f"{spec['name']}: layer types {m2.config.layer_types}, thetas "
        f"{ {k: v['rope_theta'] for k, v in m2.config.rope_parameters.items()} }, reload diff {diff}")


def modernbert_tokenizer(gen, out):
    """tokenizers-modernbert/modernbert-bpe: the local roberta-bpe vocabulary and merges in
    ModernBERT's tokenizer.json layout (NFC, ByteLevel, [CLS] A [SEP] / [CLS] A [SEP] B [SEP]
    template, [UNK]/[CLS]/[SEP]/[PAD]/[MASK] added after the vocabulary, [MASK] with lstrip,
    whitespace runs as non-special added tokens), and expected ids for the local parity texts."""
    from tokenizers import Tokenizer
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "tests", "data", "tokenizers")
    with open(os.path.join(data, "roberta-bpe", "tokenizer.json"), encoding="utf-8") as f:
        base = json.load(f)
    n = max(base["model"]["vocab"].values()) + 1
    added = [dict(id=0, content="|||IP_ADDRESS|||", single_word=False, lstrip=False, rstrip=False,
                  normalized=True, special=False)]
    for i, spaces in enumerate(("   ", "  ", "\t\t")):
        added.append(dict(id=n + i, content=spaces, single_word=False, lstrip=False, rstrip=False,
                          normalized=True, special=False))
    names = ["<|padding|>", "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    for i, name in enumerate(names):
        added.append(dict(id=n + 3 + i, content=name, single_word=False, lstrip=name == "[MASK]", rstrip=False,
                          normalized=False, special=True))
    ids = {a["content"]: a["id"] for a in added}
    tok = dict(base)
    tok["added_tokens"] = added
    tok["normalizer"] = {"type": "NFC"}
    tok["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                 {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
        "special_tokens": {name: {"id": name, "ids": [ids[name]], "tokens": [name]} for name in ("[CLS]", "[SEP]")},
    }
    vocab = dict(base["model"]["vocab"])
    vocab.pop("<s>", None)  # id 0 is |||IP_ADDRESS||| in ModernBERT; keep the ids dense otherwise
    tok["model"] = dict(base["model"], vocab={**vocab, **{a["content"]: a["id"] for a in added}})
    folder = os.path.join(out, "tokenizers-modernbert", "modernbert-bpe")
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "tokenizer.json"), tok)
    write_json(os.path.join(folder, "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "mask_token": "[MASK]",
        "unk_token": "[UNK]", "model_max_length": 8192,
        "model_input_names": ["input_ids", "attention_mask"]})
    auto = gen.tf.AutoTokenizer.from_pretrained(folder)
    raw = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    probe = "[MASK] probe"
    if auto(probe)["input_ids"] != raw.encode(probe).ids or auto(probe)["input_ids"][0] != ids["[CLS]"]:
        raise RuntimeError(f"AutoTokenizer ignored the files: {auto(probe)['input_ids']} vs {raw.encode(probe).ids}")
    parity = os.path.join(out, "tokenizers-modernbert", "parity")
    os.makedirs(parity, exist_ok=True)
    src = os.path.join(data, "parity")

    def records(name):
        with open(os.path.join(src, name), encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    texts = [r["text"] for r in records("expected.jsonl")] + MODERNBERT_EXTRA_TEXTS
    with open(os.path.join(parity, "expected.jsonl"), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(dump_jsonl_line({"text": text, "modernbert-bpe": auto(text)["input_ids"]}) + "\n")
    with open(os.path.join(parity, "truncated.jsonl"), "w", encoding="utf-8") as f:
        for r in records("truncated.jsonl"):
            got = auto(r["text"], max_length=r["max_length"], truncation=True)["input_ids"]
            f.write(dump_jsonl_line({"text": r["text"], "max_length": r["max_length"], "modernbert-bpe": got}) + "\n")
    with open(os.path.join(parity, "pairs.jsonl"), "w", encoding="utf-8") as f:
        for r in records("pairs.jsonl"):
            enc = auto(r["a"], r["b"], max_length=r["max_length"], truncation=r["truncation"],
                       return_token_type_ids=True)
            f.write(dump_jsonl_line({"a": r["a"], "b": r["b"], "max_length": r["max_length"],
                                     "truncation": r["truncation"],
                                     "modernbert-bpe": {"input_ids": enc["input_ids"],
                                                        "token_type_ids": enc["token_type_ids"]}}) + "\n")
    log(f"modernbert-bpe: {len(texts)} texts, vocab {n} + {len(added)} added")


def make_modernbert(out):
    gen = Gen(out)
    for spec in MODERNBERT_SPECS:
        gen.step(spec["name"], modernbert_model_fixture, gen, spec, out)
    gen.step("modernbert tokenizer", modernbert_tokenizer, gen, out)
    for what, err in gen.errors:
        log(f"FAILED {what}: {err}")
    return not gen.errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output folder (tests/data)")
    ap.add_argument("--plan", action="store_true", help="print planned shapes and sizes only")
    ap.add_argument("--verify", metavar="DIR", help="check a generated tree with numpy only")
    ap.add_argument("--deberta", metavar="DIR", help="add the DeBERTa fixtures to DIR (tests/data) only")
    ap.add_argument("--modernbert", metavar="OUT", help="write only the ModernBERT fixtures under OUT")
    args = ap.parse_args()
    if args.deberta:
        deberta_fixtures(args.deberta)
        return 0
    if args.modernbert:
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
        return 0 if make_modernbert(args.modernbert) else 1
    if args.plan:
        plan()
        return 0
    if args.verify:
        return 0 if verify(args.verify) else 1
    if not args.out:
        ap.error("--out is required")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")   # CPU fp32 only
    for sub in ("reference", "tokenizers"):
        p = os.path.join(args.out, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
    gen = Gen(args.out)
    return 0 if gen.run() else 1


if __name__ == "__main__":
    sys.exit(main())
