"""The Tokens tab's words, in English and 简体中文 (``lmlab.ui.tokens`` uses them).

Tab: Tokens.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
``{placeholders}`` are filled by ``lmlab.ui.i18n.t``; ``%{...}`` are plotly's hover fields.
"""

WORDS = {
    "tokens.intro": ("Text becomes **tokens** (byte-level BPE, `lmlab.bpe`), tokens become "
                     "**vectors** (`lmlab.embeddings`). Hover a token for its id and bytes.",
                     "文本先变成**词元**（字节级 BPE，`lmlab.bpe`），词元再变成**向量**"
                     "（`lmlab.embeddings`）。把鼠标停在词元上可看到它的编号和字节。"),
    "tokens.text": ("Text", "文本"), "tokens.show": ("Show neighbours", "显示近邻"),
    "tokens.text_info": ("English or Chinese; up to 2,000 characters.", "英文或中文，最多 2000 个字符。"),
    "tokens.go": ("Tokenize", "切分词元"), "tokens.train_go": ("Train", "训练"), "tokens.lines": ("Lines", "句子"),
    "tokens.bpe": ("Shipped BPE (2,048 tokens, trained on Shakespeare)", "内置 BPE（2048 个词元，用莎士比亚训练）"),
    "tokens.wordpiece": ("MiniLM's WordPiece (30,522 pieces, uncased English)",
                         "MiniLM 的子词分词器（WordPiece，30522 个子词，英文不区分大小写）"),
    "tokens.stats": ("| tokenizer | tokens | characters per token |\n|---|---|---|\n"
                     "| shipped BPE | {bpe} | {bpe_cpt:.2f} |\n| MiniLM WordPiece | {wp} | {wp_cpt:.2f} |\n\n"
                     "{chars} characters, {nbytes} UTF-8 bytes. A Chinese character is 3 bytes; a BPE "
                     "trained on English rarely learned to merge them, so it pays up to 3 tokens each.",
                     "| 分词器 | 词元数 | 每个词元的字符数 |\n|---|---|---|\n"
                     "| 内置 BPE | {bpe} | {bpe_cpt:.2f} |\n"
                     "| MiniLM 子词分词器（WordPiece） | {wp} | {wp_cpt:.2f} |\n\n"
                     "共 {chars} 个字符、{nbytes} 个 UTF-8 字节。一个汉字占 3 个字节；用英文训练的 BPE "
                     "几乎没学过合并它们，所以每个汉字最多要 3 个词元。"),
    "tokens.replay": ("### Replay: from bytes to tokens, merge by merge", "### 回放：从字节到词元，一次合并一步"),
    "tokens.step": ("Merge step", "合并步数"),
    "tokens.step_info": ("0 = raw bytes; each step merges the earliest-learned pair present.",
                         "0 表示原始字节；每一步合并文本中最早学到的那一对。"),
    "tokens.step_md": ("Step {k} of {n}: merge rank {rank}, **{a}** + **{b}** → **{new}**; {count} tokens.",
                       "第 {k} 步（共 {n} 步）：第 {rank} 条合并规则，**{a}** + **{b}** → **{new}**；"
                       "现在 {count} 个词元。"),
    "tokens.step0": ("Step 0 of {n}: {count} bytes, one token each.",
                     "第 0 步（共 {n} 步）：{count} 个字节，每个字节一个词元。"),
    "tokens.replay_cut": (" (The replay shows the first {limit} characters.)", "（回放只显示前 {limit} 个字符。）"),
    "tokens.train": ("### Train your own BPE", "### 训练你自己的 BPE"),
    "tokens.source": ("Train on", "训练文本"), "tokens.pasted": ("Pasted text", "粘贴的文本"),
    "tokens.source_info": ("A play from the corpus, or the text pasted below.", "语料中的一部剧，或下面粘贴的文本。"),
    "tokens.pasted_info": ("Used when 'Train on' is '(pasted text)'; up to 200,000 characters.",
                           "当训练文本选“（粘贴的文本）”时使用，最多 20 万字符。"),
    "tokens.vocab": ("Vocabulary size", "词表大小"),
    "tokens.vocab_info": ("256 bytes + merges; more merges, fewer tokens per text.",
                          "256 个字节加上合并规则；合并越多，同一文本的词元越少。"),
    "tokens.trained": ("Learned {merges} merges from {chars:,} characters in {sec:.1f} s. First merges: {first}. "
                       "Your text above takes **{n}** tokens with it (shipped BPE: {shipped}).",
                       "用 {sec:.1f} 秒从 {chars:,} 个字符学到 {merges} 条合并规则。最先学到的：{first}。"
                       "上面的文本用它切分是 **{n}** 个词元（内置 BPE：{shipped}）。"),
    "tokens.curve": ("Characters per token as merges are added (on the training text)",
                     "合并规则增加时每个词元的字符数（训练文本上）"),
    "tokens.embed": ("### The embedding map: every token's vector (wte), on its two main directions (PCA)",
                     "### 词嵌入地图：每个词元的向量（wte），投影到两个主方向（PCA）"),
    "tokens.token": ("Token", "词元"), "tokens.compare": ("Compare lines", "比较句子"),
    "tokens.token_info": ("One token of the shipped BPE, with its leading space, e.g. ' King'.",
                          "内置 BPE 的一个词元，连同前导空格（例如 ' King'）。"),
    "tokens.neighbours": ("Nearest tokens to **{token}** (cosine similarity of wte rows): {list}",
                          "与 **{token}** 最近的词元（wte 行向量的余弦相似度）：{list}"),
    "tokens.map_title": ("PC1 {a:.0%} and PC2 {b:.0%} of the variance; ◆ = the token and its neighbours",
                         "PC1 解释 {a:.0%}、PC2 解释 {b:.0%} 的方差；◆ 为所选词元及其近邻"),
    "tokens.not_one": ("{token!r} is {n} tokens ({pieces}); the map shows single tokens: try {hint!r}.",
                       "{token!r} 是 {n} 个词元（{pieces}）；地图只显示单个词元：试试 {hint!r}。"),
    "tokens.positions": ("Learned position vectors (wpe): cosine similarity of every pair of positions",
                         "学到的位置向量（wpe）：每两个位置之间的余弦相似度"),
    "tokens.sentences": ("### Sentence embeddings (MiniLM): one vector per line",
                         "### 句子向量（MiniLM）：每行一个向量"),
    "tokens.lines_info": ("2 to 8 lines; each becomes a 384-number vector (mean of MiniLM's token vectors).",
                          "2 到 8 行；每行变成一个 384 维向量（MiniLM 词元向量的平均）。"),
    "tokens.lines_bad": ("Please type 2 to 8 non-empty lines (you typed {n}).",
                          "请输入 2 到 8 行非空的句子（你输入了 {n} 行）。"),
    "tokens.cosine": ("Cosine similarity of the sentence vectors", "句子向量的余弦相似度"),
    "tokens.pasted_choice": ("(pasted text)", "（粘贴的文本）"),
    "tokens.chip": ("id {i} · bytes {hex}", "编号 {i} · 字节 {hex}"),
    "tokens.wp_chip": ("id {i}", "编号 {i}"),
    "tokens.nothing": ("nothing", "空"),
    "tokens.unknown_play": ("Unknown play {play!r}: pick one from the list.", "没有这部剧 {play!r}：请从列表中选择。"),
    "tokens.pasted_what": ("pasted text", "粘贴的文本"), "tokens.lines_what": ("lines", "句子"),
    "tokens.curve_hover": ("%{x} tokens: %{y:.2f} characters/token<extra></extra>",
                           "%{x} 个词元：每个词元 %{y:.2f} 个字符<extra></extra>"),
    "tokens.position": ("position", "位置"), "tokens.line": ("line", "句子"),
    "tokens.marked": ("◆ the token and its nearest neighbours", "◆ 所选词元及其近邻"),
    # lmlab.embeddings.KINDS, in its order
    "tokens.kind0": ("space + capital", "空格 + 大写字母"), "tokens.kind1": ("space + lower case", "空格 + 小写字母"),
    "tokens.kind2": ("capital", "大写字母开头"), "tokens.kind3": ("lower case", "小写字母"),
    "tokens.kind4": ("punctuation", "标点"), "tokens.kind5": ("digits", "数字"),
    "tokens.kind6": ("white space", "空白"), "tokens.kind7": ("bytes / other", "字节 / 其他"),
}
