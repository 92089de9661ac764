"""Plain-language text of model cards and the public disclosure, in English and Simplified Chinese.

Explicit dictionaries rather than gettext catalogues: the texts are few, both languages are reviewed
side by side here, and a missing translation fails the card tests instead of silently falling back.
"""

from __future__ import annotations

from museion.errors import MuseionError

LANGS = ("en", "zh-Hans")

ALGORITHMS: dict[str, dict[str, dict[str, str]]] = {
    "pop": {
        "en": {"name": "Most popular",
               "principle": "Everyone is shown the works most people have engaged with; nothing is personal.",
               "mechanism": "Museion counts how many members interacted with each work and lists the works with the "
                            "highest counts, leaving out works the member already knows."},
        "zh-Hans": {"name": "最受欢迎",
                    "principle": "向所有人展示互动人数最多的作品，不做个性化。",
                    "mechanism": "Museion 统计每部作品有多少会员与之互动，按人数从高到低列出作品，并排除会员已经接触过的作品。"},
    },
    "trending": {
        "en": {"name": "Trending",
               "principle": "Everyone is shown the works that are popular right now; nothing is personal.",
               "mechanism": "Each interaction counts less the older it is (it loses half its weight every half-life); "
                            "works with the highest recent weight come first."},
        "zh-Hans": {"name": "近期热门",
                    "principle": "向所有人展示当前热门的作品，不做个性化。",
                    "mechanism": "每次互动的权重随时间衰减（每经过一个半衰期减半），近期权重最高的作品排在最前。"},
    },
    "itemknn": {
        "en": {"name": "Similar works (item neighbours)",
               "principle": "You are shown works that are often enjoyed by the same people as works you engaged with.",
               "mechanism": "Museion measures how similar two works are by how many members share them (cosine "
                            "similarity), keeps each work's closest neighbours, and scores a work by its similarity to "
                            "the works in your history. The works that contributed most are named as the reason."},
        "zh-Hans": {"name": "相似作品（物品近邻）",
                    "principle": "向您推荐与您互动过的作品常被同一批人喜欢的作品。",
                    "mechanism": "Museion 根据共同互动的会员数量衡量两部作品的相似度（余弦相似度），为每部作品保留最相近的邻居，"
                                 "再按与您历史中作品的相似度为候选作品打分；贡献最大的作品会作为推荐理由列出。"},
    },
    "als": {
        "en": {"name": "Taste factors (alternating least squares)",
               "principle": "Your history and every work are summarised as a few hidden taste dimensions; works close "
                            "to your taste are shown.",
               "mechanism": "A matrix factorisation learns a short vector of numbers for each member and each work so "
                            "that their product reproduces who interacted with what; a work's score is the product of "
                            "your vector and the work's vector."},
        "zh-Hans": {"name": "兴趣因子（交替最小二乘）",
                    "principle": "把您的历史和每部作品概括为少量隐含的兴趣维度，推荐与您的兴趣接近的作品。",
                    "mechanism": "矩阵分解为每位会员和每部作品学习一个简短的数值向量，使二者的乘积能还原谁与什么作品有过互动；"
                                 "作品的得分是您的向量与作品向量的乘积。"},
    },
    "bpr": {
        "en": {"name": "Taste factors (pairwise ranking)",
               "principle": "Your history and every work are summarised as a few hidden taste dimensions, learned so "
                            "that works you engaged with rank above works you did not.",
               "mechanism": "Bayesian personalised ranking learns a vector per member and per work by repeatedly "
                            "comparing a work you engaged with and one you did not; a work's score is the product of "
                            "the two vectors."},
        "zh-Hans": {"name": "兴趣因子（成对排序）",
                    "principle": "把您的历史和每部作品概括为少量隐含的兴趣维度，学习目标是让您互动过的作品排在未互动作品之前。",
                    "mechanism": "贝叶斯个性化排序反复比较一部您互动过的作品和一部未互动的作品，为每位会员和每部作品学习向量；"
                                 "作品得分是两个向量的乘积。"},
    },
    "ease": {
        "en": {"name": "Work-to-work weights (EASE)",
               "principle": "You are shown works that, across all members, tend to go together with works in your history.",
               "mechanism": "Museion learns one weight for every pair of works (how much engaging with one predicts the "
                            "other) by a regularised regression with a closed-form solution; a work's score is the sum of "
                            "the weights from the works in your history. The largest contributions are named as the reason."},
        "zh-Hans": {"name": "作品间权重（EASE）",
                    "principle": "向您推荐在全体会员中常与您历史中的作品一同出现的作品。",
                    "mechanism": "Museion 通过带正则化、有闭式解的回归为每一对作品学习一个权重（与其中一部互动对另一部的预测程度）；"
                                 "作品得分是您历史中各作品到它的权重之和，贡献最大的作品会作为推荐理由列出。"},
    },
    "rp3beta": {
        "en": {"name": "Random walks between works (RP3beta)",
               "principle": "You are shown works reached in a short walk from your history through members who share "
                            "it, with very popular works held back so they do not fill every list.",
               "mechanism": "From each work in your history Museion walks to the members who engaged with it and on to "
                            "the other works they engaged with, weighting each step by its probability; a work's score "
                            "is divided by its popularity raised to a penalty power, and each work keeps only its "
                            "strongest neighbours. The works that contributed most are named as the reason."},
        "zh-Hans": {"name": "作品间随机游走（RP3beta）",
                    "principle": "从您的历史作品出发，经由与之互动过的会员走到的作品会被推荐；非常热门的作品会被适当抑制，"
                                 "以免充满每个列表。",
                    "mechanism": "Museion 从您历史中的每部作品走到与之互动过的会员，再走到这些会员互动过的其他作品，每一步按其"
                                 "概率加权；作品得分再除以其热门度的惩罚次幂，每部作品只保留最强的邻居；贡献最大的作品会作为"
                                 "推荐理由列出。"},
    },
    "content": {
        "en": {"name": "Similar descriptions (content based)",
               "principle": "You are shown works whose descriptions (genres, subjects, movements) resemble those of "
                            "works in your history.",
               "mechanism": "Each work's descriptors are weighted by how distinctive they are (TF-IDF); your profile is "
                            "the average of the works in your history, and works are ranked by their cosine similarity to it."},
        "zh-Hans": {"name": "相似描述（基于内容）",
                    "principle": "向您推荐描述（类型、主题、流派）与您历史中的作品相似的作品。",
                    "mechanism": "按区分度（TF-IDF）为每部作品的描述词加权；您的画像是历史作品的平均值，作品按与画像的余弦相似度排序。"},
    },
}
"""Algorithm key (``museion.recommend.models.MODELS``) → language → name, principle, mechanism."""

RERANKERS: dict[str, dict[str, str]] = {
    "calibrated": {"en": "Calibration: the list's mix of genres is brought closer to the mix of your own history, so one "
                         "dominant taste does not crowd out the others.",
                   "zh-Hans": "校准：使列表的类型构成更接近您自身历史的类型构成，避免单一主导偏好挤掉其他兴趣。"},
    "xquad": {"en": "Provider fairness: works from less exposed groups of works (e.g. less popular ones) are given a "
                    "fairer share of the places in the list.",
              "zh-Hans": "提供方公平：让曝光较少的作品群体（例如不太热门的作品）在列表中获得更公平的位置份额。"},
    "longtail": {"en": "Long-tail promotion: works few people have seen yet are moved up.",
                 "zh-Hans": "长尾推广：提升尚少有人接触的作品的排序。"},
    "mmr": {"en": "Diversity: works too similar to ones already in the list are moved down (maximal marginal relevance).",
            "zh-Hans": "多样性：与列表中已有作品过于相似的作品会被下移（最大边际相关性）。"},
}
"""Re-ranker key (``museion.fairness.rerank.PARAMS``) → language → what it changes."""

PARAMETERS: dict[str, dict[str, str]] = {
    "l2": {"en": "Regularisation strength: higher values trust popular co-occurrences less and spread "
                 "recommendations more evenly; lower values follow the data more closely.",
           "zh-Hans": "正则化强度：值越大越不依赖热门共现、推荐分布越均匀；值越小越贴近数据。"},
    "neighbours": {"en": "How many similar works each work keeps: fewer gives focused but narrower lists.",
                   "zh-Hans": "每部作品保留的相似作品数量：越少推荐越集中，但范围越窄。"},
    "shrinkage": {"en": "Discounts similarities computed from few shared members, so rare coincidences count less.",
                  "zh-Hans": "对仅由少数共同会员计算出的相似度打折，减少偶然巧合的影响。"},
    "factors": {"en": "How many hidden taste dimensions are learned: more capture finer taste but need more data.",
                "zh-Hans": "学习的隐含兴趣维度数：越多越能刻画细微偏好，但需要更多数据。"},
    "regularization": {"en": "Penalty on large factor values, which limits over-fitting to a few members.",
                       "zh-Hans": "对过大因子值的惩罚，防止对少数会员过度拟合。"},
    "alpha": {"en": "How much more weight repeated or strong interactions get than single ones.",
              "zh-Hans": "重复或强烈的互动相对单次互动多出的权重。"},
    "iterations": {"en": "How many training passes are made over the data.",
                   "zh-Hans": "训练时遍历数据的次数。"},
    "rp3beta.alpha": {"en": "Exponent on each step's probability: above 1 favours strong, specific links between works; "
                            "below 1 evens them out.",
                      "zh-Hans": "每一步概率的指数：大于 1 偏重强而具体的作品关联，小于 1 使关联更均匀。"},
    "beta": {"en": "Popularity penalty: higher values hold very popular works back more (0 = no penalty).",
             "zh-Hans": "热门度惩罚：值越大，越抑制非常热门的作品（0 表示不惩罚）。"},
    "weighting": {"en": "How two works' audiences are compared: cosine similarity, or BM25, which counts members who "
                        "engage with very many works less.",
                  "zh-Hans": "比较两部作品受众的方式：余弦相似度，或 BM25（与大量作品互动的会员权重较低）。"},
    "bm25_k1": {"en": "BM25: how quickly repeated interactions stop adding weight (used with BM25 weighting only).",
                "zh-Hans": "BM25：重复互动多快不再增加权重（仅在 BM25 加权时使用）。"},
    "bm25_b": {"en": "BM25: how much works with large audiences are scaled down (used with BM25 weighting only).",
               "zh-Hans": "BM25：受众多的作品被缩减的程度（仅在 BM25 加权时使用）。"},
    "ann_threshold": {"en": "From this many works up, lists are looked up in an approximate index of the taste vectors "
                            "(a few of the best works may be missed); smaller catalogues are scored exactly.",
                      "zh-Hans": "作品数达到该值时，通过兴趣向量的近似索引查找列表（可能漏掉少数最佳作品）；更小的作品库逐一精确打分。"},
    "learning_rate": {"en": "Step size of each training update.", "zh-Hans": "每次训练更新的步长。"},
    "half_life_days": {"en": "After this many days an interaction counts half as much.",
                       "zh-Hans": "经过这么多天后，一次互动的权重减半。"},
    "reference_time": {"en": "The moment recency is measured from.", "zh-Hans": "计算时效性的参照时间点。"},
    "random_state": {"en": "Seed that makes training reproducible; it does not change what the model favours.",
                     "zh-Hans": "使训练可复现的随机种子，不改变模型的偏好。"},
    "num_threads": {"en": "Processor threads used for training; it does not change the result's meaning.",
                    "zh-Hans": "训练使用的处理器线程数，不影响结果的含义。"},
    "strength": {"en": "How strongly the re-ranking step departs from the model's own order (0 = not at all, 1 = fully).",
                 "zh-Hans": "重排序偏离模型原始排序的程度（0 表示不偏离，1 表示完全按重排序目标）。"},
    "depth": {"en": "How many of the model's top candidates the re-ranking step chooses from.",
              "zh-Hans": "重排序步骤从模型前多少个候选中进行选择。"},
    "target": {"en": "The exposure share each group of works should get: equal (uniform) or as in your history (profile).",
               "zh-Hans": "各作品群体应获得的曝光份额：均等（uniform）或与您的历史一致（profile）。"},
    "saturation": {"en": "How quickly a group counts as sufficiently represented in the list.",
                   "zh-Hans": "某一群体在列表中多快被视为已充分体现。"},
    "kinds": {"en": "The kinds of events that count as signals, and the weight of one event of each; other kinds are not used.",
              "zh-Hans": "计为信号的事件类型及每次此类事件的权重；其他类型的事件不使用。"},
    "time_decay_half_life_days": {"en": "Older events count less: after this many days an event counts half as much.",
                                  "zh-Hans": "较早的事件权重较低：经过这么多天后，一次事件的权重减半。"},
    "rating_threshold": {"en": "Ratings at or above this count as a positive signal; lower ratings are ignored.",
                         "zh-Hans": "评分达到或超过该值才视为正向信号，更低的评分会被忽略。"},
    "min_member_interactions": {"en": "Members with fewer interactions are left out of training (they get the "
                                      "non-personalised list).",
                                "zh-Hans": "互动次数少于该值的会员不参与训练（他们会收到非个性化列表）。"},
    "min_work_interactions": {"en": "Works with fewer interactions are left out of training, so rarely seen works "
                                    "are not recommended by this model.",
                              "zh-Hans": "互动次数少于该值的作品不参与训练，因此很少被接触的作品不会被该模型推荐。"},
}
"""Parameter name → language → why it matters. Model and interaction-policy parameters share one table."""

CATEGORIES: dict[str, dict[str, str]] = {
    "activity": {"en": "What members did with which work (kind, value, time, channel)",
                 "zh-Hans": "会员对哪些作品做了什么（类型、数值、时间、渠道）"},
    "free_text": {"en": "Words members wrote (tags, reviews, comments)", "zh-Hans": "会员撰写的文字（标签、评论、留言）"},
    "demographics": {"en": "Age, gender and occupation members declared", "zh-Hans": "会员自行申报的年龄、性别和职业"},
}
"""Data-map category code (``museion.privacy.datamap``) → language → plain description."""

POLICY: dict[str, dict[str, str]] = {
    "kinds": {"en": "It learns from these kinds of events, each event adding its weight: {kinds}. Other kinds of events are "
                    "not used.",
              "zh-Hans": "它从以下类型的事件中学习，每次事件计入其权重：{kinds}。其他类型的事件不使用。"},
    "threshold": {"en": "A rating counts only at {threshold} or above.", "zh-Hans": "评分达到 {threshold} 或以上才计入。"},
    "core": {"en": "Members with fewer than {members} and works with fewer than {works} of these interactions are left out of "
                   "training.",
             "zh-Hans": "此类互动少于 {members} 次的会员和少于 {works} 次的作品不参与训练。"},
    "auto_core": {"en": "That number was chosen from the data: the largest from {largest} down to 1 that keeps at least "
                        "{share} of the members.",
                  "zh-Hans": "该数值根据数据选定：从 {largest} 递减到 1，取能保留至少 {share} 会员的最大值。"},
    "decay": {"en": "Older events count less: an event loses half its weight every {days} days.",
              "zh-Hans": "较早的事件权重较低：每经过 {days} 天，一次事件的权重减半。"},
    "no_decay": {"en": "Events do not lose weight with age.", "zh-Hans": "事件的权重不随时间衰减。"},
}
"""The interaction policy a version was trained under, sentence by sentence (placeholders filled by the card)."""

STANDARD: dict[str, dict[str, str]] = {
    "purpose": {"en": "Suggest works a member is likely to value, from what they did, with a reason for every item.",
                "zh-Hans": "根据会员的行为推荐其可能喜欢的作品，并为每一项给出理由。"},
    "consent": {"en": "Only members who consented to personalisation are used for training and receive personalised "
                      "lists; anyone can switch personalisation off and receive a labelled non-personalised list.",
                "zh-Hans": "只有同意个性化推荐的会员的数据用于训练并收到个性化列表；任何人都可以关闭个性化，改为收到带标注的非个性化列表。"},
    "no_reranker": {"en": "No re-ranking step: the list is the model's own order.",
                    "zh-Hans": "无重排序步骤：列表即模型自身的排序。"},
    "reranker": {"en": "A re-ranking step then reorders the model's list", "zh-Hans": "随后由重排序步骤调整模型给出的列表"},
    "no_audit": {"en": "No fairness audit has been recorded for this version.", "zh-Hans": "该版本尚无公平性审计记录。"},
    "search": {"en": "Parameters chosen by a search on a validation part only ({method}): {trials} trials in {seconds} s",
               "zh-Hans": "参数仅在验证集上搜索选定（{method}）：共 {trials} 次试验，用时 {seconds} 秒"},
    "routing": {"en": "{requested} was asked for, {chosen} was trained: EASE's work × work matrix for {works} works needs "
                      "about {needed_gb} GB, more than half of the {available_gb} GB of memory available.",
                "zh-Hans": "请求的是 {requested}，实际训练的是 {chosen}：{works} 部作品的 EASE 作品×作品矩阵约需 {needed_gb} GB"
                           "内存，超过可用内存 {available_gb} GB 的一半。"},
    "no_evaluation": {"en": "No offline evaluation was attached to this version.", "zh-Hans": "该版本未附带离线评估。"},
    "evaluation": {"en": "Offline evaluation on held-out interactions", "zh-Hans": "在留出互动数据上的离线评估"},
    "cold_start": {"en": "Members with little history, and works few people have seen, are served less well; "
                         "they receive a labelled list of popular works instead.",
                   "zh-Hans": "历史较少的会员以及很少被接触的作品得到的服务较弱；他们会收到带标注的热门作品列表。"},
    "popularity_bias": {"en": "Like most recommenders learned from behaviour, it tends to favour already popular works.",
                        "zh-Hans": "与大多数从行为中学习的推荐算法一样，它倾向于偏向已经热门的作品。"},
    "no_contact": {"en": "Not given yet.", "zh-Hans": "尚未提供。"},
    "demo_approval": {"en": "This version was approved automatically by the demo set-up (demo reviewer accounts), not by "
                            "an independent review board.",
                      "zh-Hans": "该版本由演示环境自动批准（演示评审账户），并非由独立评审委员会审核。"},
}
"""Sentences every card uses, by key."""

HEADINGS: dict[str, dict[str, str]] = {
    "title": {"en": "How our recommendations work", "zh-Hans": "我们的推荐如何运作"},
    "card": {"en": "Model card", "zh-Hans": "模型卡"},
    "purpose": {"en": "Purpose", "zh-Hans": "目的"},
    "principle": {"en": "Basic principles", "zh-Hans": "基本原理"},
    "mechanism": {"en": "Main operating mechanism", "zh-Hans": "主要运行机制"},
    "reranker": {"en": "Re-ranking", "zh-Hans": "重排序"},
    "policy": {"en": "Interaction policy", "zh-Hans": "互动策略"},
    "data": {"en": "Data categories used", "zh-Hans": "使用的数据类别"},
    "parameters": {"en": "Main parameters and why they matter", "zh-Hans": "主要参数及其作用"},
    "evaluation": {"en": "Evaluation and audit", "zh-Hans": "评估与审计"},
    "limitations": {"en": "Known limitations", "zh-Hans": "已知局限"},
    "contact": {"en": "Contact", "zh-Hans": "联系方式"},
    "review": {"en": "Review", "zh-Hans": "评审"},
    "version": {"en": "Version", "zh-Hans": "版本"},
    "trained_on": {"en": "training data", "zh-Hans": "训练数据"},
    "artifact": {"en": "artifact", "zh-Hans": "模型文件"},
    "parameter": {"en": "Parameter", "zh-Hans": "参数"},
    "value": {"en": "Value", "zh-Hans": "取值"},
    "why": {"en": "Why it matters", "zh-Hans": "作用"},
}


def text(table: dict[str, dict[str, str]], key: str, lang: str) -> str:
    """``table[key][lang]``, with a clear error for an unknown language."""
    if lang not in LANGS:
        raise MuseionError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return table[key][lang]

EVENT_KIND_NAMES = {"zh-Hans": {
    "view": "浏览", "play": "播放", "purchase": "购买", "rating": "评分", "like": "喜欢", "dislike": "不喜欢", "tag": "标签",
    "bookmark": "收藏", "share": "分享", "visit": "参观", "review": "评论", "click": "点击", "download": "下载", "borrow": "借阅",
    "skip": "跳过"}}
"""Event kinds as a card names them in each language (English: the kinds themselves)."""
