"""Generate the labelled evaluation set for the sensitive-data detector (synthetic, deterministic).

    .venv/bin/python bench/make_sensitive_eval.py > tests/fixtures/sensitive/eval.jsonl

Each line: {"id", "lang", "text", "entities": [{"start", "end", "category", "subtype"?}]} over bokmål (nb),
nynorsk (nn), Danish (da), Swedish (sv) and English (en); about 40 % of the comments hold personal data, and
many of the others are the classic false positives (KID and order numbers, dates, prices, organisation
numbers, the municipality's own switchboard, mailbox, account and buildings, officials in their role,
statements about groups). ``PROFILE`` is the organisation those comments belong to.

Every identifier is synthetic and can belong to no living person: Norwegian numbers are Tenor test numbers
(month + 80), H-numbers (month + 40) or FH-numbers; Danish CPR and Swedish personnummer are dated in the
1800s; Finnish HETU use the 1800s sign or temporary individual numbers; e-mail addresses use example domains;
cards are the schemes' published test numbers.
"""

from __future__ import annotations

import json
import random
import re
import sys
from datetime import date, timedelta
from typing import Any

PROFILE = {
    "phones": ["69 10 80 00", "+47 23 46 10 00"],
    "mail_domains": ["sarpsborg.kommune.no", "bym.oslo.kommune.no"],
    "accounts": ["1503.04.44445"],
    "addresses": ["Storgata 1", "Rådhusplassen 1"],
    "names": ["Sindre Martinsen-Evje", "Kari Nordvik"],
}
TODAY = date(2026, 11, 21)
SEED = 4242

FIRST = ["Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Jonas", "Mette", "Søren", "Karin", "Anders", "Emma", "Noah",
         "Hanne", "Mikkel", "Frida", "Erik", "Astrid", "Henrik", "Linnea", "James", "Sarah", "Thea", "Magnus"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
        "Karlsson", "Lindqvist", "Bakken", "Haugen", "Berg", "Dahl", "Lund", "Smith", "Brown", "Eriksen", "Strand"]
STREETS = ["Ekornveien", "Bjørkelia", "Granstien", "Løvåsvegen", "Skovvej", "Birkevej", "Björkvägen", "Tallgatan",
           "Kirkegata", "Fjellveien", "Møllegade", "Solbakken"]
CITIES = [("1711", "Sarpsborg"), ("0561", "Oslo"), ("8600", "Silkeborg"), ("4000", "Roskilde"), ("5003", "Bergen")]
CARDS = [("4111111111111111", "visa"), ("5555555555554444", "mastercard"), ("4012888888881881", "visa"),
         ("378282246310005", "amex"), ("2223000048400011", "mastercard")]


# ------------------------------------------------------------------------------------------ synthetic ids

def _mod11(digits: str, weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return {11: 0, 10: None}.get(rest, rest)


def _norwegian(rng: random.Random, kind: str) -> str:
    while True:
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        day, month = born.day, born.month
        if kind == "tenor":
            month += 80
        elif kind == "h":
            month += 40
        elif kind == "d-tenor":
            day, month = day + 40, month + 80
        individual = rng.randrange(0, 500) if born.year < 2000 else rng.randrange(500, 1000)
        base = f"{day:02d}{month:02d}{born.year % 100:02d}{individual:03d}"
        if kind == "fh":
            base = str(rng.choice((8, 9))) + "".join(str(rng.randrange(10)) for _ in range(8))
        k1 = _mod11(base, (3, 7, 6, 1, 8, 9, 4, 5, 2))
        if k1 is None:
            continue
        k2 = _mod11(base + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
        if k2 is None:
            continue
        return base + str(k1) + str(k2)


def _cpr(rng: random.Random) -> str:
    born = date(1860, 1, 1) + timedelta(days=rng.randrange(365 * 39))  # 7th digit 5-8 and YY > 57: the 1800s
    return f"{born:%d%m}{born.year % 100:02d}-{rng.randrange(5, 9)}{rng.randrange(1000):03d}"


def _luhn_digit(digits: str) -> str:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def _swedish(rng: random.Random, samordning: bool = False) -> str:
    born = date(1890, 1, 1) + timedelta(days=rng.randrange(365 * 9))
    day = born.day + (60 if samordning else 0)
    nine = f"{born.year % 100:02d}{born.month:02d}{day:02d}{rng.randrange(1000):03d}"
    ten = nine + _luhn_digit(nine)
    return f"{born.year // 100}{ten[:6]}-{ten[6:]}" if rng.random() < 0.5 else f"{ten[:6]}+{ten[6:]}"


def _hetu(rng: random.Random) -> str:
    born = date(1880, 1, 1) + timedelta(days=rng.randrange(365 * 19))
    individual = rng.randrange(2, 900)
    number = int(f"{born:%d%m}{born.year % 100:02d}{individual:03d}")
    return f"{born:%d%m}{born.year % 100:02d}+{individual:03d}{'0123456789ABCDEFHJKLMNPRSTUVWXY'[number % 31]}"


def _account(rng: random.Random) -> str:
    while True:
        base = "".join(str(rng.randrange(10)) for _ in range(10))
        check = _mod11(base, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
        if check is not None and base[0] != "0":
            return base + str(check)


def _iban(account: str) -> str:
    check = 98 - int(account + "232400") % 97  # N=23 O=24, then "00"
    compact = f"NO{check:02d}{account}"
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _kid(rng: random.Random) -> str:
    base = "4" + "".join(str(rng.randrange(10)) for _ in range(13))
    return base + _luhn_digit(base)


def _orgnr(rng: random.Random) -> str:
    while True:
        base = "9" + "".join(str(rng.randrange(10)) for _ in range(7))
        check = _mod11(base, (3, 2, 7, 6, 5, 4, 3, 2))
        if check is not None:
            return base + str(check)


def _phone(rng: random.Random, lang: str) -> str:
    if lang == "da":
        n = f"{rng.choice('2345')}{rng.randrange(10**7):07d}"
        return rng.choice([f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:]}", f"+45 {n[:4]} {n[4:]}"])
    if lang == "sv":
        n = f"07{rng.choice('0236')}{rng.randrange(10**7):07d}"
        return f"{n[:3]}-{n[3:6]} {n[6:8]} {n[8:]}"
    n = f"{rng.choice('49')}{rng.randrange(10**7):07d}"
    return rng.choice([f"{n[:3]} {n[3:5]} {n[5:]}", f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:]}",
                       f"+47 {n[:3]} {n[3:5]} {n[5:]}", f"+47 {n}"])


# -------------------------------------------------------------------------------------------- templates
# {slot} is filled and labelled; {slot:plain} is filled but not labelled (a hard negative).

POSITIVE = {
    "nb": [
        "Hei! Fødselsnummeret mitt er {fnr}, kan dere sjekke saken min?",
        "Jeg har ringt tre ganger. Nå kan dere ringe meg på {phone}.",
        "Send svaret til {email}, takk.",
        "Kontonummer {account} for refusjon av gebyret.",
        "Betalte med kortet {card} men fikk aldri kvittering.",
        "Jeg bor i {address} og søppelbilen har ikke vært her på to uker.",
        "Naboen {name} kaster hageavfall i bekken.",
        "{child} har {health} og trenger skyss til skolen.",
        "Jeg er {special_religion} og lurer på om kantina har halal mat.",
        "Sønnen min ble {crime} etter festen, hvem kan vi snakke med?",
        "Mora mi har {health} og venter fortsatt på svar fra kommunen.",
        "IBAN for tilbakebetaling: {iban}",
        "Hei, dette gjelder {name}, fødselsnummer {fnr}, som venter på svar.",
        "{child} ble mobbet igjen i dag.",
        "Jeg er {special_orientation} og føler meg ikke trygg i parken om kvelden.",
    ],
    "nn": [
        "Fødselsnummeret mitt er {fnr}. Kan de sjå på saka?",
        "Ring meg gjerne på {phone} etter klokka fire.",
        "Eg bur i {address}, og vegen er ikkje brøytt.",
        "{child} har {health} og treng tilrettelegging.",
        "Skriv til meg på {email} om de treng meir.",
        "Eg er medlem av {special_union} og lurer på streiken.",
        "Naboen {name} parkerer alltid på fortauet.",
        "Kontonummeret mitt er {account}.",
    ],
    "da": [
        "Mit CPR-nummer er {cpr}, kan I se på sagen?",
        "Ring til mig på {phone} i morgen.",
        "Jeg bor på {address} og der er hul i vejen.",
        "{child} har {health} og skal have hjælp.",
        "Skriv til {email}.",
        "Min nabo {name} larmer hver nat.",
        "Reg.nr. {dkaccount} til tilbagebetaling.",
        "Jeg er {special_religion} og vil gerne vide om begravelsespladsen.",
        "Min søn blev {crime} i weekenden.",
    ],
    "sv": [
        "Mitt personnummer är {sepnr}, kan ni kolla ärendet?",
        "Ring mig på {phone}.",
        "Jag bor på {address} och gatlyktan är trasig.",
        "{child} har {health} och behöver hjälp i skolan.",
        "Mejla mig på {email}.",
        "Min granne {name} eldar sopor.",
        "Jag är {special_religion} och undrar över matsedeln.",
    ],
    "en": [
        "My Finnish ID is {hetu}, please update my file.",
        "Call me on {phone} please.",
        "I live at {address} and the bins were not emptied.",
        "{child} has {health} and needs a bus pass.",
        "Reply to {email}.",
        "My neighbour {name} keeps blocking the road.",
        "Card {card} was charged twice.",
        "I am {special_religion} and the cemetery rules matter to me.",
    ],
}

NEGATIVE = {
    "nb": [
        "Bestilling {order:plain} er ikke levert ennå.",
        "KID {kid:plain} ble avvist i nettbanken.",
        "Møtet er {date:plain} klokka 18 i rådhuset.",
        "Prosjektet koster {money:plain} kroner, helt vanvittig!",
        "Organisasjonsnummer {orgnr:plain} står på fakturaen.",
        "Saksnummer {case:plain} gjelder byggesøknaden.",
        "Ring sentralbordet på 69 10 80 00 for hjelp.",
        "Send det til postmottak@sarpsborg.kommune.no så tar vi det derfra.",
        "Biblioteket i Storgata 1 er stengt i dag.",
        "Ordfører Kari Nordvik svarte på spørsmålet i bystyret.",
        "Mange eldre sliter med demens, det må kommunen ta på alvor.",
        "Veien til skolen er full av hull. Når kommer asfalten?",
        "Referanse {bad11:plain} står på brevet.",
        "Hvorfor stenger svømmehallen i juli?",
        "Gnr. 12 bnr. 7 har fått ny eier.",
        "Takk for god hjelp i dag! 👍",
        "Sporingsnummer EX012345675NO viser at pakka er på vei.",
        "Betal til kommunens konto 1503.04.44445 innen fristen.",
        "Kommunens sentralbord +47 23 46 10 00 svarer ikke.",
        "Det er mange som har diabetes i Norge, sier statistikken.",
    ],
    "nn": [
        "Kvifor er ikkje vegen brøytt enno?",
        "Møtet er {date:plain} i kommunestyresalen.",
        "Det kostar {money:plain} kroner, det er for mykje.",
        "Fakturanummer {order:plain} er feil.",
        "Mange born går til skulen langs riksvegen.",
    ],
    "da": [
        "Ordrenummer {order:plain} er ikke modtaget.",
        "Mødet er {date:plain} på rådhuset.",
        "CVR {cvr:plain} står på regningen.",
        "Prisen er {money:plain} kr, det er for dyrt.",
        "Mange ældre har brug for hjemmehjælp.",
        "Hvornår bliver cykelstien færdig?",
        "Sagsnummer {case:plain} om byggetilladelsen.",
    ],
    "sv": [
        "Ordernummer {order:plain} har inte kommit.",
        "Mötet är {date:plain} i stadshuset.",
        "Det kostar {money:plain} kronor.",
        "Många äldre behöver hemtjänst.",
        "När öppnar badhuset igen?",
    ],
    "en": [
        "Order {order:plain} never arrived.",
        "The meeting is on {date:plain} at the town hall.",
        "It cost {money:plain} NOK, far too much.",
        "Many elderly residents struggle with dementia.",
        "When will the playground reopen?",
        "Invoice {order:plain} was paid last week.",
    ],
}

HEALTH = {"nb": ["diabetes", "epilepsi", "astma", "ADHD", "angst", "kreft"],
          "nn": ["diabetes", "epilepsi", "astma", "ADHD"],
          "da": ["diabetes", "epilepsi", "astma", "gigt"],
          "sv": ["diabetes", "epilepsi", "astma", "cancer"],
          "en": ["diabetes", "epilepsy", "asthma", "autism"]}
CHILD = {"nb": ["Min sønn på 8 år", "Datteren min på 12 år", "Min datter (9)", "Sønnen vår på 6 år"],
         "nn": ["Dottera mi på 10 år", "Sonen min på 7 år"],
         "da": ["Min søn på 9 år", "Min datter på 11 år"],
         "sv": ["Min son på 8 år", "Min dotter på 10 år"],
         "en": ["My son (8)", "My daughter of 10 years"]}
RELIGION = {"nb": ["muslim", "katolikk", "jøde"], "da": ["muslim", "katolik", "jøde"], "sv": ["muslim", "katolik"],
            "en": ["Muslim", "Catholic", "Jewish"], "nn": ["muslim"]}
CRIME = {"nb": ["anmeldt", "arrestert", "siktet"], "da": ["anholdt", "sigtet"]}
ORIENTATION = {"nb": ["homofil", "lesbisk", "bifil"]}
UNION = {"nn": ["Fagforbundet", "Utdanningsforbundet", "Sykepleierforbundet"]}


def _fill(rng: random.Random, slot: str, lang: str) -> tuple[str, str | None, str | None]:
    """(value, category or None, subtype)."""
    if slot == "fnr":
        return _norwegian(rng, rng.choice(["tenor", "h", "d-tenor", "fh"])), "national_id", None
    if slot == "cpr":
        return _cpr(rng), "national_id", None
    if slot == "sepnr":
        return _swedish(rng, rng.random() < 0.3), "national_id", None
    if slot == "hetu":
        return _hetu(rng), "national_id", None
    if slot == "phone":
        return _phone(rng, lang), "phone", None
    if slot == "email":
        return (f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{rng.randrange(100)}@"
                f"{rng.choice(['example.com', 'example.org', 'example.net'])}"), "email", None
    if slot == "account":
        digits = _account(rng)
        return (f"{digits[:4]}.{digits[4:6]}.{digits[6:]}" if rng.random() < 0.6 else digits), "bank_account", None
    if slot == "dkaccount":
        return f"{rng.randrange(1000, 9999)} konto {rng.randrange(10**9, 10**10)}", "bank_account", None
    if slot == "iban":
        return _iban(_account(rng)), "iban", None
    if slot == "card":
        number, _ = rng.choice(CARDS)
        return (" ".join(number[i:i + 4] for i in range(0, len(number), 4)) if rng.random() < 0.6 else number,
                "payment_card", None)
    if slot == "address":
        postcode, city = rng.choice(CITIES)
        street = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}"
        return (f"{street}, {postcode} {city}" if rng.random() < 0.5 else street), "address", None
    if slot == "name":
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}", "person_name", None
    if slot == "health":
        return rng.choice(HEALTH[lang]), "health", None
    if slot == "child":
        return rng.choice(CHILD[lang]), "child_related", None
    if slot == "special_religion":
        return rng.choice(RELIGION[lang]), "other_special_category", "religion"
    if slot == "special_orientation":
        return rng.choice(ORIENTATION[lang]), "other_special_category", "sexual_orientation"
    if slot == "special_union":
        return rng.choice(UNION[lang]), "other_special_category", "trade_union"
    if slot == "crime":
        return rng.choice(CRIME[lang]), "criminal_offence", None
    plain = {
        "order": lambda: str(rng.randrange(10**7, 10**8)),
        "kid": lambda: _kid(rng),
        "date": lambda: f"{rng.randrange(1, 29):02d}.{rng.randrange(1, 13):02d}.2026",
        "money": lambda: f"{rng.randrange(1, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
        "orgnr": lambda: " ".join(re.findall("...", _orgnr(rng))),
        "cvr": lambda: str(rng.randrange(10**7, 10**8)),
        "case": lambda: f"2026/{rng.randrange(1000, 99999):05d}-{rng.randrange(1, 9)}",
        "bad11": lambda: str(rng.randrange(10**10, 10**11 - 1)),
    }
    return plain[slot](), None, None


def _record(rng: random.Random, number: int, lang: str, template: str) -> dict[str, Any]:
    text, entities, position = "", [], 0
    for match in re.finditer(r"\{(\w+)(:plain)?\}", template):
        text += template[position:match.start()]
        value, category, subtype = _fill(rng, match.group(1), lang)
        if category is not None and not match.group(2):
            entity: dict[str, Any] = {"start": len(text), "end": len(text) + len(value), "category": category}
            if subtype:
                entity["subtype"] = subtype
            entities.append(entity)
        text += value
        position = match.end()
    text += template[position:]
    return {"id": f"{lang}-{number:03d}", "lang": lang, "text": text, "entities": entities}


def generate() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    records = []
    share = {"nb": 150, "nn": 60, "da": 90, "sv": 70, "en": 70}
    for lang, count in share.items():
        for number in range(count):
            positive = rng.random() < 0.42
            template = rng.choice(POSITIVE[lang] if positive else NEGATIVE[lang])
            records.append(_record(rng, number, lang, template))
    return records


def main() -> None:
    for record in generate():
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
