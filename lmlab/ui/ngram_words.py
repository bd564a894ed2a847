"""The N-gram vs neural tab's words, in English and 简体中文 (``lmlab.ui.ngram`` and
``lmlab.ui.ngram_views`` use them).

Tab: N-gram vs neural.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
Keys without numbers are returned as written (plotly's ``%{x}`` stays as it is); keys filled with
numbers double the braces plotly needs (``%{{x}}``).
"""

SAMPLE_TOKENS = 60  # new tokens per sample

WORDS = {
    "ngram.intro": (
        "Before neural networks, a language model was a **table of counts**: an "
        "*n-gram model* predicts the next token from the n − 1 tokens before it "
        "(`lmlab/ngram.py`). Here it faces the GPT on the same tokens "
        "(`lmlab/compare.py`). **Compare** fills every panel below. Bars are labelled "
        "`token id:token` (`·` is a space, `⏎` a line break, `<e5 ba>` the bytes of part "
        "of a character); p is a probability.",
        "在神经网络出现之前，语言模型就是一张**计数表**：*n 元模型*根据前面的 n − 1 个词元预测下一个词元"
        "（`lmlab/ngram.py`）。这里让它和 GPT 在同样的词元上比一比（`lmlab/compare.py`）。点击**比较**会填满"
        "下面所有面板。柱子的标签是 `词元 id:词元`（`·` 是空格，`⏎` 是换行，`<e5 ba>` 是某个字符的一部分"
        "字节）；p 表示概率。"),
    "ngram.prompt": ("Prompt", "提示词"),
    "ngram.compare": ("Compare", "比较"),
    "ngram.order": ("Order n (the perplexity plot shows which n does best)",
                    "阶数 n（困惑度图显示哪个 n 效果最好）"),
    "ngram.order_info": ("the n-gram model reads the n − 1 tokens before the next one",
                         "n 元模型读取下一个词元之前的 n − 1 个词元"),
    "ngram.smoothing": ("Smoothing", "平滑方法"),
    "ngram.smoothing.kneser_ney": ("Kneser-Ney (modified, interpolated)", "Kneser-Ney 平滑（修正、插值）"),
    "ngram.smoothing.laplace": ("Laplace (add one)", "拉普拉斯平滑（加一）"),
    "ngram.smoothing.lidstone": ("Lidstone (add γ = 0.1)", "Lidstone 平滑（加 γ = 0.1）"),
    "ngram.smoothing.mle": ("MLE (raw counts, no smoothing)", "最大似然估计（原始计数，不做平滑）"),
    "ngram.seed": ("Seed for the samples", "采样的随机种子"),
    "ngram.why": ("Which n-gram table answered", "是哪一张 n 元计数表给出的回答"),
    "ngram.ngram_bars": ("n-gram: next token", "n 元模型：下一个词元"),
    "ngram.gpt_bars": ("GPT: next token", "GPT：下一个词元"),
    "ngram.ngram_sample": (f"n-gram sample ({SAMPLE_TOKENS} tokens, temperature 1)",
                           f"n 元模型的采样（{SAMPLE_TOKENS} 个词元，温度 1）"),
    "ngram.gpt_sample": (f"GPT sample ({SAMPLE_TOKENS} tokens, temperature 1)",
                         f"GPT 的采样（{SAMPLE_TOKENS} 个词元，温度 1）"),
    "ngram.passage_intro": (
        "### A held-out passage, coloured by surprisal\nHow surprised each model is "
        "by each token of text neither ever trained on: −log₂ p, in **bits** (1 bit = "
        "as surprised as by a fair coin's side; p = 1/1024 is 10 bits).",
        "### 一段留出文本，按惊奇度着色\n两个模型都没有在这段文本上训练过，看看每个词元让各个模型有多惊奇："
        "−log₂ p，单位是**比特**（1 比特 = 看到公平硬币落在某一面时的惊奇程度；p = 1/1024 就是 10 比特）。"),
    "ngram.work": ("Held-out work", "留出作品"),
    "ngram.line": ("From line", "起始行"),
    "ngram.pick": ("Pick passage", "选取段落"),
    "ngram.passage": ("Passage (edit it or paste your own)", "段落（可编辑，或粘贴你自己的文本）"),
    "ngram.figures_intro": (
        "### Held-out figures\n**Perplexity** = 2^(mean bits per token): lower is "
        "better. **Sparsity**: the share of held-out n-grams never seen in training, "
        "the reason counts fail as n grows.",
        "### 留出集上的图表\n**困惑度** = 2^(每个词元的平均比特数)：越低越好。**稀疏性**：留出集中"
        "训练时从未见过的 n 元组所占的比例，这正是 n 增大时计数方法失效的原因。"),
    "ngram.ppl_plot": ("Perplexity against n", "困惑度随 n 的变化"),
    "ngram.sparse_plot": ("Sparsity", "稀疏性"),
    "ngram.novel_intro": ("### A novel phrase: where counts fail and the network generalises",
                          "### 一个新短语：计数失效之处，正是神经网络泛化之时"),
    # ------------------------------------------------------------------ errors
    "ngram.what_passage": ("passage", "段落"),
    "ngram.bad_order": ("The order n must be a whole number from 1 to {top}.",
                        "阶数 n 必须是 1 到 {top} 之间的整数。"),
    "ngram.order_range": ("The order n must be a whole number from 1 to {top}, not {value}.",
                          "阶数 n 必须是 1 到 {top} 之间的整数，不能是 {value}。"),
    "ngram.bad_smoothing": ("Unknown smoothing {name}; pick one of {names}.",
                            "没有 {name} 这种平滑方法；请从菜单中选一种（接口取值：{names}）。"),
    "ngram.bad_seed": ("The seed must be a whole number.", "随机种子必须是整数。"),
    "ngram.seed_range": ("The seed must be a whole number from 0 to 4,294,967,295.",
                         "随机种子必须是 0 到 4,294,967,295 之间的整数。"),
    "ngram.bad_work": ("{work} is not one of the held-out works.", "{work} 不是留出作品。"),
    "ngram.bad_line": ("The line must be a whole number.", "行号必须是整数。"),
    "ngram.short_passage": ("The passage needs at least two tokens: the first is only context.",
                            "段落至少要有两个词元：第一个只作上下文。"),
    # ------------------------------------------------------------------ which table answered
    "ngram.why_short": (
        "The prompt has {n_ids} token(s), fewer than the {need} an order-{n} model conditions on, "
        "so it used all {n_ids}: a shorter context.",
        "提示词只有 {n_ids} 个词元，少于 {n} 阶模型要依据的 {need} 个，所以它用上了全部 {n_ids} 个："
        "上下文更短。"),
    "ngram.why_backoff": (
        "The full context never occurred in training, so the model backed off to the "
        "order-{order} table.",
        "完整的上下文在训练中从未出现过，所以模型回退到了 {order} 阶计数表。"),
    "ngram.why_context": ("the context {ctx} ({k} token(s))", "上下文 {ctx}（{k} 个词元）"),
    "ngram.why_no_context": ("no context (the unigram table: plain token frequencies)",
                             "空上下文（一元计数表：单纯的词元频率）"),
    "ngram.why_answered": (
        "The order-{order} table answered, for {what}: seen {count:,} times in training, "
        "followed by {followers:,} different tokens.",
        "给出回答的是 {order} 阶计数表，依据{what}：它在训练中出现过 {count:,} 次，后面跟过 "
        "{followers:,} 种不同的词元。"),
    "ngram.why_asked": (
        "The order-{order} table was asked (add-γ smoothing always asks the full context, no "
        "backoff), for {what}: seen {count:,} times in training, followed by {followers:,} "
        "different tokens.",
        "被查询的是 {order} 阶计数表（加 γ 平滑总是查完整的上下文，不回退），依据{what}：它在训练中"
        "出现过 {count:,} 次，后面跟过 {followers:,} 种不同的词元。"),
    "ngram.mass.kneser_ney": (
        "{mass:.1%} of the probability handed down to shorter contexts (Kneser-Ney's backoff "
        "weight).", "{mass:.1%} 的概率交给了更短的上下文（Kneser-Ney 的回退权重）。"),
    "ngram.mass.laplace": ("{mass:.1%} of the probability from the add-one pseudo-counts.",
                           "{mass:.1%} 的概率来自加一平滑的伪计数。"),
    "ngram.mass.lidstone": ("{mass:.1%} of the probability from the add-γ pseudo-counts.",
                            "{mass:.1%} 的概率来自加 γ 平滑的伪计数。"),
    "ngram.mass.mle": ("{mass:.1%} of the backoff mass (MLE never moves probability).",
                       "回退质量为 {mass:.1%}（最大似然估计从不挪动概率）。"),
    "ngram.why_gpt": ("The GPT read the last {k} token(s) of the prompt.",
                      "GPT 读取了提示词的最后 {k} 个词元。"),
    # ------------------------------------------------------------------ figures
    "ngram.model_name": ("{n}-gram, {smoothing}", "{n} 元模型，{smoothing}"),
    "ngram.infinite": ("∞ (a token had probability 0)", "∞（有词元的概率为 0）"),
    "ngram.probability": ("probability", "概率"),
    "ngram.ngram_trace": ("n-gram", "n 元模型"),
    "ngram.ppl_hover": ("n = %{x}: perplexity %{y:,.1f}<extra></extra>",
                        "n = %{x}：困惑度 %{y:,.1f}<extra></extra>"),
    "ngram.best_n": ("best n", "最佳 n"),
    "ngram.best_hover": ("best n = %{x}<extra></extra>", "最佳 n = %{x}<extra></extra>"),
    "ngram.ppl_x": ("n (order of the n-gram model)", "n（n 元模型的阶数）"),
    "ngram.ppl_y": ("held-out perplexity (log scale)", "留出集困惑度（对数刻度）"),
    "ngram.ppl_title": ("Perplexity against n, {smoothing} (lower is better)",
                        "困惑度随 n 的变化（越低越好）：{smoothing}"),
    "ngram.sparse_hover": ("n = %{x}: %{y:.1f}% never seen<extra></extra>",
                           "n = %{x}：%{y:.1f}% 从未见过<extra></extra>"),
    "ngram.sparse_y": ("% of held-out n-grams unseen in training", "训练中没见过的留出 n 元组（%）"),
    "ngram.sparse_title": ("Sparsity: new n-grams in held-out text", "稀疏性：留出文本中的新 n 元组"),
    # ------------------------------------------------------------------ the coloured passage
    "ngram.tip_first": ("first token: context only", "第一个词元：只作上下文"),
    "ngram.tip_zero": ("p = 0: ∞ bits", "p = 0：∞ 比特"),
    "ngram.tip_bits": ("p = {p}, {bits:.1f} bits", "p = {p}，{bits:.1f} 比特"),
    "ngram.passage_ppl": ("<b>{name}</b>: perplexity on this passage {ppl}",
                          "<b>{name}</b>：在这段文本上的困惑度为 {ppl}"),
    "ngram.colour_legend": (
        "Colour: surprisal −log₂ p, white 0 bits → red {top:g}+ bits; purple: probability 0 (∞); "
        "grey: the first token (context only). Hover a token for its p.",
        "颜色：惊奇度 −log₂ p，白色 0 比特 → 红色 {top:g} 比特及以上；紫色：概率为 0（∞）；灰色：第一个"
        "词元（只作上下文）。鼠标悬停在词元上可看它的 p。"),
    "ngram.passage_summary": (
        "{k} tokens scored. Perplexity of this passage (2 to the mean surprisal in bits: as unsure "
        "as a fair pick among that many tokens): {name} {ngram}, GPT {gpt}. The GPT was less "
        "surprised on {less} of {k} tokens.",
        "共为 {k} 个词元打分。这段文本的困惑度（2 的平均惊奇度次方，惊奇度以比特计；困惑度为 P，"
        "就像在 P 个词元里均匀随机地挑一个那样没把握）：{name} {ngram}，GPT {gpt}。在 {k} 个词元中，"
        "GPT 有 {less} 个的惊奇度比 n 元模型低。"),
    # ------------------------------------------------------------------ held-out figures
    "ngram.heldout_note": (
        "Perplexities on {tokens:,} held-out tokens (up to {per:,} from the middle of each of the "
        "{works} validation works), the same tokens for every model; `lmlab eval` scores all "
        "held-out tokens. Best n here: {best}. Sparsity counts all {positions:,} positions of the "
        "validation works.",
        "困惑度在 {tokens:,} 个留出词元上计算（{works} 部验证集作品各取中间的至多 {per:,} 个），每个"
        "模型用的都是同样的词元；`lmlab eval` 会给全部留出词元打分。这里最好的 n：{best}。稀疏性统计了"
        "验证集作品的全部 {positions:,} 个位置。"),
    "ngram.novel_unigram": (
        "With n = 1 there is no context, and every held-out token occurs in the training works: "
        "a unigram never meets an unseen n-gram. Pick n ≥ 2.",
        "n = 1 时没有上下文，而每个留出词元都在训练作品中出现过：一元模型永远遇不到没见过的 n 元组。"
        "请选 n ≥ 2。"),
    "ngram.novel_none": (
        "No held-out word in the slice has an unseen n-gram that the GPT predicted better than "
        "the n-gram model.",
        "这段留出切片里没有这样的词：它的 n 元组没见过，而 GPT 又比 n 元模型预测得更好。"),
    "ngram.novel_from": ("From {title} (held out), token {position:,}:",
                         "出自{title}（留出作品），第 {position:,} 个词元："),
    "ngram.novel_gram": ("The {order}-gram {gram} never occurs in the training works.",
                         "{order} 元组 {gram} 在训练作品中从未出现。"),
    "ngram.novel_context": (
        "Its context (blue) occurs {count:,} times there, followed by {followers:,} different "
        "tokens, never by {target}.",
        "它的上下文（蓝色）在那里出现过 {count:,} 次，后面跟过 {followers:,} 种不同的词元，却从没"
        "跟过 {target}。"),
    "ngram.novel_ngram_p": ("{name}: p = {p}", "{name} 给出的概率：p = {p}"),
    "ngram.novel_gpt": ("GPT (reading the {k} tokens before it): p = {p}, {ratio:,.1f} times more.",
                        "GPT（读取它之前的 {k} 个词元）：p = {p}，是 n 元模型的 {ratio:,.1f} 倍。"),
    "ngram.novel_gpt_inf": ("GPT (reading the {k} tokens before it): p = {p}, infinitely more.",
                            "GPT（读取它之前的 {k} 个词元）：p = {p}，而 n 元模型给的是 0。"),
    "ngram.novel_found": (
        "Found by code: of the held-out words whose n-gram is new, the one the GPT found likeliest.",
        "由代码自动找出：在 n 元组为新的留出词里，选 GPT 认为可能性最大的那个。"),
}
