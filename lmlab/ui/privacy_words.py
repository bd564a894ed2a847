"""The Privacy tab's words, in English and 简体中文 (``lmlab.ui.privacy`` uses them).

Tab: Privacy.  Gathered into the UI's catalogue by ``lmlab.ui.i18n`` like every ``WORDS``.
"""

WORDS = {
    "privacy.intro": (
        "What does a language model keep of its training text, and can anyone tell? Four "
        "experiments, each computed by `lmlab.privacy` on LM Lab's own models.",
        "语言模型会记住训练文本中的什么？别人能看出来吗？下面四个实验都由 `lmlab.privacy` 在 "
        "LM Lab 自己的模型上实际计算。"),
    "privacy.canary_h": ("### 1. A planted secret (canary)", "### 1. 植入的秘密（金丝雀）"),
    "privacy.canary_md": (
        "The line <i translate=\"no\">the code of the gate is 4821</i> was written 0, 1, 4 or 16 times into the "
        "training text of a tiny GPT (2 layers, width 64), trained for the same number of steps "
        "each time. We ask the model how likely each of the 10,000 codes 0000-9999 is and sort "
        "them. **Rank** = where the true code lands (1 = first guess). **Exposure** = "
        "log₂ 10,000 − log₂ rank, in bits: about 1 for a secret never seen, 13.3 when it is the "
        "first guess. **DP-SGD** clips each example's gradient and adds noise (ε below: smaller "
        "is more private).",
        "一行文字 <i translate=\"no\">the code of the gate is 4821</i> 被写进一个小 GPT（2 层，宽 64）的"
        "训练文本 0、1、4 或 16 次，每次训练的步数相同。我们让模型给 0000-9999 这 10,000 个密码各打一个概率并排序。"
        "**排名** = 真密码排在第几（1 = 第一个猜测）。**暴露度** = log₂ 10,000 − log₂ 排名，单位是比特："
        "从未见过的秘密约为 1，排第一时为 13.3。**DP-SGD**（差分隐私随机梯度下降）裁剪每个样本的梯度"
        "并加入噪声（下面的 ε 越小越私密）。"),
    "privacy.insertions": ("Times the secret was inserted", "秘密插入的次数"),
    "privacy.insertions_info": ("copies of the canary line in the training text",
                                "训练文本中金丝雀句子的份数"),
    "privacy.dp": ("Train with DP-SGD (noise σ = 1)", "用 DP-SGD 训练（噪声 σ = 1）"),
    "privacy.dp_info": ("per-example clipping to norm 1, Gaussian noise of σ = 1 times that",
                        "每个样本的梯度裁剪到范数 1，再加标准差为 σ = 1 倍的高斯噪声"),
    "privacy.code": ("Code to rank", "要排名的密码"),
    "privacy.code_info": ("the true secret is 4821; type any four digits to see their rank",
                          "真正的秘密是 4821；输入任意四位数字看它的排名"),
    "privacy.rank_btn": ("Rank the code", "给密码排名"),
    "privacy.bad_code": ("The code must be exactly four digits, 0000 to 9999 (you typed {text!r}).",
                         "密码必须正好是四位数字，0000 到 9999（你输入的是 {text!r}）。"),
    "privacy.bad_insertions": ("Pick 0, 1, 4 or 16 insertions.", "请选择插入 0、1、4 或 16 次。"),
    "privacy.no_dp_zero": (
        "There is no DP model with 0 insertions: with no secret in the text there is nothing to "
        "protect. Pick 1, 4 or 16, or turn DP-SGD off.",
        "没有插入 0 次的差分隐私模型：文本里没有秘密，也就没有要保护的东西。请选 1、4 或 16，或关闭 DP-SGD。"),
    "privacy.rank_result": (
        "**{code}** ranks **{rank:,}** of 10,000 under the model trained with {n} insertion(s){dp}: "
        "exposure **{bits:.2f} bits** of 13.29. {verdict}",
        "在插入 {n} 次{dp}训练出的模型下，**{code}** 在 10,000 个密码中排第 **{rank:,}** 名："
        "暴露度 **{bits:.2f} 比特**（最多 13.29）。{verdict}"),
    "privacy.dp_suffix": (" and DP-SGD (ε = {eps:.2f} at δ = 10⁻⁵)", "、用 DP-SGD（ε = {eps:.2f}，δ = 10⁻⁵）"),
    "privacy.leaked": ("An attacker who tries codes in the model's order finds it at once.",
                       "按模型给出的顺序去试密码的攻击者，一下就能找到它。"),
    "privacy.partly": ("The model has narrowed the search: fewer guesses than by chance.",
                       "模型缩小了搜索范围：需要的猜测比随机猜少。"),
    "privacy.kept": ("About what chance gives: the model keeps the secret.",
                     "和随机猜差不多：模型守住了秘密。"),
    "privacy.not_secret": ("({code} is not the planted secret 4821: this rank is just the model's "
                           "opinion of that code.)", "（{code} 不是植入的秘密 4821：这个排名只是模型对这个密码"
                           "的看法。）"),
    "privacy.top": ("Top guesses", "最可能的猜测"),
    "privacy.hist_title": ("log p of all 10,000 codes (the line: {code})",
                           "全部 10,000 个密码的 log p（竖线：{code}）"),
    "privacy.hist_x": ("log p(code | \"the code of the gate is\")", "log p(密码 | 金丝雀句子的前半句)"),
    "privacy.count": ("codes", "密码个数"),
    "privacy.hist_hover": ("log p %{x}<br>%{y} codes<extra></extra>", "log p %{x}<br>%{y} 个密码<extra></extra>"),
    "privacy.curve_hover": ("%{x}: %{y:.2f} bits<extra></extra>", "%{x}：%{y:.2f} 比特<extra></extra>"),
    "privacy.bad_pair": ("Pick one of: {pairs}.", "请从这些中选一对：{pairs}。"),
    "privacy.curve_title": ("Exposure of 4821 against insertions", "4821 的暴露度随插入次数的变化"),
    "privacy.curve_x": ("insertions", "插入次数"),
    "privacy.curve_y": ("exposure (bits)", "暴露度（比特）"),
    "privacy.plain": ("ordinary training", "普通训练"),
    "privacy.with_dp": ("DP-SGD, σ = 1", "差分隐私（DP-SGD），σ = 1"),
    "privacy.chance": ("chance (about 1 bit)", "随机水平（约 1 比特）"),
    "privacy.mem_h": ("### 2. Memorisation probe", "### 2. 记忆探针"),
    "privacy.mem_md": (
        "Type or pick the start of a line. The shipped Shakespeare GPT continues it greedily (always "
        "the likeliest token). Does it finish the line word for word? Try a line from a training "
        "work and one from a held-out work (never trained on): if the first comes back verbatim "
        "and the second does not, that is memorisation. The chart: the share of 250 lines of each "
        "kind continued verbatim (4 tokens asked) for different numbers of tokens given.",
        "输入或选择一行的开头。随附的莎士比亚 GPT 用贪心解码（每步取最可能的词元）续写。它会一字不差地写完这一行吗？"
        "分别试一行训练作品中的和一行留出作品（从未训练过）中的：如果前者原样复现而后者没有，那就是记忆。"
        "图表：每类 250 行中被原样续写（要求 4 个词元）的比例，随给出的词元数变化。"),
    "privacy.train_line": ("Line start from a training work", "训练作品中某行的开头"),
    "privacy.heldout_line": ("Line start from a held-out work", "留出作品中某行的开头"),
    "privacy.line_info": ("up to 64 tokens; the model writes 8 more", "最多 64 个词元；模型再写 8 个"),
    "privacy.pick": ("Or pick a pair", "或选一对"),
    "privacy.pick_info": ("a famous line from a training work and one from a held-out work",
                          "一行训练作品中的名句，一行留出作品中的名句"),
    "privacy.probe_btn": ("Continue both", "续写两行"),
    "privacy.empty_prefix": ("The line start is empty. Type the first words of a line.",
                             "行首为空，请输入一行的开头几个词。"),
    "privacy.long_prefix": ("The line start is too long ({n} tokens; the limit is {limit}). Type only "
                            "the first words of a line.", "行首太长（{n} 个词元，上限 {limit}）。只需输入一行的"
                            "开头几个词。"),
    "privacy.probe_head": ("**{which}**: “{prefix}” → the model wrote “{cont}”",
                           "**{which}**：“{prefix}” → 模型写出“{cont}”"),
    "privacy.no_dp": ("no DP", "无差分隐私"),
    "privacy.found": ("This line start is in **{work}** (a {side} work), line {line}, which goes on "
                      "“{true}”. {verdict}",
                      "这个行首出自 **{work}**（{side}作品）第 {line} 行，原文接着是“{true}”。{verdict}"),
    "privacy.side_train": ("training", "训练"),
    "privacy.side_heldout": ("held-out", "留出"),
    "privacy.verbatim": ("Verbatim: the model reproduced the text.", "原样复现：模型写出了原文。"),
    "privacy.not_verbatim": ("Not verbatim.", "不是原样复现。"),
    "privacy.not_found": ("This text is not the start of any line of the corpus, so there is "
                          "nothing to compare the continuation with.",
                          "这段文字不是语料中任何一行的开头，所以没有可以对照的原文。"),
    "privacy.in_train": ("The line start plus the continuation occurs in the training works: "
                         "**{work}**, line {line}.", "行首加上续写出现在训练作品中：**{work}** 第 {line} 行。"),
    "privacy.mem_title": ("Lines continued verbatim (4 tokens asked)", "被原样续写的行（要求 4 个词元）"),
    "privacy.mem_x": ("tokens of the line given", "给出的词元数"),
    "privacy.mem_y": ("share verbatim", "原样复现的比例"),
    "privacy.train": ("training lines", "训练行"),
    "privacy.heldout": ("held-out lines", "留出行"),
    "privacy.roc_h": ("### 3. Membership inference: was this passage trained on?",
                      "### 3. 成员推断：这段文字被训练过吗？"),
    "privacy.roc_md": (
        "250 passages of 64 tokens from training works (members) and 250 from held-out works "
        "(non-members). The attack says *member* when the shipped GPT's loss is below a threshold; "
        "sweeping the threshold draws the ROC curve. AUC 0.5 is a coin toss, 1 a perfect attack. "
        "The calibrated attack subtracts the loss of a reference model (the distilled student) "
        "on the same passage.",
        "从训练作品取 250 段、每段 64 个词元（成员），从留出作品取 250 段（非成员）。当随附 GPT 的损失低于阈值时，"
        "攻击判为*成员*；扫过所有阈值就画出 ROC 曲线。AUC 为 0.5 相当于抛硬币，为 1 是完美攻击。"
        "校准攻击减去参照模型（蒸馏出的学生模型）在同一段上的损失。"),
    "privacy.roc_title": ("ROC of the loss-threshold attack", "损失阈值攻击的 ROC 曲线"),
    "privacy.fpr": ("false positive rate (outsiders accused)", "假阳性率（被误判为成员的非成员）"),
    "privacy.tpr": ("true positive rate (members found)", "真阳性率（被找出的成员）"),
    "privacy.loss_attack": ("loss (AUC {auc:.3f})", "损失（AUC {auc:.3f}）"),
    "privacy.cal_attack": ("calibrated by the student (AUC {auc:.3f})", "用学生模型校准（AUC {auc:.3f}）"),
    "privacy.coin": ("coin toss", "抛硬币"),
    "privacy.roc_result": (
        "Mean loss: members {ml:.3f}, non-members {nl:.3f} nats per token. AUC **{auc:.3f}** "
        "(calibrated {cal:.3f}); at 5% false positives the attack finds {tpr:.0%} of members. "
        "Part of the gap is the model's own over-fitting (it trained on these works for many "
        "passes); part is that held-out works are simply other texts, which is why an attack on "
        "whole works needs care. {cal_verdict}",
        "平均损失：成员 {ml:.3f}，非成员 {nl:.3f}（奈特/词元）。AUC **{auc:.3f}**（校准后 {cal:.3f}）；"
        "在 5% 假阳性率下，攻击找出 {tpr:.0%} 的成员。差距一部分来自模型自身的过拟合（它在这些作品上训练了很多遍），"
        "一部分只是因为留出作品本来就是别的文本，所以针对整部作品的攻击要谨慎解读。{cal_verdict}"),
    "privacy.cal_better": (
        "The calibrated attack does better: subtracting what a weaker model also finds hard "
        "removes part of the difference between texts.",
        "校准攻击更好：减去较弱模型同样觉得难的部分，去掉了一部分文本之间的差异。"),
    "privacy.cal_worse": (
        "The calibrated attack does no better: its reference read the same works, so it cancels "
        "part of the real signal too.",
        "校准攻击没有更好：参照模型读过同样的作品，所以也抵消了一部分真实信号。"),
    "privacy.util_h": ("### 4. Privacy against utility", "### 4. 隐私与效用的权衡"),
    "privacy.util_md": (
        "The same tiny GPT with 16 insertions, trained with DP-SGD at three noise levels and "
        "without it. More noise: smaller ε (more private), lower exposure, but higher held-out "
        "perplexity (a worse model). Real DP language models pay less because they train on far "
        "more data (the noise is averaged over bigger batches).",
        "同样插入 16 次的小 GPT，分别用三种噪声强度的 DP-SGD 和普通训练。噪声越大：ε 越小（越私密）、"
        "暴露度越低，但留出困惑度越高（模型越差）。真实的差分隐私语言模型代价更小，因为它们用多得多的数据训练"
        "（噪声被更大的批次平均掉）。"),
    "privacy.util_title": ("ε against held-out perplexity (16 insertions)", "ε 与留出困惑度（插入 16 次）"),
    "privacy.eps": ("ε at δ = 10⁻⁵ (log scale; ordinary training: no bound)",
                    "ε（δ = 10⁻⁵，对数坐标；普通训练：没有上界）"),
    "privacy.ppl": ("held-out perplexity", "留出困惑度"),
    "privacy.point": ("σ = {sigma:g}: ε = {eps:.2f}, exposure {bits:.2f} bits",
                      "σ = {sigma:g}：ε = {eps:.2f}，暴露度 {bits:.2f} 比特"),
    "privacy.point_plain": ("no DP: exposure {bits:.2f} bits", "无差分隐私：暴露度 {bits:.2f} 比特"),
    "privacy.real": (
        "**What this means for real models** (cited figures): Carlini et al. 2019 found that "
        "language models memorise a secret early, often fully within a dozen epochs, pulled credit "
        "card numbers out of a model of the Enron emails, and found that DP-SGD training kept the "
        "secrets at high utility; Carlini et al. 2021 extracted hundreds of verbatim training "
        "sequences from GPT-2 (604 of the 1,800 candidates they checked), and larger models leaked "
        "more; Carlini et al. 2023 measured memorisation growing log-linearly with model size, "
        "repetition and prompt length. Abadi et al. 2016 trained MNIST with DP-SGD to 95% accuracy "
        "at ε = 2 (97% at ε = 8). Our small model memorises little by itself; a repeated secret is "
        "another matter.",
        "**对真实模型意味着什么**（引用的数字）：Carlini 等 2019 发现语言模型很早就会记住秘密，往往训练不到十几轮"
        "就完全记住，他们从一个用安然（Enron）邮件训练的模型中取出了信用卡号，并发现 DP-SGD 训练能在保持高效用"
        "的同时守住秘密；"
        "Carlini 等 2021 从 GPT-2 中提取出数百条原样的训练序列（他们检查的 1,800 个候选中有 604 个），模型越大"
        "泄露越多；"
        "Carlini 等 2023 测得记忆量随模型规模、重复次数和提示长度呈对数线性增长。Abadi 等 2016 用 DP-SGD 在 ε = 2 下"
        "把 MNIST 训练到 95% 准确率（ε = 8 时 97%）。我们的小模型本身记得很少，但重复出现的秘密是另一回事。"),
}
