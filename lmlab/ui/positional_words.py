"""The Positional tab's words, in English and 简体中文 (``lmlab.ui.positional`` uses them).

Tab: Positional.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
Keys without numbers are returned as written (plotly's ``%{x}`` stays as it is); keys filled with
numbers double the braces plotly needs (``%{{x}}``).
"""

WORDS = {
    "positional.intro": (
        "Attention by itself cannot tell *where* a token is. Here are four answers, "
        "each computed by `lmlab.positional` (hover for the numbers). Rows are positions "
        "0, 1, 2, ...; columns the dimensions of the vector added to (or rotating) each "
        "token's embedding; colours: red positive, blue negative, white 0.",
        "注意力本身分辨不出词元*在哪里*。这里给出四种答案，每一种都由 `lmlab.positional` 计算（鼠标悬停可看"
        "数值）。行是位置 0, 1, 2, ...；列是加到（或用来旋转）每个词元嵌入向量上的那个向量的各个维度；"
        "颜色：红色为正，蓝色为负，白色为 0。"),
    "positional.positions": ("Positions", "位置数"),
    "positional.positions_info": ("how many positions to draw (up to the GPT's context: the "
                                  "slider's right end)",
                                  "要画多少个位置（最多到 GPT 的上下文长度，即滑块的右端）"),
    "positional.rope_intro": (
        "### RoPE: one pair of a query turning as the position grows\n"
        "Early pairs turn fast, late pairs slowly. A query at position m turns by "
        "m·θ, a key at n by n·θ: the angle between them, and so their dot product, "
        "depends only on m − n.",
        "### RoPE：查询向量中的一对维度随位置增大而旋转\n"
        "靠前的维度对转得快，靠后的转得慢。位置 m 上的查询旋转 m·θ，位置 n 上的键旋转 n·θ："
        "两者之间的夹角，也就是它们的点积，只取决于 m − n。"),
    "positional.pair": ("Pair i", "维度对 i"),
    "positional.pair_info": ("which (x, y) pair of one head's dimensions, taken two by two",
                             "一个注意力头的维度两两成对，选其中哪一对 (x, y)"),
    "positional.gpt_intro": (
        "### What each encoding does to the shipped GPT's first layer\n"
        "Only **learned** is what the model was trained with; the others are "
        "counterfactuals on the same weights (see `scores_with_encoding`). Labels are "
        "`position:token`; `·` is a space, `<e5 ba>` the bytes of part of a character.",
        "### 每种位置编码对自带 GPT 第一层的影响\n"
        "只有**可学习**编码是模型训练时真正使用的；其余都是在同一组权重上做的反事实实验"
        "（见 `scores_with_encoding`）。标签是 `位置:词元`；`·` 是空格，`<e5 ba>` 是某个字符的一部分字节。"),
    "positional.sentence": ("Sentence", "句子"),
    "positional.head": ("Head", "注意力头"),
    "positional.show": ("Show", "显示"),
    "positional.show_info": ("weights: after softmax (rows sum to 1); scores: q·k/√d before it",
                             "权重：softmax 之后（每行之和为 1）；打分：softmax 之前的 q·k/√d"),
    "positional.weights": ("weights", "权重"),
    "positional.scores": ("scores", "打分"),
    # ------------------------------------------------------------------ errors and notes
    "positional.what_sentence": ("sentence", "句子"),
    "positional.bad_positions": ("The number of positions must be a whole number.",
                                 "位置数必须是整数。"),
    "positional.positions_range": ("Positions must be between 2 and {block} (the GPT's context).",
                                   "位置数必须在 2 到 {block} 之间（GPT 的上下文长度）。"),
    "positional.bad_pair": ("The pair must be a whole number.", "维度对必须是整数。"),
    "positional.pair_range": ("The pair must be between 0 and {last} (head size {hs}).",
                              "维度对必须在 0 到 {last} 之间（注意力头的维度为 {hs}）。"),
    "positional.bad_head": ("The head must be a whole number.", "注意力头的编号必须是整数。"),
    "positional.head_range": ("The head must be between 0 and {last}.",
                              "注意力头的编号必须在 0 到 {last} 之间。"),
    "positional.single_token": ("This text is a single token: there is no order to encode. "
                                "Please type at least two words.",
                                "这段文本只有一个词元，没有顺序可编码。请至少输入两个词。"),
    "positional.cut": ("The text has {n} tokens; only the first {block} (the context) are used.",
                       "这段文本有 {n} 个词元，只用前 {block} 个（上下文长度）。"),
    # ------------------------------------------------------------------ the tables
    "positional.dimension": ("dimension", "维度"),
    "positional.position": ("position", "位置"),
    "positional.pair_axis": ("pair i", "维度对 i"),
    "positional.query": ("query", "查询"),
    "positional.key": ("key", "键"),
    "positional.sin_title": ("Sinusoidal: sin on even, cos on odd dimensions ({n} x {dim})",
                             "正弦编码：偶数维取 sin，奇数维取 cos（{n} × {dim}）"),
    "positional.wpe_title": ("Learned: the shipped GPT's wpe ({n} x {dim})",
                             "可学习编码：自带 GPT 的 wpe 矩阵（{n} × {dim}）"),
    "positional.rope_title": ("RoPE: cos(m·θ_i) per position m and pair i (head size {hs})",
                              "RoPE：每个位置 m、每个维度对 i 的 cos(m·θ_i)（注意力头的维度为 {hs}）"),
    "positional.alibi_head": ("head {h}: slope {s:.4g}", "头 {h}：斜率 {s:.4g}"),
    "positional.alibi_title": ("ALiBi: bias −slope × |i − j| added to the scores ({H} heads)",
                               "ALiBi：把偏置 −斜率 × |i − j| 加到注意力打分上（{H} 个头）"),
    "positional.line.sinusoidal": ("sinusoidal", "正弦"),
    "positional.line.learned": ("learned", "可学习"),
    "positional.line.rope": ("RoPE", "RoPE"),
    "positional.sim_hover": ("{name}: distance %{{x}}, similarity %{{y:.3f}}<extra></extra>",
                             "{name}：距离 %{{x}}，相似度 %{{y:.3f}}<extra></extra>"),
    "positional.alibi_line": ("ALiBi head {h}", "ALiBi 头 {h}"),
    "positional.alibi_hover": ("ALiBi head {h}: distance %{{x}}, bias %{{y:.3f}}<extra></extra>",
                               "ALiBi 头 {h}：距离 %{{x}}，偏置 %{{y:.3f}}<extra></extra>"),
    "positional.sim_title": ("How alike are two positions d apart? (cosine, averaged over start "
                             "positions; RoPE: the same vector rotated)",
                             "相距 d 的两个位置有多相像？（余弦相似度，对起始位置取平均；RoPE：同一个"
                             "向量旋转后相比）"),
    "positional.distance": ("distance d", "距离 d"),
    "positional.cosine": ("cosine similarity", "余弦相似度"),
    "positional.alibi_bias": ("ALiBi bias", "ALiBi 偏置"),
    # ------------------------------------------------------------------ RoPE, one pair
    "positional.rot_hover": ("position %{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>",
                             "位置 %{text}<br>(%{x:.3f}, %{y:.3f})<extra></extra>"),
    "positional.rot_title": ("Pair {i} of {pairs}: θ_{i} = {base:g}^(−2·{i}/{hs}) = {theta:.4g} rad "
                             "({deg:.3g}°) per position",
                             "第 {i} 对（共 {pairs} 对）：每前进一个位置转 θ_{i} = {base:g}^(−2·{i}/{hs}) "
                             "= {theta:.4g} 弧度（{deg:.3g}°）"),
    # ------------------------------------------------------------------ in the GPT
    "positional.kind.learned": ("learned (what the GPT was trained with)", "可学习（GPT 训练时所用）"),
    "positional.kind.none": ("no position at all", "完全没有位置信息"),
    "positional.kind.sinusoidal": ("sinusoidal (added)", "正弦（相加）"),
    "positional.kind.rope": ("RoPE (q, k rotated)", "RoPE（旋转 q、k）"),
    "positional.kind.alibi": ("ALiBi (distance penalty)", "ALiBi（距离惩罚）"),
    "positional.what_weights": ("weights (softmax)", "注意力权重（softmax 之后）"),
    "positional.what_scores": ("scores q·k/√d (+ bias)", "注意力打分 q·k/√d（+ 偏置）"),
    "positional.scores_title": ("Layer 0, head {head}: {what} under each encoding",
                                "第 0 层第 {head} 个头：各种位置编码下的{what}"),
}
