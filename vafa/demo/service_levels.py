"""The demo company's service levels and automation: business calendars for the Tehran office and the
London desk, SLA policies with escalations, routing per team with the agents' languages, automation
rules and multilingual macros — then the clocks of every demo case, replayed from its timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from vafa.accounts.models import Team, User
from vafa.automation.availability import agent_profile_update
from vafa.automation.models import RoutingMethod, TeamRouting, Trigger
from vafa.automation.services import macro_create, rule_create
from vafa.catalog.models import Category
from vafa.customers.models import Tier
from vafa.demo.records import Agent
from vafa.service.models import Case, CaseKind, CaseStatus, Priority
from vafa.sla.calendars import calendar_create, calendar_set_default
from vafa.sla.models import (
    BusinessCalendar,
    EscalationAction,
    EscalationTrigger,
    Metric,
    SlaEscalation,
    SlaPolicy,
)
from vafa.sla.selectors import sla_policies_active
from vafa.sla.services import sla_case_refresh

HOUR = 60
# A business day of the Tehran office: 08:00–16:00 with an hour for lunch.
DAY = 7 * HOUR

MACROS = [
    (
        "Ask for the serial number",
        {
            "en": "Hello {customer_name},\n\nThank you for writing to us about {case_number}. Could you send us the "
            "serial number of the device? It is on the label under the battery or on the box.\n\n{agent_name}",
            "fa": "{customer_name} گرامی، سلام\n\nاز پیام شما دربارهٔ {case_number} سپاسگزاریم. لطفاً شمارهٔ سریال "
            "دستگاه را برای ما بفرستید؛ روی برچسب زیر باتری یا روی جعبه نوشته شده است.\n\n{agent_name}",
            "ar": "مرحبًا {customer_name}،\n\nشكرًا لتواصلك معنا بخصوص {case_number}. هل يمكنك إرسال الرقم "
            "التسلسلي للجهاز؟ تجده على الملصق أسفل البطارية أو على العلبة.\n\n{agent_name}",
            "ru": "Здравствуйте, {customer_name}!\n\nСпасибо, что написали нам по обращению {case_number}. "
            "Пришлите, пожалуйста, серийный номер устройства: он на наклейке под батареей или на коробке."
            "\n\n{agent_name}",
        },
        [{"type": "set_status", "status": CaseStatus.PENDING_CUSTOMER}],
    ),
    (
        "Warranty confirmed",
        {
            "en": "Hello {customer_name},\n\nYour {product_name} (serial {unit_serial}) is under warranty until "
            "{warranty_end}. We will repair it free of charge.\n\n{agent_name}",
            "fa": "{customer_name} گرامی، سلام\n\n{product_name} شما (سریال {unit_serial}) تا {warranty_end} "
            "گارانتی دارد و رایگان تعمیر می‌شود.\n\n{agent_name}",
            "ar": "مرحبًا {customer_name}،\n\nجهازك {product_name} (الرقم التسلسلي {unit_serial}) مشمول بالضمان "
            "حتى {warranty_end}. سنصلحه مجانًا.\n\n{agent_name}",
            "ru": "Здравствуйте, {customer_name}!\n\nВаш {product_name} (серийный номер {unit_serial}) на "
            "гарантии до {warranty_end}. Мы отремонтируем его бесплатно.\n\n{agent_name}",
        },
        [{"type": "add_tag", "tag": "warranty-confirmed"}],
    ),
    (
        "Solved — anything else?",
        {
            "en": "Hello {customer_name},\n\nGlad this is sorted. If anything else comes up, just reply to this "
            "message and {case_number} opens again.\n\n{agent_name}",
            "fa": "{customer_name} گرامی، سلام\n\nخوشحالیم که مشکل حل شد. اگر باز هم سؤالی داشتید، کافی است به "
            "همین پیام پاسخ دهید تا {case_number} دوباره باز شود.\n\n{agent_name}",
            "ar": "مرحبًا {customer_name}،\n\nيسعدنا أن المشكلة حُلّت. إن احتجت أي شيء آخر، فقط ردّ على هذه "
            "الرسالة وسيُعاد فتح {case_number}.\n\n{agent_name}",
            "ru": "Здравствуйте, {customer_name}!\n\nРады, что всё решилось. Если появятся вопросы, просто "
            "ответьте на это письмо — обращение {case_number} откроется снова.\n\n{agent_name}",
        },
        [],
    ),
]

REMINDER = {
    "en": "Hello {customer_name},\n\nWe are still waiting for your answer on {case_number}. Reply to this "
    "message whenever you are ready and we will carry on.",
    "fa": "{customer_name} گرامی، سلام\n\nهنوز منتظر پاسخ شما دربارهٔ {case_number} هستیم. هر وقت آماده "
    "بودید به همین پیام پاسخ دهید تا کار را ادامه دهیم.",
    "ar": "مرحبًا {customer_name}،\n\nما زلنا ننتظر ردك بخصوص {case_number}. ردّ على هذه الرسالة متى كنت "
    "جاهزًا وسنتابع.",
    "ru": "Здравствуйте, {customer_name}!\n\nМы всё ещё ждём вашего ответа по обращению {case_number}. "
    "Ответьте на это письмо, когда будете готовы, и мы продолжим.",
}

CLOSING = {
    "en": "Hello {customer_name},\n\nWe have not heard from you for a week, so we are closing {case_number}. "
    "If you still need help, reply to this message and it opens again.",
    "fa": "{customer_name} گرامی، سلام\n\nیک هفته است از شما خبری نداریم، پس {case_number} را می‌بندیم. اگر "
    "هنوز کمک لازم دارید، به همین پیام پاسخ دهید تا دوباره باز شود.",
    "ar": "مرحبًا {customer_name}،\n\nلم يصلنا ردك منذ أسبوع، لذا سنغلق {case_number}. إن كنت ما زلت بحاجة "
    "إلى المساعدة، ردّ على هذه الرسالة وستُفتح من جديد.",
    "ru": "Здравствуйте, {customer_name}!\n\nМы не получали от вас ответа неделю, поэтому закрываем "
    "обращение {case_number}. Если помощь ещё нужна, ответьте на это письмо — и оно откроется снова.",
}


def build_service_levels(
    *, admin: User, teams: list[Team], agents: list[Agent], now: dt.datetime, log: Callable[[str], None]
) -> dict[str, int]:
    """Set up calendars, policies, routing, rules and macros, then replay every demo case's clocks up to `now`."""
    log("Business calendars (Iran preset for Tehran, a Western week for London)…")
    tehran = calendar_create(actor=admin, name="Tehran office", time_zone="Asia/Tehran", preset="iran")
    calendar_set_default(actor=admin, calendar=tehran)
    london = calendar_create(
        actor=admin, name="London desk", time_zone="Europe/London", preset="western", country="GB"
    )
    _policies(tehran, london, teams)
    log("Routing and the agents' languages…")
    _routing(admin, teams, agents, tehran)
    log("SLA clocks of every case, replayed from its timeline…")
    policies = sla_policies_active()
    for case_id in Case.objects.order_by("id").values_list("pk", flat=True).iterator():
        sla_case_refresh(case_id=case_id, rules=policies, now=now)
    # The rules come after the replay: the breaches of two years of history are facts for the
    # compliance figures, not news for today's rules to act on.
    log("Automation rules and macros…")
    _rules(admin, tehran, teams)
    for name, texts, actions in MACROS:
        macro_create(actor=admin, name=name, texts=texts, actions=actions)
    return {"calendars": BusinessCalendar.objects.count(), "sla policies": SlaPolicy.objects.count()}


def _policies(tehran: BusinessCalendar, london: BusinessCalendar, teams: list[Team]) -> None:
    vip_desk = next(team for team in teams if team.name == "VIP desk")
    policies = [
        SlaPolicy(
            name="VIP and gold customers",
            description="Business accounts and our best customers: an answer within the hour.",
            position=1,
            calendar=london,
            customer_tiers=[Tier.VIP, Tier.GOLD],
            first_response_minutes=HOUR,
            next_response_minutes=2 * HOUR,
            resolution_minutes=DAY,
            at_risk_percent=70,
        ),
        SlaPolicy(
            name="Urgent",
            description="Anything marked urgent, whoever the customer.",
            position=2,
            calendar=tehran,
            priorities=[Priority.URGENT],
            first_response_minutes=30,
            next_response_minutes=HOUR,
            resolution_minutes=4 * HOUR,
        ),
        SlaPolicy(
            name="Warranty, repairs and returns",
            description="Claims the law gives deadlines for.",
            position=3,
            calendar=tehran,
            kinds=[
                CaseKind.WARRANTY_CLAIM,
                CaseKind.REPAIR,
                CaseKind.RETURN,
                CaseKind.REPLACEMENT,
                CaseKind.REFUND,
            ],
            first_response_minutes=4 * HOUR,
            next_response_minutes=DAY,
            resolution_minutes=5 * DAY,
        ),
        SlaPolicy(
            name="Standard",
            description="Every other request.",
            position=4,
            calendar=tehran,
            first_response_minutes=DAY,
            next_response_minutes=DAY,
            resolution_minutes=3 * DAY,
        ),
    ]
    SlaPolicy.objects.bulk_create(policies)
    escalations = []
    for policy in policies:
        escalations += [
            SlaEscalation(
                policy=policy, trigger=EscalationTrigger.AT_RISK, action=EscalationAction.NOTIFY_ASSIGNEE
            ),
            SlaEscalation(
                policy=policy,
                trigger=EscalationTrigger.BREACHED,
                action=EscalationAction.NOTIFY_TEAM_LEAD,
                position=1,
            ),
        ]
    vip, urgent = policies[0], policies[1]
    escalations += [
        SlaEscalation(
            policy=vip,
            trigger=EscalationTrigger.BREACHED,
            action=EscalationAction.NOTIFY_MANAGERS,
            position=2,
        ),
        SlaEscalation(
            policy=vip,
            trigger=EscalationTrigger.BREACHED,
            metric=Metric.FIRST_RESPONSE,
            action=EscalationAction.REASSIGN_TEAM,
            team=vip_desk,
            position=3,
        ),
        SlaEscalation(
            policy=urgent,
            trigger=EscalationTrigger.AT_RISK,
            action=EscalationAction.NOTIFY_MANAGERS,
            position=2,
        ),
    ]
    standard = policies[3]
    escalations.append(
        SlaEscalation(
            policy=standard,
            trigger=EscalationTrigger.BREACHED,
            action=EscalationAction.RAISE_PRIORITY,
            position=2,
        )
    )
    SlaEscalation.objects.bulk_create(escalations)


def _routing(admin: User, teams: list[Team], agents: list[Agent], tehran: BusinessCalendar) -> None:
    methods = {
        "Phones & laptops": (RoutingMethod.ROUND_ROBIN, None),
        "Home appliances": (RoutingMethod.LEAST_OPEN, 25),
        "Returns & warranty": (RoutingMethod.LEAST_OPEN, 30),
        "VIP desk": (RoutingMethod.MANUAL, None),
    }
    TeamRouting.objects.bulk_create(
        TeamRouting(
            team=team, method=methods[team.name][0], max_open_per_agent=methods[team.name][1], calendar=tehran
        )
        for team in teams
        if team.name in methods
    )
    gadgets = list(Category.objects.filter(code__in=["phones", "laptops"]))
    for agent in agents:
        agent_profile_update(
            actor=admin,
            user=agent.user,
            languages=list(agent.speaks),
            case_kinds=[],
            product_categories=gadgets if agent.key in ("reza", "omar") else [],
            max_open_cases=None,
            calendar=None,
        )


def _rules(admin: User, tehran: BusinessCalendar, teams: list[Team]) -> None:
    vip_desk = next(team for team in teams if team.name == "VIP desk")
    rule_create(
        actor=admin,
        name="VIP customers go to the VIP desk",
        description="Gold and VIP customers are looked after by the VIP desk from the first message.",
        trigger=Trigger.CASE_OPENED,
        conditions=[{"field": "customer_tier", "op": "in", "value": [Tier.VIP, Tier.GOLD]}],
        actions=[{"type": "assign_team", "team": vip_desk.pk}, {"type": "add_tag", "tag": "vip"}],
    )
    rule_create(
        actor=admin,
        name="Complaints are high priority",
        trigger=Trigger.CASE_OPENED,
        conditions=[
            {"field": "kind", "op": "is", "value": CaseKind.COMPLAINT},
            {"field": "priority", "op": "in", "value": [Priority.LOW, Priority.NORMAL]},
        ],
        actions=[{"type": "set_priority", "priority": Priority.HIGH}],
    )
    rule_create(
        actor=admin,
        name="Customer answered: back to open",
        description="A customer's reply to a case waiting on them puts it back in the agents' queue.",
        trigger=Trigger.CUSTOMER_REPLIED,
        conditions=[
            {"field": "status", "op": "in", "value": [CaseStatus.PENDING_CUSTOMER, CaseStatus.ON_HOLD]}
        ],
        actions=[{"type": "set_status", "status": CaseStatus.OPEN}],
    )
    rule_create(
        actor=admin,
        name="Breached: tell the team in a note",
        trigger=Trigger.SLA_BREACHED,
        actions=[
            {"type": "add_note", "text": "The SLA of {case_number} is breached; please look at it first."}
        ],
    )
    rule_create(
        actor=admin,
        name="Remind after 3 business days waiting",
        trigger=Trigger.TIME,
        time_status=CaseStatus.PENDING_CUSTOMER,
        time_minutes=3 * DAY,
        time_calendar=tehran,
        actions=[{"type": "send_message", "texts": REMINDER, "status": CaseStatus.PENDING_CUSTOMER}],
    )
    rule_create(
        actor=admin,
        name="Resolve after 7 business days waiting",
        trigger=Trigger.TIME,
        time_status=CaseStatus.PENDING_CUSTOMER,
        time_minutes=7 * DAY,
        time_calendar=tehran,
        actions=[
            {
                "type": "resolve",
                "texts": CLOSING,
                "summary": "No answer from the customer for 7 business days.",
            }
        ],
    )
