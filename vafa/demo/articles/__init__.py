"""The demo help centre: its shelves, its articles and what customers typed to find them.

The texts are in one module per language (en.py, fa.py, ar.py, ru.py), keyed like `ARTICLES` here.
A body is plain text: paragraphs separated by a blank line, numbered steps as "1. …" lines and
bullets as "- …" lines (`body_html` turns it into the HTML an editor would have written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from types import ModuleType

from vafa.demo.articles import ar, en, fa, ru

TEXTS: dict[str, ModuleType] = {"en": en, "fa": fa, "ar": ar, "ru": ru}

# slug, names, descriptions
CATEGORIES = [
    (
        "getting-started",
        {"en": "Getting started", "fa": "شروع کار", "ar": "البدء", "ru": "Начало работы"},
        {
            "en": "Unpacking, setting up and registering what you bought.",
            "fa": "باز کردن، راه‌اندازی و ثبت کالایی که خریده‌اید.",
            "ar": "فتح العلبة والإعداد وتسجيل ما اشتريته.",
            "ru": "Распаковка, настройка и регистрация покупки.",
        },
    ),
    (
        "warranty-repairs",
        {
            "en": "Warranty and repairs",
            "fa": "گارانتی و تعمیر",
            "ar": "الضمان والإصلاح",
            "ru": "Гарантия и ремонт",
        },
        {
            "en": "What the warranty covers, how to claim it and how repairs work.",
            "fa": "گارانتی چه چیزهایی را پوشش می‌دهد، چگونه درخواست بدهید و تعمیر چگونه انجام می‌شود.",
            "ar": "ما يشمله الضمان، وكيف تطالب به، وكيف يتم الإصلاح.",
            "ru": "Что покрывает гарантия, как ею воспользоваться и как проходит ремонт.",
        },
    ),
    (
        "troubleshooting",
        {"en": "Troubleshooting", "fa": "رفع اشکال", "ar": "حل المشكلات", "ru": "Устранение неполадок"},
        {
            "en": "Quick fixes for the most common problems.",
            "fa": "راه‌حل‌های سریع برای رایج‌ترین مشکلات.",
            "ar": "حلول سريعة لأكثر المشكلات شيوعًا.",
            "ru": "Быстрые решения самых частых проблем.",
        },
    ),
    (
        "maintenance",
        {
            "en": "Care and maintenance",
            "fa": "نگهداری و سرویس",
            "ar": "العناية والصيانة",
            "ru": "Уход и обслуживание",
        },
        {
            "en": "Cleaning and servicing that keep your appliances working for years.",
            "fa": "تمیزکاری و سرویس‌هایی که دستگاه شما را سال‌ها سالم نگه می‌دارد.",
            "ar": "التنظيف والصيانة اللذان يحافظان على أجهزتك لسنوات.",
            "ru": "Чистка и обслуживание, которые продлевают жизнь технике.",
        },
    ),
    (
        "orders-returns",
        {
            "en": "Orders and returns",
            "fa": "سفارش و مرجوعی",
            "ar": "الطلبات والإرجاع",
            "ru": "Заказы и возврат",
        },
        {
            "en": "Delivery, returns and refunds.",
            "fa": "ارسال، مرجوع کردن کالا و بازگشت وجه.",
            "ar": "التوصيل والإرجاع واسترداد المبالغ.",
            "ru": "Доставка, возврат товара и денег.",
        },
    ),
]

ALL_CATEGORIES = ("phones", "laptops", "home-appliances", "tv-audio", "small-appliances")
PHONES = (
    "SM-A556E-256",
    "SM-S928B-512",
    "SM-A155F-128",
    "XM-RN13P-256",
    "XM-14T-512",
    "AP-IP15-128",
    "SM-A556E-256-AE",
)
WASHERS = ("LG-F4V5VYP0W", "SN-SWM-84566", "LG-WF-ADQ")
AIR_CONDITIONERS = ("GR-LOMO-18", "GR-LOMO-18-AE")


@dataclass(frozen=True)
class ArticleSpec:
    """One demo article: its shelf, what it is about, and its life in the help centre."""

    key: str
    shelf: str
    products: tuple[str, ...] = ()  # SKUs
    product_categories: tuple[str, ...] = ()  # catalogue category codes
    internal: bool = False
    draft: bool = False
    written: int = 0  # days after the start of the demo's two years
    edited: int | None = None  # days later the last paragraph was added (a second revision)
    helpful: float = 0.8  # the share of readers who say it helped


ARTICLES = [
    ArticleSpec("galaxy-setup", "getting-started", products=PHONES[:3] + PHONES[-1:], written=30, edited=200),
    ArticleSpec("register-product", "getting-started", product_categories=ALL_CATEGORIES, written=20),
    ArticleSpec("ac-installation", "getting-started", products=AIR_CONDITIONERS, written=95),
    ArticleSpec("airfryer-first-use", "getting-started", products=("PH-HD9270",), written=140, helpful=0.9),
    ArticleSpec("warranty-coverage", "warranty-repairs", product_categories=ALL_CATEGORIES, written=10),
    ArticleSpec(
        "warranty-claim", "warranty-repairs", product_categories=ALL_CATEGORIES, written=12, edited=90
    ),
    ArticleSpec(
        "repair-preparation", "warranty-repairs", product_categories=("phones", "laptops"), written=60
    ),
    ArticleSpec(
        "water-damage-internal",
        "warranty-repairs",
        product_categories=("phones", "laptops"),
        internal=True,
        written=180,
    ),
    ArticleSpec("battery-drain", "troubleshooting", products=PHONES, written=45, helpful=0.55),
    ArticleSpec(
        "slow-charging",
        "troubleshooting",
        products=(*PHONES, "SM-EP-T2510", "SM-X216-TABA9P"),
        written=70,
        edited=310,
    ),
    ArticleSpec("washer-error-codes", "troubleshooting", products=WASHERS, written=50, helpful=0.85),
    ArticleSpec(
        "tv-no-picture",
        "troubleshooting",
        products=("SM-QE55Q60D", "LG-OLED65C4", "LG-OLED65C4-US", "XM-TV-A43"),
        written=120,
    ),
    ArticleSpec("buds-pairing", "troubleshooting", products=("SM-R400-BUDSFE",), written=230, helpful=0.7),
    ArticleSpec(
        "laptop-no-power",
        "troubleshooting",
        products=("LN-IPS5-14", "AS-X1504VA", "HP-15-EG3000", "AP-MBA13-M3", "LN-IPS5-14-RU"),
        written=160,
    ),
    ArticleSpec("fridge-not-cooling", "troubleshooting", products=("SN-SS-26",), draft=True, written=715),
    ArticleSpec("dedica-descaling", "maintenance", products=("DL-EC685",), written=260, helpful=0.9),
    ArticleSpec("washer-cleaning", "maintenance", products=WASHERS, written=300),
    ArticleSpec("ac-filter-cleaning", "maintenance", products=AIR_CONDITIONERS, written=330, edited=420),
    ArticleSpec("robot-vacuum-care", "maintenance", products=("XM-RV-S10",), written=400),
    ArticleSpec("returns", "orders-returns", product_categories=ALL_CATEGORIES, written=15),
    ArticleSpec("order-change", "orders-returns", draft=True, written=722),
]

# What customers typed, per article and language (the help centre's search log is made of these).
QUERIES: dict[str, dict[str, list[str]]] = {
    "galaxy-setup": {
        "en": ["set up new galaxy", "transfer data smart switch"],
        "fa": ["راه اندازی گوشی جدید", "انتقال اطلاعات گوشی"],
        "ar": ["إعداد الهاتف الجديد", "نقل البيانات"],
        "ru": ["настройка нового телефона", "перенести данные"],
    },
    "register-product": {
        "en": ["where is the serial number", "register product"],
        "fa": ["شماره سریال", "ثبت محصول"],
        "ar": ["الرقم التسلسلي", "تسجيل منتج"],
        "ru": ["серийный номер", "зарегистрировать товар"],
    },
    "ac-installation": {
        "en": ["air conditioner installation"],
        "fa": ["نصب کولر گازی"],
        "ar": ["تركيب المكيف"],
        "ru": ["установка кондиционера"],
    },
    "airfryer-first-use": {
        "en": ["airfryer smoke smell"],
        "fa": ["بوی سرخ کن"],
        "ar": ["رائحة القلاية"],
        "ru": ["запах аэрогриля"],
    },
    "warranty-coverage": {
        "en": ["what does warranty cover", "cracked screen warranty"],
        "fa": ["گارانتی", "شکستگی صفحه گارانتی"],
        "ar": ["الضمان", "كسر الشاشة"],
        "ru": ["гарантия", "разбитый экран гарантия"],
    },
    "warranty-claim": {
        "en": ["warranty claim", "repair request"],
        "fa": ["درخواست گارانتی", "تعمیر"],
        "ar": ["مطالبة بالضمان", "إصلاح"],
        "ru": ["гарантийный ремонт", "обращение по гарантии"],
    },
    "repair-preparation": {
        "en": ["backup before repair"],
        "fa": ["پشتیبان قبل از تعمیر"],
        "ar": ["نسخة احتياطية قبل الإصلاح"],
        "ru": ["подготовить к ремонту"],
    },
    "battery-drain": {
        "en": ["battery drains fast", "battery life"],
        "fa": ["باتری زود خالی میشه", "باتری"],
        "ar": ["البطارية تنفد بسرعة", "البطارية"],
        "ru": ["быстро разряжается", "аккумулятор"],
    },
    "slow-charging": {
        "en": ["charging slow", "phone not charging"],
        "fa": ["شارژ نمیشه", "شارژ کند"],
        "ar": ["الشحن بطيء", "لا يشحن"],
        "ru": ["медленно заряжается", "не заряжается"],
    },
    "washer-error-codes": {
        "en": ["washing machine OE error", "washer not draining"],
        "fa": ["خطای OE لباسشویی", "آب تخلیه نمیشه"],
        "ar": ["خطأ OE الغسالة", "الغسالة لا تصرف الماء"],
        "ru": ["ошибка OE стиральная машина", "не сливает воду"],
    },
    "tv-no-picture": {
        "en": ["tv no signal", "tv no picture"],
        "fa": ["تلویزیون تصویر ندارد", "سیگنال"],
        "ar": ["لا توجد إشارة", "التلفزيون بدون صورة"],
        "ru": ["нет сигнала", "нет изображения"],
    },
    "buds-pairing": {
        "en": ["buds not connecting", "earbud no sound"],
        "fa": ["ایرباد وصل نمیشه", "ایرباد"],
        "ar": ["السماعة لا تتصل"],
        "ru": ["наушник не работает", "не подключаются наушники"],
    },
    "laptop-no-power": {
        "en": ["laptop won't turn on", "laptop not charging"],
        "fa": ["لپ تاپ روشن نمیشه", "شارژ لپ تاپ"],
        "ar": ["الحاسوب لا يعمل", "الحاسوب لا يشحن"],
        "ru": ["ноутбук не включается", "ноутбук не заряжается"],
    },
    "dedica-descaling": {
        "en": ["descale coffee machine", "descaling"],
        "fa": ["رسوب زدایی قهوه ساز", "رسوب"],
        "ar": ["إزالة الترسبات"],
        "ru": ["удалить накипь", "накипь в кофеварке"],
    },
    "washer-cleaning": {
        "en": ["washing machine smell", "clean washing machine"],
        "fa": ["بوی بد لباسشویی", "تمیز کردن لباسشویی"],
        "ar": ["رائحة الغسالة", "تنظيف الغسالة"],
        "ru": ["запах из стиральной машины", "чистка стиральной машины"],
    },
    "ac-filter-cleaning": {
        "en": ["clean ac filter", "air conditioner dripping"],
        "fa": ["فیلتر کولر", "چکه کردن کولر"],
        "ar": ["تنظيف فلتر المكيف", "تقطير المكيف"],
        "ru": ["фильтр кондиционера", "капает кондиционер"],
    },
    "robot-vacuum-care": {
        "en": ["robot vacuum brush", "vacuum can't find dock"],
        "fa": ["برس جاروبرقی رباتیک", "جارو رباتیک"],
        "ar": ["فرشاة المكنسة الروبوتية"],
        "ru": ["щётка робота-пылесоса", "не находит базу"],
    },
    "returns": {
        "en": ["return product", "refund"],
        "fa": ["مرجوع کردن کالا", "بازگشت وجه"],
        "ar": ["إرجاع منتج", "استرداد المبلغ"],
        "ru": ["вернуть товар", "возврат денег"],
    },
}

# Searches the help centre has no answer for (they show up as searches without results).
UNANSWERED = {
    "en": ["printer ink", "loyalty points"],
    "fa": ["جوهر پرینتر", "اقساط"],
    "ar": ["حبر الطابعة", "التقسيط"],
    "ru": ["чернила для принтера", "рассрочка"],
}

# Comments readers left with their "was this helpful?" answer.
COMMENTS = {
    True: {
        "en": ["Clear steps, thank you.", "Solved my problem in five minutes."],
        "fa": ["توضیحات خیلی واضح بود، ممنون.", "مشکلم در پنج دقیقه حل شد."],
        "ar": ["خطوات واضحة، شكرًا لكم.", "حُلّت مشكلتي في خمس دقائق."],
        "ru": ["Понятная инструкция, спасибо.", "Решил проблему за пять минут."],
    },
    False: {
        "en": [
            "I did all of this and the problem is still there.",
            "The menu names are different on my phone.",
        ],
        "fa": ["همهٔ این کارها را کردم ولی مشکل هنوز هست.", "اسم منوها در گوشی من فرق دارد."],
        "ar": ["فعلت كل هذا وما زالت المشكلة قائمة.", "أسماء القوائم في هاتفي مختلفة."],
        "ru": [
            "Сделал всё по инструкции, но проблема осталась.",
            "На моём телефоне пункты меню называются по-другому.",
        ],
    },
}

_STEP = re.compile(r"^(\d+)\.\s+")


def body_html(text: str) -> str:
    """The HTML of a body written in the plain markup above."""
    blocks: list[str] = []
    for block in text.strip().split("\n\n"):
        items: list[str] = []
        kind = ""
        for line in block.strip().splitlines():
            step = _STEP.match(line)
            if step or line.startswith("- "):
                line_kind = "ol" if step else "ul"
                if items and kind != line_kind:
                    blocks.append(f"<{kind}>{''.join(items)}</{kind}>")
                    items = []
                kind = line_kind
                content = line[step.end() :] if step else line[2:]
                items.append(f"<li>{escape(content, quote=False)}</li>")
                continue
            if items:
                blocks.append(f"<{kind}>{''.join(items)}</{kind}>")
                items = []
            blocks.append(f"<p>{escape(line, quote=False)}</p>")
        if items:
            blocks.append(f"<{kind}>{''.join(items)}</{kind}>")
    return "\n".join(blocks)


def first_version(text: str) -> str:
    """The body without its last paragraph: what an edited article said before the edit."""
    paragraphs = text.strip().split("\n\n")
    return "\n\n".join(paragraphs[:-1]) if len(paragraphs) > 1 else text


def text_of(key: str, language: str) -> tuple[str, str, str] | None:
    """(title, summary, body) of the article in `language`, or None when it is not written in it."""
    return TEXTS[language].ARTICLES.get(key)


@dataclass(frozen=True)
class KnownIssueSpec:
    """A notice about a product: `{prefix}` in its texts is the serial prefix of the batch (if any)."""

    sku: str
    severity: str
    starts: int  # days before the end of the demo's two years
    batch: bool  # narrowed to one batch: the prefix of the portal customer's own unit
    titles: dict[str, str]
    bodies: dict[str, str]


KNOWN_ISSUES = [
    KnownIssueSpec(
        "SM-A556E-256",
        "recall",
        starts=40,
        batch=True,
        titles={
            "en": "Battery may swell on some Galaxy A55 phones — free battery replacement",
            "fa": "احتمال باد کردن باتری در برخی گوشی‌های Galaxy A55 — تعویض رایگان باتری",
            "ar": "قد تنتفخ البطارية في بعض هواتف Galaxy A55 — استبدال مجاني للبطارية",
            "ru": "В некоторых Galaxy A55 может вздуться аккумулятор — бесплатная замена",
        },
        bodies={
            "en": "In a small batch of Galaxy A55 phones (IMEI starting with {prefix}) the battery may swell "
            "after months of charging overnight. If the back cover lifts, the screen bulges or the phone gets "
            "unusually hot while charging, stop charging it and ask for help: we replace the battery free of "
            "charge, even after the warranty has ended. Until then, charge the phone only while you are nearby.",
            "fa": "در تعداد کمی از گوشی‌های Galaxy A55 (با IMEI آغازشده با {prefix}) ممکن است باتری پس از چند ماه "
            "شارژ شبانه باد کند. اگر قاب پشتی گوشی بلند شده، صفحه برآمده است یا گوشی هنگام شارژ بیش از حد معمول داغ "
            "می‌شود، شارژ را متوقف کنید و درخواست کمک بدهید: باتری را رایگان تعویض می‌کنیم، حتی اگر گارانتی تمام شده "
            "باشد. تا آن زمان، گوشی را فقط وقتی کنارش هستید شارژ کنید.",
            "ar": "في دفعة صغيرة من هواتف Galaxy A55 (التي يبدأ رقم IMEI فيها بـ {prefix}) قد تنتفخ البطارية بعد "
            "أشهر من الشحن طوال الليل. إذا ارتفع الغطاء الخلفي أو انتفخت الشاشة أو أصبح الهاتف ساخنًا على غير العادة "
            "أثناء الشحن، فتوقف عن شحنه واطلب المساعدة: نستبدل البطارية مجانًا حتى بعد انتهاء الضمان. وإلى ذلك "
            "الحين، لا تشحن الهاتف إلا وأنت بقربه.",
            "ru": "В небольшой партии телефонов Galaxy A55 (IMEI начинается с {prefix}) аккумулятор может вздуться "
            "после нескольких месяцев зарядки по ночам. Если задняя крышка приподнялась, экран выгнулся или телефон "
            "сильно нагревается во время зарядки, прекратите зарядку и попросите помощи: мы бесплатно заменим "
            "аккумулятор, даже если гарантия уже закончилась. До замены заряжайте телефон, только когда вы рядом.",
        },
    ),
    KnownIssueSpec(
        "LG-F4V5VYP0W",
        "info",
        starts=200,
        batch=False,
        titles={
            "en": "LG F4V5: a false OE error after spinning is fixed by a software update",
            "fa": "ال‌جی F4V5: خطای نادرست OE پس از آبگیری با به‌روزرسانی نرم‌افزار برطرف می‌شود",
            "ar": "إل جي F4V5: يُصلَح خطأ OE الذي يظهر خطأً بعد العصر بتحديث البرنامج",
            "ru": "LG F4V5: ложная ошибка OE после отжима устраняется обновлением ПО",
        },
        bodies={
            "en": "Some LG F4V5 washing machines show the OE error at the end of a spin although the water has "
            "drained. A software update fixes it. Our technician installs it free of charge during a visit or the "
            "yearly maintenance: ask for help with the kind Maintenance and mention this notice. Until then, "
            "switching the machine off and on again clears the code.",
            "fa": "برخی ماشین‌های لباسشویی ال‌جی F4V5 در پایان آبگیری خطای OE نشان می‌دهند، در حالی که آب تخلیه شده "
            "است. یک به‌روزرسانی نرم‌افزار این مشکل را برطرف می‌کند. تکنسین ما آن را هنگام مراجعه یا در سرویس دوره‌ای "
            "سالانه رایگان نصب می‌کند: درخواست کمک با نوع «سرویس دوره‌ای» ثبت کنید و به این اطلاعیه اشاره کنید. تا آن "
            "زمان، با خاموش و روشن کردن دستگاه کد پاک می‌شود.",
            "ar": "تُظهر بعض غسالات إل جي F4V5 خطأ OE في نهاية العصر رغم أن الماء قد صُرّف. يُصلح تحديثٌ للبرنامج "
            "هذه المشكلة، ويثبّته فنيّنا مجانًا أثناء الزيارة أو الصيانة الدورية السنوية: اطلب المساعدة واختر النوع "
            "«صيانة دورية» واذكر هذا التنبيه. وحتى ذلك الحين، يزول الرمز بإطفاء الغسالة ثم تشغيلها.",
            "ru": "Некоторые стиральные машины LG F4V5 показывают ошибку OE в конце отжима, хотя вода слилась. Это "
            "исправляет обновление программного обеспечения. Наш мастер бесплатно установит его во время визита или "
            "ежегодного техобслуживания: попросите помощи, выберите тип «Техобслуживание» и упомяните это "
            "уведомление. До этого код сбрасывается, если выключить и снова включить машину.",
        },
    ),
]
