"""The Generate tab's words, in English and 简体中文 (``lmlab.ui.generate`` uses them).

Tab: Generate.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
Generated text and tokens are model output: never translated (shown with ``translate="no"``).
"""

WORDS = {
    "generate.intro": (
        "Type a prompt; the model writes one token at a time. In the text, each new token is "
        "shaded by how unlikely it was (**darker = less likely**; hover for its probability p). "
        "Each bar chart shows the candidates for one step: **orange** is the token chosen, "
        "**blue** the ones it could have chosen, **grey** the ones top-k / top-p cut off. "
        "*Entropy* measures how unsure the model was, in **nats** (natural-log units: 0 = "
        "certain, ln 2 ≈ 0.69 = a fair coin, ln 2048 ≈ 7.6 = any token alike). "
        "`·` is a space, `⏎` a line break, `<e5 ba>` the bytes of part of a character.",
        "输入提示词，模型一次写出一个词元。文本中每个新词元的底色表示它有多意外（**越深越不可能**；"
        "鼠标悬停可看概率 p）。每个柱状图是某一步的候选词元：**橙色**是选中的词元，**蓝色**是本可"
        "选的，**灰色**是被 top-k / top-p 截掉的。*熵*表示模型有多不确定，单位是**奈特**（自然对数"
        "单位：0 = 完全确定，ln 2 ≈ 0.69 = 抛硬币，ln 2048 ≈ 7.6 = 每个词元都一样）。`·` 是空格，"
        "`⏎` 是换行，`<e5 ba>` 是某个字符的一部分字节。"),
    "generate.limits": ("At most {n} new tokens and {s:.0f} s per request.",
                        "每次请求最多 {n} 个新词元、{s:.0f} 秒。"),
    "generate.stats": ("{n} tokens, {rate:.1f} tokens/s.", "{n} 个词元，每秒 {rate:.1f} 个。"),
    "generate.model": ("Model: {params:,} parameters, {layers} layers.",
                       "模型：{params:,} 个参数，{layers} 层。"),
    "generate.cut": ("The prompt was cut to its last {n} tokens (the model's context).",
                     "提示词被截为最后 {n} 个词元（模型的上下文长度）。"),
    "generate.time": ("Stopped after {s:.0f} s, the time limit of one request.",
                      "已在 {s:.0f} 秒后停止，这是单次请求的时间上限。"),
    "generate.stopped": ("Stopped by you after {n} tokens.", "你在生成 {n} 个词元后停止了。"),
    "generate.no_hub": ("Type a hub model id (e.g. distilgpt2) or pick a shipped model.",
                        "请输入一个 hub 模型 id（例如 distilgpt2），或选择一个自带的模型。"),
    "generate.bars_title": ("Candidates, step {step}, temperature {t:g}",
                            "候选词元：第 {step} 步，温度 {t:g}"),
    "generate.outside": ("(chosen, outside the top {k})", "（选中，不在前 {k} 名）"),
    "generate.prompt": ("Prompt", "提示词"),
    "generate.model_pick": ("Model", "模型"),
    "generate.hub_id": ("Hub model id (used only when the hub model is picked above; downloaded from the Hugging "
                        "Face hub, so it needs the internet)",
                        "Hub 模型 id（仅在上面选择了 hub 模型时使用；需从 Hugging Face hub 下载，因此要联网）"),
    "generate.hub_eg": ("e.g. distilgpt2", "例如 distilgpt2"),
    "generate.go": ("Generate", "生成"),
    "generate.stop": ("Stop", "停止"),
    "generate.temperature": ("Temperature (0 = greedy)", "温度（0 = 贪心解码）"),
    "generate.temperature_info": ("logits ÷ T before softmax: < 1 sharper, > 1 flatter",
                                  "softmax 之前把 logits 除以 T：小于 1 分布更尖锐，大于 1 更平坦"),
    "generate.top_k": ("Top-k (0 = off)", "top-k（0 = 关闭）"),
    "generate.top_k_info": ("draw only from the k likeliest tokens", "只从概率最高的 k 个词元中采样"),
    "generate.top_p": ("Top-p (1 = off)", "top-p（1 = 关闭）"),
    "generate.top_p_info": ("draw from the fewest likeliest tokens whose p adds up to p",
                            "从累计概率达到 p 的最少几个高概率词元中采样"),
    "generate.max_new": ("Max new tokens", "最多新词元数"),
    "generate.seed": ("Seed (same seed, same text)", "随机种子（种子相同，文本相同）"),
    "generate.text": ("Text", "文本"),
    "generate.candidates": ("Candidates", "候选词元"),
    "generate.entropy": ("Entropy per step", "每一步的熵"),
    "generate.inspect": ("Inspect step", "查看第几步"),
    "generate.inspect_info": ("the step whose candidates the bar chart shows", "柱状图显示哪一步的候选词元"),
    # ---- the model picker (names in each language; sizes read from each checkpoint)
    "generate.m.shakespeare": ("Shakespeare GPT (shipped)", "莎士比亚 GPT（自带）"),
    "generate.m.shakespeare-int8": ("Shakespeare GPT, int8 weights (the shipped model quantized)",
                                    "莎士比亚 GPT，8 位整数权重（自带模型的量化版）"),
    "generate.m.shakespeare-distilled": ("Shakespeare GPT, distilled", "莎士比亚 GPT，知识蒸馏版"),
    "generate.m.hub": ("A GPT-2-family model from the Hugging Face hub (type its id below)",
                       "来自 Hugging Face 模型库的 GPT-2 系列模型（在下面输入它的 id）"),
    "generate.size": ("{name}: {m:.1f}M parameters, {layers} layers x {heads} heads",
                      "{name}：参数量 {m:.1f}M，{layers} 层 × {heads} 个头"),
    # ---- figures
    "generate.p_axis": ("probability p", "概率 p"),
    "generate.entropy_title": ("How unsure the model was", "模型有多不确定"),
    "generate.step_axis": ("step", "步数"),
    "generate.entropy_axis": ("entropy (nats)", "熵（奈特）"),
    "generate.entropy_hover": ("step %{x}: %{y:.2f} nats, chose %{text}",
                               "第 %{x} 步：熵 %{y:.2f} 奈特，选中 %{text}"),
    # ---- errors (the controls as the sentences name them)
    "generate.w.temperature": ("Temperature", "温度"),
    "generate.w.top_k": ("Top-k", "top-k "),  # a space between a Latin name and the Chinese after it
    "generate.w.top_p": ("Top-p", "top-p "),
    "generate.w.max_new": ("Max new tokens", "最多新词元数"),
    "generate.w.inspect": ("Inspect step", "要查看的步数"),
    "generate.w.seed": ("Seed", "随机种子"),
    "generate.tiny_t": ("Temperature {t:g} is too small to divide by; use 0 for greedy, or at least {min:g}.",
                        "温度 {t:g} 太小，不能作除数：要贪心解码请用 0，否则至少用 {min:g}。"),
    "generate.top_p_zero": ("Top-p must be above 0 (1 = off).", "top-p 必须大于 0（1 = 关闭）。"),
    "generate.bad_seed": ("The seed must be a whole number from 0 up.", "随机种子必须是 0 或更大的整数。"),
    "generate.bad_hub_id": ("A hub id looks like 'gpt2' or 'user/model-name' (letters, digits, . _ -); "
                            "local paths and URLs are not accepted.",
                            "hub 模型 id 的样子是 'gpt2' 或 'user/model-name'（字母、数字和 . _ -）；"
                            "不接受本地路径和网址。"),
    "generate.hub_off": ("Hub models are off on this server; choose one of the shipped models.",
                         "这台服务器没有开启 hub 模型，请选择一个自带的模型。"),
}
