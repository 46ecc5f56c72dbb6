"""Data for the fake platforms: the demo municipality and seeded synthetic pages of any size.

The demo Page is a Norwegian municipality talking with citizens in bokmål, nynorsk and Danish, with æøå and
emoji, nested replies, the Page answering, one hidden comment, a photo attachment, and one thread of more
than 300 comments so that pagination happens. Every name, number and address is invented; the national-id
looking number is a synthetic test number.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from .graph import FakePage, FakePost
from .world import PEOPLE, QUESTIONS

__all__ = ["DEMO_PAGE_ID", "DEMO_TOKEN", "demo_page", "synthetic_page"]

DEMO_PAGE_ID = "104857600123456"
DEMO_PAGE_NAME = "Demo kommune"
DEMO_TOKEN = "demo-page-token-not-secret"
_EPOCH = datetime(2026, 10, 1, 7, 30, tzinfo=UTC)

_PEOPLE = [(f"1000012345{number:05d}", name) for number, (name, _) in enumerate(PEOPLE, 1)]
_SNOW_COMMENTS = QUESTIONS
_SNOW_REPLIES = [
    "Hei! Takk for beskjed, vi har sendt et mannskap dit nå. Hilsen Demo kommune",
    "Samme her, helt håpløst.",
    "Enig! 👍",
    "Vi brøyter etter en fast prioriteringsliste: hovedveier og bussruter først, deretter boligfelt.",
    "Ring vakttelefonen vår på 55 55 55 55 hvis det haster.",
    "Nei, det stemmer ikke, de var her i morges.",
]


def _ts(offset: timedelta) -> str:
    return (_EPOCH + offset).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _comment(post_suffix: str, number: int, author: tuple[str, str] | None, text: str, when: timedelta, *,
             parent: str | None = None, hidden: bool = False, likes: int = 0,
             attachment: dict[str, Any] | None = None, page_id: str = DEMO_PAGE_ID) -> dict[str, Any]:
    comment_id = f"{post_suffix}_{9000000 + number}"
    permalink = f"https://www.facebook.com/{page_id}/posts/{post_suffix}/?comment_id="
    if parent is None:
        permalink += comment_id.split("_")[1]
    else:
        permalink += f"{parent.split('_')[1]}&reply_comment_id={comment_id.split('_')[1]}"
    item: dict[str, Any] = {
        "id": comment_id, "created_time": _ts(when), "message": text, "like_count": likes,
        "comment_count": 0, "is_hidden": hidden, "is_private": False, "permalink_url": permalink,
    }
    if author is not None:
        item["from"] = {"name": author[1], "id": author[0]}
    if parent is not None:
        item["parent"] = {"id": parent}
    if attachment is not None:
        item["attachment"] = attachment
    return item


def _count_replies(comments: list[dict[str, Any]]) -> None:
    counts: dict[str, int] = {}
    for comment in comments:
        parent = comment.get("parent")
        if parent:
            counts[parent["id"]] = counts.get(parent["id"], 0) + 1
    for comment in comments:
        comment["comment_count"] = counts.get(comment["id"], 0)


def demo_page(token: str = DEMO_TOKEN) -> FakePage:
    page = (DEMO_PAGE_ID, DEMO_PAGE_NAME)
    posts: list[FakePost] = []

    # 1. Road works: the Page answers, nested replies, a photo, one hidden comment.
    s = "700000000000001"
    c: list[dict[str, Any]] = []
    c.append(_comment(s, 1, _PEOPLE[0], "Hvor lenge skal Kirkegata være stengt? Jeg må kjøre en omvei på 20 "
                      "minutter hver dag 😩", timedelta(hours=2), likes=14))
    c.append(_comment(s, 2, page, "Hei Kari! Arbeidet med nye vannledninger skal etter planen være ferdig "
                      "fredag 16. oktober. Beklager ulempene 🙏", timedelta(hours=3), parent=c[0]["id"], likes=5))
    c.append(_comment(s, 3, _PEOPLE[1], "Det sa dere i forrige måned også…", timedelta(hours=4),
                      parent=c[1]["id"], likes=9))
    c.append(_comment(s, 4, page, "Det er riktig at vi ble forsinket, fordi vi fant gamle rør som måtte "
                      "skiftes. Vi legger ut oppdatert plan på nettsiden i morgen.", timedelta(hours=5),
                      parent=c[2]["id"]))
    c.append(_comment(s, 5, _PEOPLE[2], "Her er et bilde av hullet utenfor nr. 12 – det er ikke sikret! ⚠️",
                      timedelta(hours=6), likes=3, attachment={
                          "type": "photo", "url": "https://www.facebook.com/photo.php?fbid=555000111",
                          "target": {"id": "555000111", "url": "https://www.facebook.com/photo.php?fbid=555000111"},
                          "media": {"image": {"height": 720, "width": 960,
                                              "src": "https://scontent.xx.fbcdn.net/v/t1/555000111_n.jpg?oe=6A1B2C3D"}},
                      }))
    c.append(_comment(s, 6, page, "Takk, Åse. Entreprenøren er varslet og sikrer området i dag.",
                      timedelta(hours=6, minutes=40), parent=c[4]["id"]))
    c.append(_comment(s, 7, _PEOPLE[5], "Dere i kommunen er noen udugelige idioter alle sammen 🤬🤬",
                      timedelta(hours=8), hidden=True))
    c.append(_comment(s, 8, _PEOPLE[3], "Tak for info! Gælder det også for cykelstien? 🚲", timedelta(hours=9)))
    c.append(_comment(s, 9, page, "Hej Søren, cykelstien er åben hele perioden 😊", timedelta(hours=9, minutes=30),
                      parent=c[7]["id"]))
    _count_replies(c)
    posts.append(FakePost(
        id=f"{DEMO_PAGE_ID}_{s}", created_time=_ts(timedelta(0)),
        updated_time=_ts(timedelta(hours=9, minutes=30)),
        message="🚧 Kirkegata er stengt for gjennomkjøring fra mandag 5. oktober på grunn av arbeid med nye "
                "vannledninger. Gående og syklende kommer forbi. Følg skiltet omkjøring via Storgata.",
        reactions={"like": 112, "love": 4, "angry": 31, "sad": 6},
        attachments=[{"media_type": "photo", "type": "photo", "title": "Kart over omkjøringen",
                      "url": "https://www.facebook.com/photo.php?fbid=555000100",
                      "media": {"image": {"height": 600, "width": 800,
                                          "src": "https://scontent.xx.fbcdn.net/v/t1/555000100_n.jpg?oe=6A1B2C3D"}},
                      "target": {"id": "555000100", "url": "https://www.facebook.com/photo.php?fbid=555000100"}}],
        comments=c))

    # 2. Snow clearing: 330 comments, so comment pages of 100 paginate.
    s = "700000000000002"
    rng = random.Random(2026)
    c = []
    for number in range(1, 331):
        when = timedelta(days=14, minutes=7 * number)
        top_levels = [x for x in c if "parent" not in x]
        if top_levels and rng.random() < 0.35:
            parent = rng.choice(top_levels[-20:])
            is_page = rng.random() < 0.3
            author = page if is_page else rng.choice(_PEOPLE)
            text = _SNOW_REPLIES[0] if is_page else rng.choice(_SNOW_REPLIES[1:])
            c.append(_comment(s, number, author, text, when, parent=parent["id"], likes=rng.randint(0, 6)))
        else:
            c.append(_comment(s, number, rng.choice(_PEOPLE), rng.choice(_SNOW_COMMENTS), when,
                              likes=rng.randint(0, 40)))
    _count_replies(c)
    posts.append(FakePost(
        id=f"{DEMO_PAGE_ID}_{s}", created_time=_ts(timedelta(days=14)),
        updated_time=_ts(timedelta(days=14, minutes=7 * 330)),
        message="❄️ Snøvarsel: Det er meldt opptil 40 cm nysnø i natt. Brøytemannskapene er ute fra klokka 03. "
                "Parker gjerne i egen innkjørsel, så kommer brøytebilene til. Spørsmål? Skriv her!",
        reactions={"like": 890, "love": 77, "haha": 12, "wow": 40}, comments=c))

    # 3. A citizen shares personal details in public (a case for screening), the Page moves it to private.
    s = "700000000000003"
    c = [
        _comment(s, 1, _PEOPLE[6], "Jeg har søkt om plass i barnehage for sønnen min Emil (3 år) for tre "
                 "måneder siden og har ikke hørt noe. Fødselsnummeret mitt er 17054026641, kan dere sjekke?",
                 timedelta(days=30, hours=1), likes=2),
        _comment(s, 2, page, "Hei Ingrid, av personvernhensyn ber vi deg ikke dele fødselsnummer her. Vi har "
                 "sendt deg en melding i innboksen, og saksbehandler tar kontakt. Ring gjerne servicetorget på "
                 "55 55 00 00.", timedelta(days=30, hours=2)),
        _comment(s, 3, _PEOPLE[7], "Samme her! Vi har venta sidan august 😤", timedelta(days=30, hours=3)),
    ]
    c[1]["parent"] = {"id": c[0]["id"]}
    c[1]["permalink_url"] = (f"https://www.facebook.com/{DEMO_PAGE_ID}/posts/{s}/?comment_id="
                             f"{c[0]['id'].split('_')[1]}&reply_comment_id={c[1]['id'].split('_')[1]}")
    _count_replies(c)
    posts.append(FakePost(
        id=f"{DEMO_PAGE_ID}_{s}", created_time=_ts(timedelta(days=30)),
        updated_time=_ts(timedelta(days=30, hours=3)),
        message="Søknadsfristen for barnehageplass fra januar er 1. desember. Søk på kommunens nettside 👶",
        reactions={"like": 58}, comments=c))

    # 4. A post nobody has answered yet, and one whose count includes a comment we cannot see.
    posts.append(FakePost(
        id=f"{DEMO_PAGE_ID}_700000000000004", created_time=_ts(timedelta(days=35)),
        message="Biblioteket holder stengt lørdag 7. november på grunn av strømarbeid. Velkommen igjen mandag! 📚",
        reactions={"like": 21}))
    s = "700000000000005"
    c = [
        _comment(s, 1, _PEOPLE[10], "Dejligt med nye bænke i parken 🌳", timedelta(days=38, hours=1)),
        _comment(s, 2, _PEOPLE[11], "Kan det komme flere søppeldunker også? 🗑️", timedelta(days=38, hours=2)),
        _comment(s, 3, page, "God idé, Fatima! Vi tar det med til parkvesenet.", timedelta(days=38, hours=3),
                 parent=f"{s}_9000002"),
    ]
    _count_replies(c)
    posts.append(FakePost(
        id=f"{DEMO_PAGE_ID}_{s}", created_time=_ts(timedelta(days=38)),
        message="Nye benker og bedre belysning i Byparken er på plass 🎉 Hva synes dere?",
        reactions={"like": 140, "love": 19}, comments=c, extra_reported_comments=1))
    return FakePage(id=DEMO_PAGE_ID, name=DEMO_PAGE_NAME, posts=posts, token=token)


def synthetic_page(threads: int, comments: int, *, seed: int = 1, token: str = DEMO_TOKEN,
                   page_id: str = "200000000000001", start: datetime = _EPOCH) -> FakePage:
    """``threads`` posts with ``comments`` comments each (a third of them replies), the same for the same seed."""
    rng = random.Random(seed)
    page = (page_id, "Syntetisk kommune")
    posts = []
    for t in range(threads):
        suffix = f"{800000000000000 + t}"
        created = start + timedelta(minutes=37 * t)
        items: list[dict[str, Any]] = []
        for n in range(1, comments + 1):
            when = created - _EPOCH + timedelta(minutes=n)
            if items and rng.random() < 0.33:
                parent = rng.choice(items[-10:])
                author = page if rng.random() < 0.4 else rng.choice(_PEOPLE)
                items.append(_comment(suffix, n, author, rng.choice(_SNOW_REPLIES), when, parent=parent["id"],
                                      page_id=page_id, likes=rng.randint(0, 5)))
            else:
                items.append(_comment(suffix, n, rng.choice(_PEOPLE), rng.choice(_SNOW_COMMENTS), when,
                                      page_id=page_id, hidden=rng.random() < 0.01, likes=rng.randint(0, 30)))
        _count_replies(items)
        posts.append(FakePost(id=f"{page_id}_{suffix}", created_time=created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                              message=f"Innlegg {t + 1}: {rng.choice(_SNOW_COMMENTS)}",
                              reactions={"like": rng.randint(0, 500)}, comments=items))
    return FakePage(id=page_id, name=page[1], posts=posts, token=token)
