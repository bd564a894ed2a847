"""The Explain tab's words, in English and 简体中文 (``lmlab.ui.explain`` uses them).

Tab: Explain.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
``{placeholders}`` are filled by ``lmlab.ui.i18n.t``; ``%{...}`` are plotly's hover fields.
"""

from lmlab.ui.common import MAX_CHARS

EVALS_MAX = 200  # the slider's top (lmlab.ui.explain.EVALS_RANGE)
WORDS = {
    "explain.intro": (
        "Which words made the model say that? **SHAP** hides groups of tokens, runs the model on each masked copy and "
        "shares the change out, token by token (**red** pushes the output up, **blue** down). Beside it, two cheaper "
        "views of the same tokens: **gradient × input** and **attention** (last layer, mean over heads), and how well "
        "each agrees with SHAP. With few model evaluations SHAP stops splitting early: the tokens of a group it did "
        "not split share the group's value equally; more evaluations give finer detail.",
        "是哪些词让模型这样说的？**SHAP** 遮住若干组词元，让模型读每一份被遮住的副本，再把输出的变化"
        "逐个词元分摊下去（**红色**把输出往上推，**蓝色**往下推）。旁边是同样这些词元的两种更省算力的"
        "视图：**梯度 × 输入**和**注意力**（最后一层，对所有头取平均），以及它们各自与 SHAP 的一致程度。"
        "模型评估次数少时，SHAP 会较早停止细分：没有再拆开的一组词元平分这一组的值；评估次数越多，"
        "细节越精细。"),
    "explain.tab_explain": ("Explain a prediction", "解释一次预测"),
    "explain.tab_heldout": ("Classifier on held-out plays", "分类器在留出剧本上的表现"),
    "explain.text": ("Text", "文本"), "explain.go": ("Explain", "解释"), "explain.model": ("Model", "模型"),
    "explain.m.classifier": ("Genre classifier (MiniLM, fine-tuned)", "体裁分类器（MiniLM，微调）"),
    "explain.m.gpt": ("Shakespeare GPT (next token)", "莎士比亚 GPT（预测下一个词元）"),
    "explain.genre": ("Explain the probability of", "要解释的概率"),
    "explain.predicted": ("the predicted genre", "预测出的体裁"),
    "explain.g.comedy": ("comedy", "喜剧"), "explain.g.tragedy": ("tragedy", "悲剧"),
    "explain.g.history": ("history", "历史剧"),
    # the picker glosses each genre with the classifier's own class name (its API value)
    "explain.pick.comedy": ("comedy", "喜剧（comedy）"), "explain.pick.tragedy": ("tragedy", "悲剧（tragedy）"),
    "explain.pick.history": ("history", "历史剧（history）"),
    "explain.token": ("Next token to explain (empty: the GPT's choice)", "要解释的下一个词元（留空：用 GPT 选的）"),
    "explain.evals": ("SHAP model evaluations (more: finer, slower)", "SHAP 的模型评估次数（越多越精细，也越慢）"),
    "explain.evals_what": ("Model evaluations", "模型评估次数"),
    "explain.evals_info": (f"At most {EVALS_MAX} evaluations and {MAX_CHARS:,} characters per explanation, "
                           "so one takes a few seconds on this server.",
                           f"每次解释最多 {EVALS_MAX} 次评估、{MAX_CHARS:,} 个字符，"
                           "所以在这台服务器上一次解释只需几秒。"),
    "explain.text_plot": ("shap's text plot", "SHAP 的文本图"), "explain.bars": ("SHAP values", "SHAP 值"),
    "explain.frame_title": ("shap text plot", "SHAP 文本图"),
    "explain.base_value": ("base value", "基准值"), "explain.inputs": ("inputs", "输入"),
    "explain.compare": ("SHAP, gradient × input, attention", "SHAP、梯度 × 输入、注意力"),
    "explain.heldout_intro": ("The genre classifier never saw these six plays in training. Rows are the true genre, "
                              "columns the predicted one.",
                              "体裁分类器在训练时从未见过这六部剧。行是真实体裁，列是预测体裁。"),
    "explain.evaluate": ("Evaluate now", "立即评估"), "explain.confusion": ("Confusion matrix", "混淆矩阵"),
    "explain.progress": ("SHAP: the model reads masked copies of the text", "SHAP：模型正在读文本被遮住的各份副本"),
    "explain.progress_report": ("classifying 600 held-out passages (about a minute the first time)",
                                "正在给 600 段留出文本分类（第一次约需一分钟）"),
    # figures
    "explain.bars_title": ("SHAP value per token", "每个词元的 SHAP 值"),
    "explain.bars_x": ("SHAP value (change in {target})", "SHAP 值（{target} 的变化量）"),
    "explain.row_grad": ("gradient × input", "梯度 × 输入"), "explain.row_attention": ("attention", "注意力"),
    "explain.compare_title": ("Three explanations, same tokens (each row scaled to its largest value)",
                              "同一组词元的三种解释（每行按该行绝对值最大者缩放）"),
    "explain.cm_hover": ("true %{y}, predicted %{x}: %{z}<extra></extra>",
                         "真实 %{y}，预测 %{x}：%{z}<extra></extra>"),
    "explain.true": ("true genre", "真实体裁"), "explain.pred": ("predicted genre", "预测体裁"),
    # the status under the figures
    "explain.kind.classifier": ("classifier", "分类器"),
    "explain.explained": ("**Explained:** {target} = **{output:.4f}** ({model}, {n} tokens)",
                          "**解释的是：**{target} = **{output:.4f}**（{model}，{n} 个词元）"),
    "explain.holds": ("holds ✓", "成立 ✓"), "explain.fails": ("fails ✗", "不成立 ✗"),
    "explain.additivity": ("**Additivity {ok}:** base value {base:.4f} + sum of SHAP values {sum:+.4f} = "
                           "{total:.4f}; output {output:.4f} (difference {err:.1e})",
                           "**可加性{ok}：**基准值 {base:.4f} + SHAP 值之和 {sum:+.4f} = {total:.4f}；"
                           "输出 {output:.4f}（相差 {err:.1e}）"),
    "explain.undefined": ("undefined (too few tokens)", "无定义（词元太少）"),
    "explain.agreement": ("**Rank agreement with |SHAP| (Spearman):** attention {att}, gradient × input {gxi}",
                          "**与 |SHAP| 的排名一致性（斯皮尔曼 ρ）：**注意力 {att}，梯度 × 输入 {gxi}"),
    "explain.timing": ("SHAP took {s:.2f} s for at most {n} model evaluations.",
                       "SHAP 用了 {s:.2f} 秒，最多做 {n} 次模型评估。"),
    "explain.cut_gpt": ("The text was {n:,} tokens; only its last {k} (the GPT's context) were "
                        "explained.", "这段文字有 {n:,} 个词元；只解释了最后 {k} 个（GPT 的上下文）。"),
    "explain.cut_classifier": ("The text was {n:,} tokens; only its first {k} were explained "
                               "(the classifier read passages of at most {m}).",
                               "这段文字有 {n:,} 个词元；只解释了前 {k} 个（分类器读的段落最多 "
                               "{m} 个词元）。"),
    "explain.one_token": ("One token: SHAP has a single token to share the output among, so its "
                          "value is exact and the picture is simple. Try a line or two.",
                          "只有一个词元：SHAP 只能把输出全部分给它，所以它的值是精确的，图也很简单。"
                          "试试一两行文字。"),
    "explain.units": (
        "**How to read it.** The **base value** is the model's output with every token hidden; "
        "each token's SHAP value is how much it moves the output from there, and they add up "
        "to the output. For the classifier the output is a probability P(genre) from 0 to 1; "
        "for the GPT it is **log p**, the natural log of the next token's probability (0 = "
        "certain, −2.3 = p of 0.1). **Spearman ρ** compares rankings: +1 = the view ranks the "
        "tokens exactly as |SHAP| does, 0 = no relation, −1 = reversed. Labels are "
        "`position: token`; `·` is a space, `<e5 ba>` the bytes of part of a character.",
        "**怎么读。** **基准值**是所有词元都被遮住时模型的输出；每个词元的 SHAP 值表示它把输出从"
        "基准值推动了多少，全部加起来正好等于输出。分类器的输出是概率 P(体裁)，在 0 到 1 之间；"
        "GPT 的输出是 **log p**，即下一个词元概率的自然对数（0 = 完全确定，−2.3 = 概率 0.1）。"
        "**斯皮尔曼 ρ** 比较排名：+1 = 该视图给词元的排名与 |SHAP| 完全一致，0 = 无关，−1 = "
        "完全相反。标签格式是 `位置: 词元`；`·` 是空格，`<e5 ba>` 是某个字符的一部分字节。"),
    # the held-out report
    "explain.report": (
        "**{n} passages** of {lines} lines from the six held-out plays ({plays}), the same number "
        "from each play.\n\n| measure | value |\n|---|---|\n"  # one row per measure: reads at 390 px too
        "| accuracy | {acc:.3f} |\n| macro precision | {prec:.3f} |\n| macro recall | {rec:.3f} |\n"
        "| macro-F1 | {f1:.3f} |\n| always the most common genre | {major:.3f} |\n\n"
        "F1 per genre: {per_genre}. \"Macro\": the mean over the genres, each counting alike. "
        "Computed in {s:.0f} s.",
        "六部留出剧目（{plays}）中的 **{n} 段**，每段 {lines} 行，每部剧取的段数相同。\n\n"
        "| 指标 | 值 |\n|---|---|\n"
        "| 准确率 | {acc:.3f} |\n| 宏平均精确率 | {prec:.3f} |\n| 宏平均召回率 | {rec:.3f} |\n"
        "| 宏平均 F1 | {f1:.3f} |\n| 多数类基线（总猜最常见的体裁） | {major:.3f} |\n\n"
        "各体裁的 F1：{per_genre}。“宏平均”：对各体裁取平均，每种体裁同等计入。用时 {s:.0f} 秒。"),
    # errors
    "explain.bad_genre": ("Pick a genre from the list: {genres}.", "请从列表中选一种体裁：{genres}。"),
    "explain.not_one": ("The token to explain must be one token; {token} is {n} tokens ({pieces}). "
                        "Try a single word with its leading space, e.g. ' the'.",
                        "要解释的必须是单个词元；{token} 是 {n} 个词元（{pieces}）。"
                        "试试带前导空格的单个常用词。"),
    "explain.no_tokens": ("The text has no tokens this model can read; type some words.",
                          "这段文字里没有这个模型能读的词元，请输入一些词。"),
}
