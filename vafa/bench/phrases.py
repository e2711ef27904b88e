"""Realistic text for benchmark rows: names and conversations in English, Persian, Arabic and Russian.

The conversations are the demo company's (vafa.demo.texts) with their blanks filled from a seeded
random generator, so a benchmark search for "battery" or "باتری" matches a realistic share of the
cases — not all of them, not none — and the same seed always gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass
from functools import cache

from vafa.demo import products
from vafa.demo.texts import LANGUAGES, render, visit_date

LANGUAGE_MIX = ["fa", "fa", "en", "en", "ar", "ru"]

FIRST_NAMES = {
    "en": [
        "James",
        "Emily",
        "Oliver",
        "Sophie",
        "Daniel",
        "Grace",
        "Thomas",
        "Hannah",
        "Jack",
        "Chloe",
        "Harry",
        "Lucy",
        "George",
        "Amelia",
        "William",
        "Olivia",
    ],
    "fa": [
        "سارا",
        "علی",
        "مریم",
        "رضا",
        "زهرا",
        "محمد",
        "فاطمه",
        "حسین",
        "نگار",
        "امیر",
        "لیلا",
        "مهدی",
        "نیلوفر",
        "کیان",
        "پریسا",
        "بهرام",
    ],
    "ar": [
        "أحمد",
        "فاطمة",
        "محمد",
        "ليلى",
        "خالد",
        "نور",
        "يوسف",
        "مريم",
        "عمر",
        "سلمى",
        "كريم",
        "هدى",
        "طارق",
        "رنا",
        "سامي",
        "دينا",
    ],
    "ru": [
        "Анна",
        "Иван",
        "Мария",
        "Дмитрий",
        "Елена",
        "Сергей",
        "Ольга",
        "Алексей",
        "Татьяна",
        "Николай",
        "Наталья",
        "Михаил",
        "Ксения",
        "Андрей",
        "Юлия",
        "Пётр",
    ],
}
LAST_NAMES = {
    "en": [
        "Smith",
        "Johnson",
        "Brown",
        "Taylor",
        "Wilson",
        "Davies",
        "Evans",
        "Walker",
        "Wright",
        "Green",
        "Hall",
        "Wood",
        "Clarke",
        "Hughes",
        "Turner",
        "Hill",
    ],
    "fa": [
        "احمدی",
        "محمدی",
        "حسینی",
        "رضایی",
        "کریمی",
        "موسوی",
        "جعفری",
        "کاظمی",
        "رحیمی",
        "صادقی",
        "نوری",
        "طاهری",
        "قاسمی",
        "یزدانی",
        "شریفی",
        "اکبری",
    ],
    "ar": [
        "الحسن",
        "العلي",
        "الخطيب",
        "المصري",
        "الشامي",
        "النجار",
        "الحداد",
        "الكردي",
        "السيد",
        "البغدادي",
        "الحلبي",
        "الزين",
        "العمر",
        "الصالح",
        "الراشد",
        "الأحمد",
    ],
    "ru": [
        "Иванов",
        "Смирнов",
        "Кузнецов",
        "Попов",
        "Соколов",
        "Лебедев",
        "Козлов",
        "Новиков",
        "Морозов",
        "Волков",
        "Павлов",
        "Семёнов",
        "Голубев",
        "Виноградов",
        "Богданов",
        "Фёдоров",
    ],
}


def person_name(index: int) -> str:
    """A customer's name, the same for the same index: languages in LANGUAGE_MIX proportions."""
    language = LANGUAGE_MIX[index % len(LANGUAGE_MIX)]
    first, last = FIRST_NAMES[language], LAST_NAMES[language]
    step = index // len(LANGUAGE_MIX)
    return f"{first[step % len(first)]} {last[(step // len(first) + step) % len(last)]}"


@dataclass(frozen=True)
class Line:
    author: str  # "customer" or "agent"
    text: str
    internal: bool = False


@dataclass(frozen=True)
class Conversation:
    subject: str
    messages: list[Line]


@dataclass(frozen=True)
class _Pool:
    openers: list[tuple[str, ...]]
    replies: list[str]
    customer_followups: list[str]
    agent_followups: list[str]
    notes: list[str]
    thanks: list[str]
    products: list[str]


@cache
def _pool(language: str) -> _Pool:
    texts = LANGUAGES[language]
    return _Pool(
        openers=[opener for group in texts.OPENERS.values() for opener in group],
        replies=[reply for group in texts.REPLIES.values() for reply in group],
        customer_followups=list(texts.CUSTOMER_FOLLOWUPS),
        agent_followups=list(texts.AGENT_FOLLOWUPS),
        notes=list(texts.NOTES),
        thanks=list(texts.CUSTOMER_THANKS),
        products=[item["names"][language] for item in products.PRODUCTS],
    )


def _serial(rng: random.Random) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "SN" + "".join(rng.choice(alphabet) for _ in range(8))


def conversation(rng: random.Random, language: str, *, messages: int) -> Conversation:
    """A case's subject and its first `messages` messages: the customer writes first, then turns alternate;
    about one agent turn in eight is an internal note."""
    pool = _pool(language)
    opener = rng.choice(pool.openers)
    subject_template, first = opener[0], opener[1]
    answer = opener[2] if len(opener) > 2 else rng.choice(pool.replies)
    day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365))
    context = {
        "product": rng.choice(pool.products),
        "order": f"SO-{rng.randrange(100000, 999999)}",
        "serial": _serial(rng),
        "name": person_name(rng.randrange(10_000)),
        "agent": "Bench Agent",
        "date": visit_date(day, language),
        "amount": f"{rng.randrange(5, 500) * 10_000:,}",
        "days": str(rng.randrange(3, 15)),
    }
    female = rng.random() < 0.5

    def fill(template: str) -> str:
        return render(template, context, female=female)

    lines = [Line("customer", fill(first))]
    for turn in range(1, messages):
        if turn % 2:
            if rng.random() < 0.125:
                lines.append(Line("agent", fill(rng.choice(pool.notes)), internal=True))
            else:
                lines.append(Line("agent", fill(answer if turn == 1 else rng.choice(pool.agent_followups))))
        elif turn == messages - 1:
            lines.append(Line("customer", fill(rng.choice(pool.thanks))))
        else:
            lines.append(Line("customer", fill(rng.choice(pool.customer_followups))))
    return Conversation(fill(subject_template)[:250], lines)
