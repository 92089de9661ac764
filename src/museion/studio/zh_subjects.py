"""Simplified Chinese names of Tate subject terms (pure, no data: a curated code table written for Museion, not part
of the Tate dataset). It covers Tate's top-level subject categories and the most used subject terms, so that a query
in Chinese reaches works catalogued in English. Each English side is searched as words, so one entry serves every
subject that contains them ("boat, sailing" is reached through 船 and 帆船)."""

from __future__ import annotations

ZH_TO_EN: dict[str, str] = {
    # Tate's top-level subject categories
    "抽象": "abstraction", "建筑": "architecture", "情感": "emotions", "概念": "concepts ideas", "历史": "history",
    "室内": "interiors", "休闲": "leisure pastimes", "文学": "literature fiction", "自然": "nature", "物品": "objects",
    "人物": "people", "地点": "places", "宗教": "religion belief", "社会": "society", "象征": "symbols personifications",
    "工作": "work", "动作": "actions",
    # the most used subject terms
    "山": "mountain hill", "山丘": "hill", "男人": "man", "男子": "man", "女人": "woman", "女子": "woman", "妇女": "woman",
    "英格兰": "England", "英国": "England Britain", "苏格兰": "Scotland", "威尔士": "Wales", "爱尔兰": "Ireland",
    "意大利": "Italy", "法国": "France", "德国": "Germany", "瑞士": "Switzerland", "荷兰": "Netherlands",
    "伦敦": "London", "威尼斯": "Venice", "罗马": "Rome", "巴黎": "Paris",
    "树林": "wooded woods", "森林": "forest wooded", "树": "tree", "树木": "trees", "城镇": "townscape town",
    "城市": "city townscape", "河": "river", "河流": "river", "湖": "lake", "海": "sea", "大海": "sea", "海洋": "sea ocean",
    "海岸": "coast", "海边": "seaside coast", "海景": "seascape sea", "海滩": "beach", "悬崖": "cliff", "港口": "harbour", "岩石": "rocky rock", "瀑布": "waterfall",
    "天空": "sky", "云": "clouds", "日落": "sunset", "日出": "sunrise", "月亮": "moon", "夜晚": "night", "雪": "snow",
    "风暴": "storm", "风景": "landscape", "山水": "landscape mountain water", "花": "flowers", "花卉": "flowers",
    "动物": "animals", "马": "horse", "狗": "dog", "猫": "cat", "鸟": "bird", "牛": "cattle cow", "羊": "sheep",
    "鱼": "fish", "人像": "portrait", "肖像": "portrait", "自画像": "self-portrait", "裸体": "nude",
    "儿童": "child children", "孩子": "child children", "家庭": "family", "群像": "group", "人群": "crowd group",
    "坐": "sitting", "坐着": "sitting", "站立": "standing", "站着": "standing", "行走": "walking", "跳舞": "dancing",
    "城堡": "castle", "桥": "bridge", "桥梁": "bridge", "塔": "tower", "教堂": "church", "大教堂": "cathedral",
    "房屋": "house", "房子": "house", "农场": "farm", "磨坊": "mill", "废墟": "ruins", "花园": "garden",
    "船": "boat ship", "帆船": "boat sailing", "渔船": "boat fishing", "船只": "boat ship", "火车": "train railway",
    "战争": "war", "士兵": "soldier", "战斗": "battle", "死亡": "death", "爱": "love", "音乐": "music",
    "乐器": "musical instrument", "书": "book", "书籍": "books", "食物": "food", "水果": "fruit", "静物": "still life",
    "几何": "geometric", "摄影": "photographic", "色彩": "colour", "颜色": "colour", "线条": "line", "形状": "shape",
    "神话": "mythology", "圣经": "biblical bible", "基督": "Christ", "圣母": "Virgin Mary", "天使": "angel",
    "国王": "king", "王后": "queen", "工厂": "factory industry", "工业": "industry", "街道": "street",
    "市场": "market", "运动": "sport", "游戏": "game", "剧院": "theatre", "舞台": "stage theatre",
    # mediums and kinds
    "油画": "oil paint canvas", "水彩": "watercolour", "素描": "drawing graphite", "版画": "print etching",
    "蚀刻": "etching", "石版画": "lithograph", "雕塑": "sculpture", "青铜": "bronze", "照片": "photograph",
    "绘画": "painting", "画": "painting", "电影": "film", "纸": "paper", "画布": "canvas",
}


def translate(word: str) -> str | None:
    """The English words for a Chinese subject word, or None when the table has no entry."""
    return ZH_TO_EN.get(word)
