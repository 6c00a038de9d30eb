"""The seed lexicon: brands, categories, aspects and colours in Chinese and English.

Each entry has a canonical key and the names that mean it. Resolution treats
these names as built-in aliases (a user alias wins over them); extraction finds
them in product titles; intent parsing finds categories and aspects in queries.
Users extend the vocabulary through the alias table, not by editing this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    key: str
    names: tuple[str, ...]
    # Aspects only: adjectives that ask for a good value of the aspect ("quiet" -> noise).
    cues: tuple[str, ...] = field(default_factory=tuple)

    @property
    def display(self) -> str:
        return self.names[0]


BRANDS: tuple[Term, ...] = (
    Term("apple", ("Apple", "苹果", "iPhone", "MacBook", "iPad")),
    Term("huawei", ("Huawei", "华为")),
    Term("honor", ("Honor", "荣耀")),
    Term("xiaomi", ("Xiaomi", "小米", "Redmi", "红米")),
    Term("samsung", ("Samsung", "三星")),
    Term("lenovo", ("Lenovo", "联想", "ThinkPad")),
    Term("oppo", ("OPPO",)),
    Term("vivo", ("vivo",)),
    Term("oneplus", ("OnePlus", "一加")),
    Term("sony", ("Sony", "索尼")),
    Term("dell", ("Dell", "戴尔")),
    Term("hp", ("HP", "惠普", "Hewlett Packard")),
    Term("asus", ("ASUS", "华硕")),
    Term("acer", ("Acer", "宏碁")),
    Term("microsoft", ("Microsoft", "微软")),
    Term("logitech", ("Logitech", "罗技")),
    Term("anker", ("Anker", "安克")),
    Term("dyson", ("Dyson", "戴森")),
    Term("philips", ("Philips", "飞利浦")),
    Term("haier", ("Haier", "海尔")),
    Term("midea", ("Midea", "美的")),
    Term("gree", ("Gree", "格力")),
    Term("nike", ("Nike", "耐克")),
    Term("adidas", ("Adidas", "阿迪达斯")),
    Term("li-ning", ("Li-Ning", "李宁")),
    Term("anta", ("Anta", "安踏")),
    Term("uniqlo", ("Uniqlo", "优衣库")),
    Term("canon", ("Canon", "佳能")),
    Term("nikon", ("Nikon", "尼康")),
    Term("bose", ("Bose",)),
    Term("jbl", ("JBL",)),
    Term("cooler-master", ("Cooler Master", "酷冷至尊")),
    Term("thermaltake", ("Thermaltake", "曜越")),
)

CATEGORIES: tuple[Term, ...] = (
    Term("phone", ("phone", "手机", "smartphone", "mobile phone", "cellphone", "智能手机")),
    Term("laptop", ("laptop", "笔记本电脑", "笔记本", "notebook computer")),
    Term("laptop-cooler", ("laptop cooler", "笔记本散热器", "laptop fan", "laptop cooling pad",
                           "散热器", "散热底座", "cooling pad")),
    Term("fan", ("fan", "风扇", "电风扇", "desk fan")),
    Term("tablet", ("tablet", "平板电脑", "平板")),
    Term("headphones", ("headphones", "耳机", "earphones", "earbuds", "headset")),
    Term("speaker", ("speaker", "音箱", "音响")),
    Term("smartwatch", ("smartwatch", "智能手表", "手表", "watch")),
    Term("camera", ("camera", "相机", "数码相机")),
    Term("tv", ("TV", "电视", "电视机", "television")),
    Term("monitor", ("monitor", "显示器")),
    Term("keyboard", ("keyboard", "键盘")),
    Term("mouse", ("mouse", "鼠标")),
    Term("charger", ("charger", "充电器", "充电头")),
    Term("power-bank", ("power bank", "充电宝", "移动电源")),
    Term("refrigerator", ("refrigerator", "冰箱", "fridge")),
    Term("washing-machine", ("washing machine", "洗衣机")),
    Term("air-conditioner", ("air conditioner", "空调")),
    Term("vacuum", ("vacuum cleaner", "吸尘器", "vacuum")),
    Term("shoes", ("shoes", "鞋", "运动鞋", "跑鞋", "sneakers", "running shoes")),
    Term("clothing", ("clothing", "服装", "衣服", "t-shirt", "T恤")),
    Term("electronics", ("electronics", "数码", "电子产品", "数码产品")),
)

ASPECTS: tuple[Term, ...] = (
    Term("value", ("性价比", "value for money", "value", "划算", "实惠", "bang for the buck"),
         cues=("划算", "实惠", "worth it", "affordable")),
    Term("price", ("价格", "price", "价钱", "cost"), cues=("便宜", "cheap", "inexpensive")),
    Term("quality", ("质量", "quality", "品质", "build quality"), cues=("耐用", "durable")),
    Term("workmanship", ("做工", "workmanship", "工艺", "craftsmanship")),
    Term("battery", ("续航", "battery life", "电池", "battery", "电量"),
         cues=("long lasting", "持久")),
    Term("screen", ("屏幕", "screen", "display", "屏", "显示效果")),
    Term("camera", ("拍照", "camera", "摄像头", "photos")),
    Term("noise", ("噪音", "noise", "噪声", "声音大小"),
         cues=("quiet", "silent", "静音", "安静", "低噪")),
    Term("speed", ("速度", "speed", "performance", "性能", "流畅", "运行速度"),
         cues=("fast", "快", "smooth")),
    Term("sound", ("音质", "sound quality", "sound", "音效", "audio")),
    Term("appearance", ("外观", "appearance", "颜值", "外形", "design", "look"),
         cues=("好看", "漂亮", "beautiful", "pretty", "stylish")),
    Term("logistics", ("物流", "delivery", "快递", "发货", "shipping")),
    Term("service", ("客服", "customer service", "服务", "售后", "service")),
    Term("size", ("尺寸", "size", "大小", "尺码", "fit")),
    Term("weight", ("重量", "weight"), cues=("轻", "轻便", "light", "lightweight", "portable")),
    Term("comfort", ("舒适度", "comfort", "舒适", "舒服"),
         cues=("comfortable", "cozy")),
    Term("cooling", ("散热", "cooling", "发热", "温度", "heat"), cues=("cool", "不烫")),
    Term("packaging", ("包装", "packaging")),
    Term("taste", ("味道", "taste", "口感", "flavor")),
)

COLOURS: tuple[Term, ...] = (
    Term("black", ("black", "黑色", "曜石黑", "黑")),
    Term("white", ("white", "白色", "白")),
    Term("red", ("red", "红色")),
    Term("blue", ("blue", "蓝色")),
    Term("green", ("green", "绿色")),
    Term("gold", ("gold", "金色")),
    Term("silver", ("silver", "银色")),
    Term("grey", ("grey", "gray", "灰色")),
    Term("pink", ("pink", "粉色")),
    Term("purple", ("purple", "紫色")),
)

SEED: dict[str, tuple[Term, ...]] = {
    "Brand": BRANDS,
    "Category": CATEGORIES,
    "Aspect": ASPECTS,
}

# Words that ask for a good value of whatever aspect they follow or precede.
POSITIVE_WANTS = frozenset({
    "高", "好", "强", "长", "大", "足", "快", "优秀", "不错", "给力", "耐用", "出色",
    "good", "great", "high", "long", "best", "excellent", "strong", "nice", "top",
})
