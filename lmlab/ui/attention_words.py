"""The Attention tab's words, in English and 简体中文 (``lmlab.ui.attention`` uses them).

Tab: Attention.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
Tokens and the sentence are the student's text cut by the model: never translated (shown with
``translate="no"``).
"""

INTRO = (  # filled in by lmlab.ui.attention (its limits) as WORDS["attention.intro"]
    "Type a sentence and pick a model, a layer and a head. Each heatmap is one step of **softmax(QKᵀ/√d_k + mask) "
    "V**, computed on the model's own weights; hover for the numbers. Heatmaps draw up to {drawn} tokens; "
    "bertviz's head view at most {bertviz}, its model view fewer for big models (it draws every head at "
    "once). Axis labels are `position:token`; `·` is a space, `⏎` a line break, `<e5 ba>` the bytes of part of a "
    "character. Q, K, V: queries, keys, values; d_k: the head size.",
    "输入一个句子，选择模型、层和注意力头。每张热力图是 **softmax(QKᵀ/√d_k + M) V**（M 为掩码）的一步，"
    "用模型自己的权重计算；把鼠标悬停在图上可看数值。热力图最多画 {drawn} 个词元；bertviz 的"
    "头视图最多 {bertviz} 个，大模型的模型视图更少（它一次画出所有注意力头）。坐标轴标签"
    "格式是 `位置:词元`；`·` 是空格，`⏎` 是换行，`<e5 ba>` 是某个字符的一部分字节。Q、K、V："
    "查询、键、值；d_k：每个头的维度。")
WORDS = {
    "attention.text": ("Sentence", "句子"), "attention.model": ("Model", "模型"),
    "attention.layer": ("Layer", "层"), "attention.layer_info": ("0 = the first block", "0 = 第一个块"),
    "attention.head": ("Head", "注意力头"), "attention.head_info": ("one of the layer's heads", "该层的某一个头"),
    "attention.steps": ("### Step by step, one head", "### 一步一步看：一个注意力头"),
    "attention.heads": ("### Every head of the layer", "### 这一层的所有注意力头"),
    "attention.head_view": ("### bertviz: head view (lines = attention; click a token or a head's colour)",
                            "### bertviz：头视图（连线 = 注意力；点击词元或某个头的颜色）"),
    "attention.model_view": ("### bertviz: model view (every layer and head at once; click one to enlarge)",
                             "### bertviz：模型视图（一次显示所有层和头；点击其中一个放大）"),
    "attention.show": ("Show attention", "显示注意力"),
    # ---- the model picker (sizes read from each model's config)
    "attention.m.gpt": ("Shakespeare GPT (shipped; causal)", "莎士比亚 GPT（自带；因果）"),
    "attention.m.minilm": ("MiniLM encoder (pretrained; bidirectional)", "MiniLM 编码器（预训练；双向）"),
    "attention.size": ("{name}: {layers} layers x {heads} heads", "{name}：{layers} 层 × {heads} 个头"),
    # ---- what a head looks at (lmlab.attention.PATTERNS), in a sentence and in short
    "attention.previous": ("the previous token", "前一个词元"), "attention.self": ("the token itself", "词元自己"),
    "attention.next": ("the next token", "后一个词元"), "attention.first": ("the first token", "第一个词元"),
    "attention.last": ("the last token", "最后一个词元"),
    "attention.same": ("other occurrences of the same token", "同一个词元的其他出现"),
    "attention.p.previous": ("previous", "前一个"), "attention.p.self": ("self", "自己"),
    "attention.p.next": ("next", "后一个"), "attention.p.first": ("first", "第一个"),
    "attention.p.last": ("last", "最后一个"), "attention.p.same": ("same", "相同词元"),
    "attention.mostly": ("Mostly looks at {target} ({share:.0%} of its attention).",
                         "主要看{target}（占注意力的 {share:.0%}）。"),
    "attention.spread": ("Spreads its attention (on average {d:.1f} tokens away); its strongest "
                         "pattern, {target}, gets only {share:.0%}.",
                         "注意力分散（平均相距 {d:.1f} 个词元）；最强的模式“{target}”也只占 "
                         "{share:.0%}。"),
    "attention.one": ("Only one token: it can only look at itself.", "只有一个词元：它只能看自己。"),
    "attention.reading": (
        "**Layer {layer}, head {head}.** {what}\n\nShare of attention by pattern: {shares}. Average "
        "distance looked back or ahead: {d:.1f} tokens. (Computed from the weights by "
        "`lmlab.attention.describe_head`.)",
        "**第 {layer} 层，第 {head} 个头。** {what}\n\n各模式所占的注意力：{shares}。向前或向后看的"
        "平均距离：{d:.1f} 个词元。（由 `lmlab.attention.describe_head` 根据权重算出。）"),
    # ---- the nine steps (1-3 are formulas, the same in both), the grid of heads, the axes
    "attention.s4": ("4. Q Kᵀ: raw scores", "4. Q Kᵀ：原始打分"),
    "attention.s5": ("5. ÷ √d_k = √{hs}: scaled", "5. 除以 √d_k = √{hs}：缩放后的打分"),
    "attention.s6_causal": ("6. + causal mask: no looking ahead (blank = −∞)",
                            "6. 加上因果掩码：不许看后面的词元（空白 = −∞）"),
    "attention.s6_none": ("6. no mask: an encoder sees both ways", "6. 不加掩码：编码器前后都能看"),
    "attention.s7": ("7. softmax: weights (rows sum to 1)", "7. softmax：注意力权重（每行之和为 1）"),
    "attention.s8": ("8. weights V: this head's output", "8. 权重乘 V：这个头的输出"),
    "attention.s9": ("9. Concat(all {n} heads) W_O + b_O", "9. 拼接全部 {n} 个头，乘 W_O 再加 b_O"),
    "attention.ax_dim": ("dimension", "维度"), "attention.ax_token": ("token", "词元"),
    "attention.ax_key": ("key", "键"), "attention.ax_query": ("query", "查询"),
    "attention.grid_title": ("Layer {layer}: the weights of all {n} heads", "第 {layer} 层：全部 {n} 个头的注意力权重"),
    "attention.grid_head": ("head {h}: {pattern} {share:.0%}", "头 {h}：{pattern} {share:.0%}"),
    "attention.grid_spread": ("head {h}: spread (best: {pattern} {share:.0%})",
                              "头 {h}：分散（最强：{pattern} {share:.0%}）"),
    # ---- the tokens and the notes under them
    "attention.n_tokens": ("{n} tokens:", "{n} 个词元："),
    "attention.the_gpt": ("the GPT", "GPT"),
    "attention.cut": ("The text has {n} tokens; {name} read only the first {k} ({why}).",
                      "这段文本有 {n} 个词元，{name} 只读了前 {k} 个（{why}）。"),
    "attention.why_context": ("its context", "上下文长度的上限"),
    "attention.why_drawn": ("what these heatmaps draw", "热力图最多画这么多"),
    "attention.bytes": ("Some GPT tokens hold only part of a character (an emoji, a Chinese one): "
                        "they show as their bytes, like <e5 ba>, and are compared by id.",
                        "有些 GPT 词元只是一个字符（表情符号、汉字）的一部分：它们显示为字节，"
                        "例如 <e5 ba>，比较时用 id。"),
    "attention.unk": ("MiniLM's vocabulary has no token for some characters (e.g. emoji): they became [UNK].",
                      "MiniLM 的词表里没有某些字符（例如表情符号）的词元：它们变成了 [UNK]。"),
    "attention.bv_same": ("bertviz draws only the first {cap} of the {n} tokens",
                          "bertviz 只画出 {n} 个词元中的前 {cap} 个"),
    "attention.bv_both": ("Of the {n} tokens, bertviz draws in the head view only the first {head} and in the "
                          "model view only the first {model}",
                          "在 {n} 个词元中，bertviz 的头视图只画前 {head} 个，模型视图只画前 {model} 个"),
    "attention.bv_head": ("Of the {n} tokens, bertviz draws in the head view only the first {head}",
                          "在 {n} 个词元中，bertviz 的头视图只画前 {head} 个"),
    "attention.bv_model": ("Of the {n} tokens, bertviz draws in the model view only the first {model}",
                           "在 {n} 个词元中，bertviz 的模型视图只画前 {model} 个"),
    "attention.bv_why": (" (each attention is an SVG line; more would freeze the browser).",
                         "（每个注意力都是一条 SVG 线，再多浏览器就会卡住）。"),
    "attention.bv_reread": (" MiniLM re-read the shorter text for those views.",
                            "MiniLM 为这两个视图重新读了截短后的文本。"),
    # ---- errors
    "attention.sentence": ("sentence", "句子"),
    "attention.no_words": ("MiniLM found no words in this text (only [CLS] and [SEP]). Please type a sentence.",
                           "MiniLM 在这段文本里没有找到任何词（只有 [CLS] 和 [SEP]），请输入一个句子。"),
    "attention.single": ("This text is a single token: attention has nothing to choose between. "
                         "Please type at least two words.",
                         "这段文本只有一个词元：注意力没有可以选择的对象。请至少输入两个词。"),
    "attention.unknown": ("Unknown model {name}; choose one of: {names}.",
                          "没有模型 {name}；请从这些模型中选一个：{names}。"),
    "attention.w.layer": ("layer", "层"), "attention.w.head": ("head", "注意力头"),
    "attention.not_whole": ("The {what} must be a whole number.", "{what}必须是整数。"),
    "attention.outside": ("The {what} must be between 0 and {hi} for this model.",
                          "这个模型的{what}必须在 0 到 {hi} 之间。"),
}
