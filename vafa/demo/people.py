"""The demo company's customers and organisations: names, addresses, e-mails and phones per market."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable

import phonenumbers
from django.db import models
from faker import Faker

from vafa.accounts.models import Role
from vafa.accounts.services import customer_account_ensure
from vafa.customers.models import ContactPoint, Customer, Organisation, Tier
from vafa.demo import names
from vafa.demo.records import CustomerRecord, weighted

CUSTOMER_EMAIL = names.DEMO_CUSTOMER_EMAIL
LANGUAGE_SHARE = {"fa": 50, "en": 30, "ar": 12, "ru": 8}
MARKET = {"fa": "IR", "en": "WEST", "ar": "GULF", "ru": "RU"}
TIERS = [(Tier.STANDARD, 76), (Tier.SILVER, 13), (Tier.GOLD, 8), (Tier.VIP, 3)]
# Days after the start of the two years on which the portal demo customer buys, and what.
DEMO_CUSTOMER_ORDERS = [(40, "SM-A556E-256"), (250, "LG-F4V5VYP0W"), (520, "LN-IPS5-14"), (690, "PH-HD9270")]


class PeopleMixin:
    """Part of DemoBuilder: customers, their contact points, organisations and the portal account."""

    rng: random.Random
    faker: dict[str, Faker]
    start: dt.datetime
    cutoff: dt.datetime
    n_customers: int
    customers: list[CustomerRecord]
    hashes: dict[str, str]
    _emails: set[str]
    _phones: set[str]
    bulk: Callable[[type[models.Model], list], None]

    def _person(self, language: str) -> tuple[str, str, str, bool]:
        """(full name, first name, e-mail local part, female) for someone of that language."""
        rng = self.rng
        female = rng.random() < 0.47
        if language == "en":
            fake = self.faker["en_US"] if rng.random() < 0.6 else self.faker["en_GB"]
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            latin_first, latin_last = first.lower(), last.lower()
        elif language == "ru":
            first, latin_first = rng.choice(names.RU_FEMALE if female else names.RU_MALE)
            last, latin_last = rng.choice(names.RU_LAST)
            if female:
                last, latin_last = last + "а", latin_last + "a"
        else:
            table = {
                "fa": (names.FA_FEMALE, names.FA_MALE, names.FA_LAST),
                "ar": (names.AR_FEMALE, names.AR_MALE, names.AR_LAST),
            }[language]
            first, latin_first = rng.choice(table[0] if female else table[1])
            last, latin_last = rng.choice(table[2])
        local = weighted(
            rng,
            [
                (f"{latin_first}.{latin_last}", 40),
                (f"{latin_first}{latin_last}", 15),
                (f"{latin_first[0]}{latin_last}", 15),
                (f"{latin_first}.{latin_last}{rng.randint(60, 99)}", 20),
                (f"{latin_first}_{latin_last}", 10),
            ],
        )
        return f"{first} {last}", first, str(local), female

    def _email(self, local: str, domain: str) -> str:
        local = re.sub(r"[^a-z0-9._-]", "", local.lower()) or "customer"
        email, counter = f"{local}@{domain}", 1
        while email in self._emails:
            counter += 1
            email = f"{local}{counter}@{domain}"
        self._emails.add(email)
        return email

    def _phone(self, region: str, area_codes: list[str] | None = None) -> str:
        rng = self.rng
        code = phonenumbers.country_code_for_region(region)
        for _ in range(100):
            if region == "US":
                prefix = rng.choice(area_codes or ["212"]) + str(rng.randint(2, 9))
            else:
                prefix = rng.choice(names.PHONE_PREFIXES[region])
            national = prefix + "".join(
                str(rng.randrange(10)) for _ in range(names.PHONE_LENGTH[region] - len(prefix))
            )
            number = phonenumbers.parse(f"+{code}{national}")
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(number) and value not in self._phones:
                self._phones.add(value)
                return value
        raise RuntimeError(f"No valid phone number found for {region}")

    def _address(self, language: str) -> tuple[str, str, str, str, str, list[str] | None]:
        """(address, city, country, time zone, phone region, US area codes)."""
        rng = self.rng
        if language == "fa":
            city, _, streets, postcode = weighted(rng, [(c, c[1]) for c in names.FA_CITIES])
            place = rng.choice(names.FA_PLACE).format(n=rng.randint(1, 40), last=rng.choice(names.FA_LAST)[0])
            code = postcode + "".join(str(rng.randrange(10)) for _ in range(10 - len(postcode)))
            text = (
                f"{rng.choice(streets)}، {place}، پلاک {rng.randint(1, 160)}، واحد {rng.randint(1, 14)}\n"
                f"کد پستی {code}"
            )
            text = text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
            return text, city, "IR", "Asia/Tehran", "IR", None
        if language == "ar":
            city, country, tz, _, districts, streets = weighted(rng, [(c, c[3]) for c in names.AR_CITIES])
            if country == "SA":
                text = (
                    f"{rng.randint(1000, 9999)} {rng.choice(streets)}، {rng.choice(districts)}\n"
                    f"{city} {rng.randint(11000, 34999)}"
                )
            else:
                text = f"شقة {rng.randint(101, 2408)}، {rng.choice(streets)}، {rng.choice(districts)}"
            return text, city, country, tz, country, None
        if language == "ru":
            city, _, postcode = weighted(rng, [(c, c[1]) for c in names.RU_CITIES])
            code = postcode + "".join(str(rng.randrange(10)) for _ in range(6 - len(postcode)))
            return (
                f"{self.faker['ru_RU'].street_address()}\n{code} {city}",
                city,
                "RU",
                "Europe/Moscow",
                "RU",
                None,
            )
        if rng.random() < 0.6:
            city, state, tz, areas, _ = weighted(rng, [(c, c[4]) for c in names.US_CITIES])
            fake = self.faker["en_US"]
            return (
                f"{fake.street_address()}\n{city}, {state} {fake.postcode_in_state(state)}",
                city,
                "US",
                tz,
                "US",
                areas,
            )
        city, _ = weighted(rng, [(c, c[1]) for c in names.GB_CITIES])
        fake = self.faker["en_GB"]
        return f"{fake.street_address()}\n{city} {fake.postcode()}", city, "GB", "Europe/London", "GB", None

    def _customers(self) -> None:
        rng = self.rng
        n = self.n_customers
        n_orgs = min(len(names.ORGANISATIONS), max(3, n // 50))
        chosen = sorted(rng.sample(range(len(names.ORGANISATIONS)), n_orgs))
        orgs = []
        for index in chosen:
            name, language, domain = names.ORGANISATIONS[index]
            created = self.start + dt.timedelta(days=rng.uniform(0, 500))
            orgs.append(
                (
                    Organisation(
                        name=name,
                        domain=domain,
                        tier=weighted(
                            rng, [(Tier.STANDARD, 40), (Tier.SILVER, 25), (Tier.GOLD, 25), (Tier.VIP, 10)]
                        ),
                        share_with_members=rng.random() < 0.4,
                        created_at=created,
                        updated_at=created,
                    ),
                    language,
                )
            )
        self.bulk(Organisation, [org for org, _ in orgs])

        members: list[tuple[Organisation | None, str]] = []
        for organisation, language in orgs:
            members += [(organisation, language)] * rng.randint(2, 6)
        members = members[: max(0, n // 6)]
        rest = n - 1 - len(members)
        quota = {lang: round(rest * share / 100) for lang, share in LANGUAGE_SHARE.items()}
        quota["fa"] += rest - sum(quota.values())
        languages = [lang for lang, count in quota.items() for _ in range(count)]
        rng.shuffle(languages)
        people: list[tuple[Organisation | None, str]] = [(None, "fa"), *members]
        people += [(None, lang) for lang in languages]

        contacts = []
        for index, (org, language) in enumerate(people):
            if index == 0:
                first, first_latin = names.DEMO_CUSTOMER_FIRST
                full, female = f"{first} {names.DEMO_CUSTOMER_LAST[0]}", True
                local = f"{first_latin}.{names.DEMO_CUSTOMER_LAST[1]}"
            else:
                full, first, local, female = self._person(language)
            address, city, country, tz, region, areas = self._address(language)
            if index == 0:
                email = CUSTOMER_EMAIL
                self._emails.add(email)
                start = self.start + dt.timedelta(days=DEMO_CUSTOMER_ORDERS[0][0], hours=9)
            else:
                domain = org.domain if org is not None else rng.choice(names.EMAIL_DOMAINS)
                email = self._email(local, domain)
                earliest = org.created_at if org is not None else self.start
                span = (self.cutoff - dt.timedelta(days=1) - earliest).total_seconds()
                start = earliest + dt.timedelta(seconds=span * rng.random() ** 0.8)
            tier: str = Tier.GOLD if index == 0 else weighted(rng, TIERS)
            if org is not None and rng.random() < 0.5:
                tier = org.tier
            created = start - dt.timedelta(minutes=rng.randint(3, 40))
            if rng.random() < 0.15:
                created = max(self.start, start - dt.timedelta(days=rng.uniform(1, 120)))
            marketing = index == 0 or rng.random() < 0.42
            customer = Customer(
                name=full,
                organisation=org,
                language=language,
                time_zone=tz,
                tier=tier,
                consent_marketing=marketing,
                consent_surveys=index == 0 or rng.random() < 0.82,
                consent_updated_at=created + dt.timedelta(minutes=rng.randint(1, 30)),
                address=address,
                city=city,
                country=country,
                created_at=created,
                updated_at=created + dt.timedelta(minutes=rng.randint(1, 30)),
            )
            self.customers.append(
                CustomerRecord(
                    obj=customer,
                    language=language,
                    market=MARKET[language],
                    first_name=full if language == "fa" else first,
                    female=female,
                    start=start,
                    b2b=org is not None,
                )
            )
            verified = created + dt.timedelta(minutes=rng.randint(2, 90)) if rng.random() < 0.8 else None
            contacts.append(
                ContactPoint(
                    customer=customer,
                    kind=ContactPoint.Kind.EMAIL,
                    value=email,
                    is_primary=True,
                    verified_at=verified,
                    created_at=created,
                )
            )
            if index == 0 or rng.random() < 0.88:
                contacts.append(
                    ContactPoint(
                        customer=customer,
                        kind=ContactPoint.Kind.PHONE,
                        value=self._phone(region, areas),
                        is_primary=True,
                        verified_at=verified,
                        created_at=created,
                    )
                )
            if rng.random() < 0.05:
                contacts.append(
                    ContactPoint(
                        customer=customer,
                        kind=ContactPoint.Kind.EMAIL,
                        value=self._email(local + ".work", "example.org"),
                        created_at=created + dt.timedelta(days=rng.randint(1, 200)),
                    )
                )
        self.bulk(Customer, [record.obj for record in self.customers])
        for contact in contacts:
            contact.created_at = min(contact.created_at, self.cutoff - dt.timedelta(minutes=5))
        self.bulk(ContactPoint, contacts)

        demo = self.customers[0]
        account = customer_account_ensure(actor=None, customer=demo.obj)
        account.password = self.hashes[Role.CUSTOMER]
        account.native_digits = True
        account.date_joined = demo.obj.created_at
        account.save(update_fields=["password", "native_digits", "date_joined"])
        demo.account = account
