"""Platform-neutral content for the fake APIs: accounts, threads, comments, people.

Each platform fake (``fakes/<platform>.py``) renders the same ``FakeAccount`` in its own API's shape, so the
demo municipality and the seeded synthetic accounts are defined once for every platform. Ids are made in
each platform's own form (``IdScheme``): X and Mastodon snowflakes, YouTube ``Ugx…`` comment ids with
``parent.suffix`` replies, LinkedIn URNs, Bluesky at-URIs and so on.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = [
    "PEOPLE", "QUESTIONS", "FakeAccount", "FakeItem", "FakeMedia", "FakeThread", "Person", "demo_account",
    "synthetic_account",
]

EPOCH = datetime(2026, 10, 1, 7, 30, tzinfo=UTC)
X_EPOCH_MS = 1288834974657
# Platforms whose replies nest at most one level (a reply to a reply is shown under the top comment).
ONE_LEVEL = frozenset({"instagram", "youtube", "linkedin"})


@dataclass(frozen=True)
class Person:
    id: str
    handle: str
    name: str


@dataclass(frozen=True)
class FakeMedia:
    kind: str  # photo | video
    url: str
    alt: str = ""


@dataclass
class FakeItem:
    """A post or a comment. ``versions`` are earlier texts with the time each was replaced by the next."""

    id: str
    author: Person
    created: datetime
    text: str
    parent: str | None = None
    hidden: bool = False
    likes: int = 0
    media: tuple[FakeMedia, ...] = ()
    versions: list[tuple[str, str]] = field(default_factory=list)  # (earlier id, earlier text)
    edited: datetime | None = None
    remote: bool = False  # Mastodon: from another instance


@dataclass
class FakeThread:
    post: FakeItem
    comments: list[FakeItem]
    unseen_comments: int = 0  # the platform counts them but does not return them (restricted, remote)
    deleted_parent_refs: int = 0  # X: replies quoting a deleted post produce errors[] entries

    def children(self, parent: str | None) -> list[FakeItem]:
        return [c for c in self.comments if c.parent == parent]


@dataclass
class FakeAccount:
    platform: str
    me: Person
    token: str
    threads: list[FakeThread]

    def thread(self, post_id: str) -> FakeThread | None:
        return next((t for t in self.threads if t.post.id == post_id), None)

    def item(self, item_id: str) -> tuple[FakeThread, FakeItem] | None:
        for thread in self.threads:
            if thread.post.id == item_id:
                return thread, thread.post
            for comment in thread.comments:
                if comment.id == item_id:
                    return thread, comment
        return None


class IdScheme:
    """Ids shaped like each platform's. Deterministic from (kind, number, time)."""

    def __init__(self, platform: str, account: str) -> None:
        self.platform = platform
        self.account = account

    def make(self, kind: str, number: int, when: datetime, parent: str | None = None) -> str:
        ms = int(when.timestamp() * 1000)
        digest = hashlib.sha256(f"{self.platform}/{self.account}/{kind}/{number}".encode()).hexdigest()
        if self.platform == "x":
            return str(((ms - X_EPOCH_MS) << 22) | (number % 4096))
        if self.platform == "mastodon":
            return str((ms << 16) + number % 65536)
        if self.platform == "instagram":
            return str(17840000000000000 + int(digest[:12], 16) % 10**14)
        if self.platform == "youtube":
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            chars = "".join(alphabet[int(digest[i:i + 2], 16) % 64] for i in range(0, 44, 2))
            if kind == "post":
                return chars[:11]
            if parent is not None:
                return f"{parent}.{chars[:22]}"
            return f"Ugx{chars[:17]}4AaABAg"
        if self.platform == "linkedin":
            number_part = 7200000000000000000 + int(digest[:12], 16) % 10**15
            return f"urn:li:share:{number_part}" if kind == "post" else str(number_part)
        if self.platform == "bluesky":
            return f"at://{self.account}/app.bsky.feed.post/{_tid(when, number)}"
        return f"{self.account}_{number}"


def _tid(when: datetime, number: int) -> str:
    """An atproto TID: 53 bits of microseconds and 10 bits of clock id, base32-sortable, 13 characters."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (int(when.timestamp() * 1_000_000) << 10) | (number % 1024)
    out = ""
    for _ in range(13):
        out = alphabet[value & 31] + out
        value >>= 5
    return out


PEOPLE = [  # (name, handle); every name and handle is invented
    ("Kari Nordmann", "kari_n"), ("Ola Hansen", "olahansen"), ("Åse Løvås", "aselovas"),
    ("Søren Kjærgaard", "sorenkj"), ("Mette Frølund", "mettef"), ("Per Ødegård", "per.odegard"),
    ("Ingrid Bø", "ingridbo"), ("Jørgen Æbeltoft", "jaebeltoft"), ("Nils Haugen", "nilsh"),
    ("Sigrid Vågen", "sigridv"), ("Lars Østergaard", "larsoe"), ("Fatima Ali", "fatima.ali"),
]
QUESTIONS = [
    "Når kommer brøytebilen til Solbakken? Vi har ikke kommet oss ut siden i går ❄️",
    "Fortauet langs Storgata er helt glatt, noen må strø før noen brekker lårhalsen!",
    "Takk til brøytemannskapet, dere gjør en kjempejobb 👏",
    "Kvifor blir ikkje gangvegen ved skulen brøyta først? Borna må gå i vegbana.",
    "Det er stadig ikke ryddet ved busstoppet på Nedre Løkka 😡",
    "Sne overalt her i Grænsebyen også, hvornår kommer I forbi? 🙂",
    "Bra at dere prioriterer sykkelveiene i år 🚲",
    "Brøytekanten sperrer innkjørselen vår igjen. Hvem ringer jeg?",
    "Kan dere legge ut et kart over hvilke veier som er brøytet?",
    "Hele Fjellveien er en skøytebane nå ⛸️ Kom og strø!",
    "Min mor på 87 kommer seg ikke til butikken, kan noen hjelpe?",
    "Helt greit, det har snødd 40 cm på én natt. Tålmodighet folkens 😅",
    "Hvorfor brøytes det klokka 04 om natta rett utenfor soverommet mitt?",
    "Tak for hurtig rydning på cykelstien i morges 👍",
]
_REPLIES = [
    "Samme her, helt håpløst.", "Enig! 👍", "Nei, det stemmer ikke, de var her i morges.",
    "Ring vakttelefonen, de svarer raskt.",
]
_ORG_REPLIES = [
    "Hei! Takk for beskjed, vi har sendt et mannskap dit nå. Hilsen Demo kommune",
    "Vi brøyter etter en fast prioriteringsliste: hovedveier og bussruter først, deretter boligfelt.",
]
_POSTS = [
    "❄️ Snøvarsel: Det er meldt opptil 40 cm nysnø i natt. Brøytemannskapene er ute fra klokka 03. "
    "Spørsmål? Skriv her!",
    "🚧 Kirkegata er stengt for gjennomkjøring fra mandag 5. oktober på grunn av arbeid med nye vannledninger.",
    "Søknadsfristen for barnehageplass fra januar er 1. desember. Søk på kommunens nettside 👶",
    "Nye benker og bedre belysning i Byparken er på plass 🎉 Hva synes dere?",
]

_ACCOUNTS = {
    "instagram": ("17841400000000001", "demokommune", "Demo kommune"),
    "x": ("1500000000000000001", "DemoKommune", "Demo kommune"),
    "youtube": ("UCdemoKommune0000000001x", "@demokommune", "Demo kommune"),
    "linkedin": ("urn:li:organization:90000001", "demo-kommune", "Demo kommune"),
    "mastodon": ("109000000000000001", "demokommune", "Demo kommune"),
    "bluesky": ("did:plc:demokommune00000000000001", "demokommune.bsky.social", "Demo kommune"),
}


def _person(platform: str, index: int, name: str, handle: str) -> Person:
    scheme = {
        "instagram": f"{17841400000100000 + index}", "x": f"{1400000000000000000 + index}",
        "youtube": f"UCperson{index:04d}aaaaaaaaaaaaaa", "linkedin": f"urn:li:person:Demo{index:04d}",
        "mastodon": f"{109000000000100000 + index}", "bluesky": f"did:plc:person{index:04d}aaaaaaaaaaaaaaaa",
    }
    return Person(scheme.get(platform, str(index)), handle, name)


def synthetic_account(platform: str, threads: int, comments: int, *, seed: int = 1, token: str = "demo-token",
                      start: datetime = EPOCH, hidden_share: float = 0.02, edited_share: float = 0.03) -> FakeAccount:
    """``threads`` posts with ``comments`` comments each (about a third replies), the same for the same seed."""
    rng = random.Random(f"{platform}/{seed}")
    account_id, handle, name = _ACCOUNTS.get(platform, ("1", "org", "Org"))
    me = Person(account_id, handle, name)
    people = [_person(platform, i, n, h) for i, (n, h) in enumerate(PEOPLE)]
    ids = IdScheme(platform, account_id)
    result = []
    counter = 0
    for t in range(threads):
        created = start + timedelta(minutes=37 * t)
        counter += 1
        post = FakeItem(ids.make("post", counter, created), me, created,
                        f"Innlegg {t + 1}: {rng.choice(_POSTS)}", likes=rng.randint(0, 500))
        items: list[FakeItem] = []
        for n in range(1, comments + 1):
            counter += 1
            when = created + timedelta(minutes=n, seconds=counter % 60)
            if items and rng.random() < 0.33:
                parent = rng.choice(items[-10:])
                if platform in ONE_LEVEL and parent.parent is not None:
                    parent = next(i for i in items if i.id == parent.parent)
                by_org = rng.random() < 0.4
                author = me if by_org else rng.choice(people)
                text = rng.choice(_ORG_REPLIES if by_org else _REPLIES)
                item = FakeItem(ids.make("comment", counter, when, parent.id if platform == "youtube" else None),
                                author, when, text, parent=parent.id, likes=rng.randint(0, 5))
            else:
                item = FakeItem(ids.make("comment", counter, when), rng.choice(people), when,
                                rng.choice(QUESTIONS), likes=rng.randint(0, 30),
                                hidden=rng.random() < hidden_share)
            if rng.random() < edited_share:
                counter += 1
                item.versions.append((ids.make("version", counter, when), item.text.split(" ")[0] + " …"))
                item.edited = when + timedelta(minutes=3)
            items.append(item)
        result.append(FakeThread(post, items))
    return FakeAccount(platform, me, token, result)


def demo_account(platform: str, token: str) -> FakeAccount:
    """The demo municipality on ``platform``: three threads with answers from the municipality, nested replies,
    a hidden comment, an edited comment, a photo, personal data shared in public, and one thread long enough
    to need several pages."""
    account = synthetic_account(platform, 1, 120, seed=2026, token=token, start=EPOCH + timedelta(days=14),
                                hidden_share=0.0, edited_share=0.0)
    me = account.me
    people = [_person(platform, i, n, h) for i, (n, h) in enumerate(PEOPLE)]
    ids = IdScheme(platform, me.id)
    base = EPOCH + timedelta(days=30)
    counter = 10_000

    def item(text: str, author: Person, minutes: int, parent: FakeItem | None = None, **extra: object) -> FakeItem:
        nonlocal counter
        counter += 1
        when = base + timedelta(minutes=minutes)
        parent_id = parent.id if parent else None
        if parent is not None and platform in ONE_LEVEL and parent.parent is not None:
            parent_id = parent.parent
        made = ids.make("comment", counter, when, parent_id if platform == "youtube" else None)
        return FakeItem(made, author, when, text, parent=parent_id, **extra)  # type: ignore[arg-type]

    counter += 1
    road = FakeItem(ids.make("post", counter, base), me, base, _POSTS[1], likes=112,
                    media=(FakeMedia("photo", "https://cdn.example.org/demo/omkjoring.jpg", "Kart over omkjøringen"),))
    c1 = item("Hvor lenge skal Kirkegata være stengt? Jeg må kjøre en omvei på 20 minutter hver dag 😩", people[0], 60,
              likes=14)
    c2 = item("Hei Kari! Arbeidet skal etter planen være ferdig fredag 16. oktober. Beklager ulempene 🙏", me, 120, c1)
    c3 = item("Det sa dere i forrige måned også…", people[1], 180, c2)
    c4 = item("Dere i kommunen er noen udugelige idioter alle sammen 🤬", people[5], 200, hidden=True)
    c5 = item("Tak for info! Gælder det også for cykelstien? 🚲", people[3], 240)
    c5.versions.append((ids.make("version", counter + 500, c5.created), "Tak for info!"))
    c5.edited = c5.created + timedelta(minutes=4)
    c6 = item("Hej Søren, cykelstien er åben hele perioden 😊", me, 260, c5)
    counter += 1
    kinder_at = base + timedelta(days=2)
    kinder = FakeItem(ids.make("post", counter, kinder_at), me, kinder_at, _POSTS[2], likes=58)
    base = kinder_at
    k1 = item("Jeg har søkt om barnehageplass for sønnen min Emil (3 år) for tre måneder siden og har ikke hørt "
              "noe. Fødselsnummeret mitt er 17054026641, kan dere sjekke?", people[6], 60, likes=2)
    k2 = item("Hei Ingrid, av personvernhensyn ber vi deg ikke dele fødselsnummer her. Vi har sendt deg en "
              "melding, og saksbehandler tar kontakt.", me, 90, k1)
    k3 = item("Samme her! Vi har venta sidan august 😤", people[7], 120)
    account.threads.append(FakeThread(road, [c1, c2, c3, c4, c5, c6]))
    account.threads.append(FakeThread(kinder, [k1, k2, k3], unseen_comments=1))
    return account
