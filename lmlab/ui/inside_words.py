"""The Inside tab's words, in English and 简体中文 (``lmlab.ui.inside`` uses them).

Tab: Inside.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
"""

WORDS = {
    "inside.intro": ("Look inside the shipped GPT (4 blocks x 4 heads): every number comes from its own "
                     "forward pass (`lmlab.lens`).", "看看内置 GPT（4 个块 × 4 个头）的内部：每个数字都来自它自己的"
                     "前向计算（`lmlab.lens`）。"),
    "inside.row_emb": ("embeddings", "嵌入"),
    "inside.row_block": ("after block {i}", "块 {i} 之后"),
    "inside.row_layer": ("layer {i}", "第 {i} 层"),
    "inside.row_head": ("head {i}", "头 {i}"),
    "inside.lens": ("### Logit lens: what the model would predict if it stopped after each block",
                    "### 对数几率透镜（logit lens）：如果模型在每个块之后就停下，它会预测什么"),
    "inside.prompt": ("Prompt", "提示词"),
    "inside.prompt_info": ("Up to 128 tokens (the model's context); the table shows the last 16 positions.",
                           "最多 128 个词元（模型的上下文）；表格显示最后 16 个位置。"),
    "inside.go": ("Look inside", "查看内部"),
    "inside.lens_title": ("Top next token after each block (colour: its probability; hover: top 5)",
                          "每个块之后概率最高的下一个词元（颜色为概率；悬停显示前 5 个）"),
    "inside.cut": ("The prompt is {n} tokens; the table shows the last {shown}.", 
                          "提示词有 {n} 个词元；表格显示最后 {shown} 个。"),
    "inside.context": (" The model reads only the last {ctx} (its context).", "模型只读最后 {ctx} 个（它的上下文）。"),
    "inside.patch": ("### Activation patching: paste the clean run into the corrupted one, one cell at a time",
                     "### 激活修补：把干净运行的残差流逐格粘贴进被破坏的运行"),
    "inside.preset": ("Preset", "预设"),
    "inside.preset_info": ("Pairs that differ in one name and work on the shipped GPT.", 
                          "只差一个名字、在内置 GPT 上有效的提示词对。"),
    "inside.clean": ("Clean prompt", "干净提示词"),
    "inside.corrupt": ("Corrupted prompt", "被破坏的提示词"),
    "inside.pair_info": ("Both must be the same number of tokens.", "两者的词元数必须相同。"),
    "inside.answer": ("Answer (clean)", "答案（干净）"),
    "inside.wrong": ("Wrong answer (corrupted)", "错误答案（被破坏）"),
    "inside.answer_info": ("One token; a leading space is added if the word has none.", 
                          "一个词元；若没有前导空格会自动加上。"),
    "inside.patch_go": ("Patch", "修补"),
    "inside.patch_title": ("Share of logit[answer] − logit[wrong] restored (1 = all of it)",
                           "恢复的 logit[答案] − logit[错误] 的比例（1 表示全部恢复）"),
    "inside.lengths": ("The clean prompt is {a} tokens and the corrupted one {b}; patching needs the same "
                       "number. Change a word so both have the same count (e.g. swap one name for another).",
                       "干净提示词有 {a} 个词元，被破坏的有 {b} 个；修补要求词元数相同。请换一个词使两者相同"
                       "（例如把一个名字换成另一个）。"),
    "inside.same": ("The two prompts are the same tokens: change one word of the corrupted prompt.",
                    "两个提示词的词元完全相同：请修改被破坏提示词中的一个词。"),
    "inside.multi": ("{word!r} is {n} tokens; the patching map compares single tokens: try {hint!r}.",
                     "{word!r} 是 {n} 个词元；修补图只比较单个词元：试试 {hint!r}。"),
    "inside.too_long": ("The prompts are {n} tokens; patching reads at most {limit} (it runs the model "
                        "{rows} times at once). Please shorten them.",
                        "提示词有 {n} 个词元；修补最多读 {limit} 个（它一次要运行模型 {rows} 次）。请缩短。"),
    "inside.patch_md": ("logit[{a}] − logit[{w}]: clean **{clean:.2f}**, corrupted **{corrupt:.2f}**. "
                        "The prompts first differ at position {first}. The biggest share before the last "
                        "position: **{best:.0%}** at {where}; at the last position after block {block}: "
                        "**{last:.0%}**.", "logit[{a}] − logit[{w}]：干净 **{clean:.2f}**，被破坏 "
                        "**{corrupt:.2f}**。两个提示词从位置 {first} 开始不同。最后一个位置之前最大的比例："
                        "**{best:.0%}**，在 {where}；块 {block} 之后最后一个位置：**{last:.0%}**。"),
    "inside.small": (" The two prompts change the difference by only {d:.2f}: the shares are ratios of small "
                     "numbers, so read them loosely.", " 两个提示词只让差值变化了 {d:.2f}：比例是小数之比，"
                     "请宽松地理解。"),
    "inside.induction": ("### Induction heads: a random sequence, repeated", "### 归纳头：重复一遍的随机序列"),
    "inside.ind_md": ("Score = attention from a token in the second copy to the token after its first "
                      "occurrence (Olsson et al. 2022). Even attention would score {base:.3f}; the best head "
                      "here is layer {l}, head {h}: **{best:.3f}**. Loss on the first copy {first:.2f} nats, on "
                      "the second {second:.2f}: {verdict}",
                      "得分 = 第二遍中的词元对它第一次出现时后面那个词元的注意力（Olsson 等，2022）。均匀注意力"
                      "的得分是 {base:.3f}；这里最好的头是第 {l} 层第 {h} 个头：**{best:.3f}**。第一遍的损失 "
                      "{first:.2f} 奈特，第二遍 {second:.2f}：{verdict}"),
    "inside.ind_yes": ("the model predicts the repeat better, the mark of induction heads.",
                       "模型对重复部分预测得更好，这是归纳头的标志。"),
    "inside.ind_no": ("no better: this small model has no induction heads (none scores above even attention).",
                      "并没有更好：这个小模型没有归纳头（没有一个头高于均匀注意力）。"),
    "inside.ind_title": ("Induction score per head", "每个头的归纳得分"),
    "inside.prev_title": ("Previous-token score per head", "每个头的前一词元得分"),
    "inside.layer": ("Layer", "层"),
    "inside.head": ("Head", "头"),
    "inside.pattern_info": ("The head whose attention on the repeated sequence is drawn.", 
                          "画出该头在重复序列上的注意力。"),
    "inside.pattern_title": ("Layer {l}, head {h} on the repeated sequence: an induction head lights the "
                             "stripe {L} − 1 left of the diagonal", "第 {l} 层第 {h} 个头在重复序列上：归纳头会点亮"
                             "对角线左侧第 {L} − 1 条斜线"),
    "inside.ablate": ("### Head ablation: switch one head off, see what the next token loses",
                      "### 注意力头消融：关掉一个头，看下一个词元的分布损失多少"),
    "inside.mode": ("Ablation", "消融方式"),
    "inside.mode_info": ("zero: the head outputs 0; mean: its output averaged over the prompt's positions.",
                         "置零：该头输出 0；取平均：输出替换为它在各位置上的平均。"),
    "inside.mode.zero": ("zero", "置零"), "inside.mode.mean": ("mean", "取平均"),
    "inside.ablate_title": ("KL(original ‖ ablated) of the next token after the prompt, nats",
                            "提示词之后下一个词元分布的 KL(原始 ‖ 消融)，单位奈特"),
    "inside.ablate_md": ("Next token after the prompt: {base}. Without layer {l}, head {h} (the biggest loss, "
                         "KL {kl:.3f} nats): {ablated}.", "提示词之后的下一个词元：{base}。去掉第 {l} 层第 {h} 个头"
                         "（损失最大，KL {kl:.3f} 奈特）后：{ablated}。"),
    "inside.clean_what": ("clean prompt", "干净提示词"), "inside.corrupt_what": ("corrupted prompt", "被破坏的提示词"),
    "inside.answer_what": ("answer", "答案"),
    "inside.position": ("position", "位置"), "inside.layer_axis": ("layer", "层"), "inside.head_axis": ("head", "头"),
    "inside.key": ("key", "键"), "inside.query": ("query", "查询"),
}
