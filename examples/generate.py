"""Generate the demo's leads.csv and activities.csv (deterministic): python examples/generate.py"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261120
JST = timezone(timedelta(hours=9), "JST")
HERE = Path(__file__).resolve().parent

# The demo scores as of NOW; engagement counts inside (NOW - 30 days, NOW].
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=JST)
WINDOW_START = NOW - timedelta(days=30)
DATA_START = datetime(2026, 9, 25, 8, 0, tzinfo=JST)
LAST_ACTIVITY = datetime(2026, 11, 20, 17, 30, tzinfo=JST)

# ものづくりテクノフェア2026, three days at a convention centre, booth open 10:00-17:00.
SHOW_CAMPAIGN = "mono-techno-2026"
SHOW_DAYS = (
    datetime(2026, 10, 21, tzinfo=JST),
    datetime(2026, 10, 22, tzinfo=JST),
    datetime(2026, 10, 23, tzinfo=JST),
)

LEAD_COUNT = 300
LEADS_HEADER = [
    "id", "email", "name", "company", "industry", "employees", "department", "title", "owner",
    "created_at",
]  # fmt: skip
ACTIVITIES_HEADER = [
    "id", "lead_id", "kind", "occurred_at", "page", "duration_seconds", "campaign", "channel",
    "answer",
]  # fmt: skip

OWNERS = tuple(
    f"{rep}@leadscore-demo.example"
    for rep in ("sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe")
)

SURNAMES = (
    ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
    ("伊藤", "ito"), ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"),
    ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"),
    ("佐々木", "sasaki"), ("山口", "yamaguchi"), ("松本", "matsumoto"), ("井上", "inoue"),
    ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
    ("山崎", "yamazaki"), ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"),
    ("阿部", "abe"), ("石川", "ishikawa"), ("山下", "yamashita"), ("中島", "nakajima"),
    ("石井", "ishii"), ("小川", "ogawa"), ("前田", "maeda"), ("岡田", "okada"),
    ("長谷川", "hasegawa"), ("藤田", "fujita"), ("後藤", "goto"), ("近藤", "kondo"),
    ("村上", "murakami"), ("遠藤", "endo"), ("坂本", "sakamoto"), ("福田", "fukuda"),
    ("太田", "ota"), ("西村", "nishimura"), ("藤井", "fujii"), ("金子", "kaneko"),
    ("岡本", "okamoto"), ("藤原", "fujiwara"), ("中野", "nakano"), ("三浦", "miura"),
    ("原田", "harada"), ("中川", "nakagawa"), ("松田", "matsuda"), ("竹内", "takeuchi"),
    ("小野", "ono"), ("田村", "tamura"), ("中山", "nakayama"), ("和田", "wada"),
    ("石田", "ishida"), ("森田", "morita"), ("上田", "ueda"), ("内田", "uchida"),
    ("柴田", "shibata"), ("酒井", "sakai"), ("宮崎", "miyazaki"), ("横山", "yokoyama"),
    ("高木", "takagi"), ("安藤", "ando"), ("宮本", "miyamoto"), ("小島", "kojima"),
    ("工藤", "kudo"), ("野口", "noguchi"), ("菅原", "sugawara"), ("杉山", "sugiyama"),
)  # fmt: skip

GIVEN_NAMES = (
    ("大輔", "daisuke"), ("健太", "kenta"), ("翔太", "shota"), ("拓也", "takuya"),
    ("直樹", "naoki"), ("和也", "kazuya"), ("誠", "makoto"), ("剛", "tsuyoshi"),
    ("浩二", "koji"), ("隆", "takashi"), ("聡", "satoshi"), ("修", "osamu"),
    ("博之", "hiroyuki"), ("亮", "ryo"), ("達也", "tatsuya"), ("健一", "kenichi"),
    ("哲也", "tetsuya"), ("雄一", "yuichi"), ("圭介", "keisuke"), ("悠斗", "yuto"),
    ("陽介", "yosuke"), ("和彦", "kazuhiko"), ("正樹", "masaki"), ("勝", "masaru"),
    ("茂", "shigeru"), ("純一", "junichi"), ("美咲", "misaki"), ("陽子", "yoko"),
    ("直美", "naomi"), ("恵", "megumi"), ("裕子", "yuko"), ("真由美", "mayumi"),
    ("彩", "aya"), ("由美", "yumi"), ("愛", "ai"), ("智子", "tomoko"),
    ("麻衣", "mai"), ("香織", "kaori"), ("理恵", "rie"), ("沙織", "saori"),
)  # fmt: skip

# Fictional company name stems (kanji, romaji for the mail domain).
STEMS = (
    ("東和", "towa"), ("北斗", "hokuto"), ("旭陽", "kyokuyo"), ("富士見", "fujimi"),
    ("丸山", "maruyama"), ("岡野", "okano"), ("高松", "takamatsu"), ("中部", "chubu"),
    ("西川", "nishikawa"), ("青葉", "aoba"), ("若葉", "wakaba"), ("桜井", "sakurai"),
    ("緑川", "midorikawa"), ("白鷺", "shirasagi"), ("鶴見", "tsurumi"), ("三河", "mikawa"),
    ("犬山", "inuyama"), ("美浜", "mihama"), ("常盤", "tokiwa"), ("朝日野", "asahino"),
    ("新栄", "shinei"), ("共進", "kyoshin"), ("大栄", "daiei"), ("栄和", "eiwa"),
    ("豊栄", "hoei"), ("千代田", "chiyoda"), ("清和", "seiwa"), ("美濃", "mino"),
    ("香取", "katori"), ("鈴鹿野", "suzukano"), ("筑波", "tsukuba"), ("信和", "shinwa"),
    ("高砂", "takasago"), ("大府", "obu"), ("宝田", "takarada"), ("日向", "hyuga"),
    ("金沢", "kanazawa"), ("小諸", "komoro"), ("岩城", "iwaki"), ("那須", "nasu"),
    ("伊勢", "ise"), ("摂津", "settsu"), ("播磨", "harima"), ("備前", "bizen"),
    ("出雲", "izumo"), ("阿波", "awa"), ("土佐", "tosa"), ("肥後", "higo"),
    ("紀州", "kishu"), ("房総", "boso"), ("上州", "joshu"), ("越後", "echigo"),
    ("甲斐", "kai"), ("丹波", "tamba"), ("近江", "omi"), ("津軽", "tsugaru"),
    ("大和田", "owada"), ("浜名", "hamana"), ("木曽", "kiso"), ("相模", "sagami"),
)  # fmt: skip

# Industry -> weight and the Japanese company name patterns that fit it.
INDUSTRIES = {
    "自動車": (5, (("{s}自動車株式会社", "motor"), ("{s}モータース株式会社", "motors"))),
    "自動車部品": (
        14,
        (
            ("株式会社{s}製作所", "mfg"),
            ("{s}工業株式会社", "kogyo"),
            ("{s}部品工業株式会社", "parts"),
        ),
    ),
    "電機・電子": (
        11,
        (
            ("{s}電機株式会社", "denki"),
            ("株式会社{s}電子", "denshi"),
            ("{s}電子工業株式会社", "ele"),
        ),
    ),
    "産業機械": (
        13,
        (
            ("株式会社{s}製作所", "ss"),
            ("{s}機械工業株式会社", "kikai"),
            ("{s}鉄工株式会社", "tekko"),
        ),
    ),
    "化学": (7, (("{s}化学工業株式会社", "chem"), ("{s}化成株式会社", "kasei"))),
    "食品": (5, (("{s}食品株式会社", "foods"), ("株式会社{s}フーズ", "foods"))),
    "医療機器": (5, (("{s}メディカル株式会社", "medical"), ("株式会社{s}医科器械", "ika"))),
    "精密機器": (
        10,
        (("株式会社{s}精機", "seiki"), ("{s}精機株式会社", "seiki"), ("{s}精密工業株式会社", "sk")),
    ),
    "建設": (4, (("{s}建設株式会社", "kensetsu"), ("株式会社{s}組", "gumi"))),
    "物流": (4, (("{s}運輸株式会社", "unyu"), ("株式会社{s}ロジスティクス", "logi"))),
}
ENGLISH_INDUSTRIES = {
    "Automotive": ("{r} Automotive Systems Japan K.K.", "{r} Drivetrain Technologies Inc."),
    "Electronics": ("{r} Electronics Japan Co., Ltd.", "{r} Sensing Solutions K.K."),
}
# A few records typed with full-width latin letters or half-width katakana (全角/半角).
ODD_WIDTH_COMPANIES = (
    ("ﾐﾂﾜ精工株式会社", "mitsuwa-seiko", "精密機器"),
    ("株式会社ｻﾝｺｰ製作所", "sanko-ss", "自動車部品"),
    ("ﾄｰﾖｰ樹脂工業株式会社", "toyo-jushi", "Ａｕｔｏｍｏｔｉｖｅ"),
)

DEPARTMENTS = (
    ("生産技術部", 15), ("設計開発部", 13), ("品質保証部", 10), ("製造部", 8), ("購買部", 8),
    ("研究開発部", 6), ("営業部", 6), ("情報システム部", 6), ("技術本部", 4), ("経営企画部", 4),
    ("DX推進室", 2), ("ＤＸ推進室", 1), ("第二工場", 3), ("総務部", 2), ("", 3),
)  # fmt: skip
ENGLISH_DEPARTMENTS = (("Engineering", 4), ("Manufacturing", 3), ("Quality Assurance", 2))

TITLES = (
    ("担当", 20), ("", 5), ("主任", 12), ("主査", 3), ("係長", 8), ("課長代理", 5), ("課長", 14),
    ("グループリーダー", 3), ("マネージャー", 2), ("次長", 4), ("部長代理", 3), ("副部長", 2),
    ("工場長", 1), ("社長室長", 0.5), ("部長", 8), ("本部長", 2), ("事業部長", 2),
    ("執行役員", 1.5), ("取締役", 1), ("代表取締役社長", 0.7), ("Engineer", 2), ("Manager", 2),
    ("Director of Engineering", 1), ("VP Manufacturing", 0.5),
)  # fmt: skip

ABC_PAGES = ("/products/abc", "/products/abc/spec", "/products/abc/case-study")
OTHER_PAGES = (
    ("/", 6), ("/products/xyz", 8), ("/products/xyz/spec", 4), ("/company", 5),
    ("/company/access", 2), ("/news/2026-10-mono-techno-fair", 3), ("/news/2026-11-abc-v2", 3),
    ("/contact", 2), ("/support/faq", 2), ("/recruit", 1),
)  # fmt: skip

# E-mail sends: campaign -> when the mail went out (clicks follow within a few days).
MAIL_SENDS = (
    ("newsletter-2026-10", datetime(2026, 10, 1, 10, 0, tzinfo=JST)),
    ("product-abc", datetime(2026, 10, 2, 11, 0, tzinfo=JST)),
    ("seminar-iot-2026", datetime(2026, 9, 26, 10, 0, tzinfo=JST)),
    ("mono-techno-2026-thanks", datetime(2026, 10, 27, 9, 30, tzinfo=JST)),
    ("product-abc", datetime(2026, 10, 29, 11, 0, tzinfo=JST)),
    ("newsletter-2026-11", datetime(2026, 11, 5, 10, 0, tzinfo=JST)),
    ("product-abc", datetime(2026, 11, 11, 11, 0, tzinfo=JST)),
    ("product-xyz", datetime(2026, 11, 17, 11, 0, tzinfo=JST)),
)
SEMINARS = (
    ("seminar-iot-2026", datetime(2026, 10, 7, 14, 0, tzinfo=JST)),
    ("seminar-abc-webinar-2026-11", datetime(2026, 11, 12, 15, 0, tzinfo=JST)),
)
NOISE_DOWNLOADS = (
    ("product-abc", "web"),
    ("product-xyz", "email"),
    ("product-xyz", "web"),
    ("whitepaper-smart-factory", "web"),
)
SURVEY = "product-abc-survey"
EVALUATING = "現在検討中"
OTHER_ANSWERS = ("情報収集中", "導入予定なし", "予算化済み")

# Behaviour inside the window, as sets of rules it will fire:
# V = 3+ ABC page views, D = 300+ s on ABC pages, E = ABC mail download, Q = 「現在検討中」.
ENGAGEMENT = (
    ("", 36),
    ("L", 18),  # light: one or two short ABC page views, nothing that scores
    ("E", 6),
    ("V", 9),
    ("D", 4),
    ("VE", 7),
    ("Q", 2),
    ("VD", 14),
    ("VDE", 3),
    ("VQ", 3),
    ("VDQ", 4),
    ("VDEQ", 3),
)


@dataclass
class Lead:
    """One lead row plus the story its activities tell."""

    name: str
    email: str
    company: str
    industry: str
    employees: str
    department: str
    title: str
    owner: str
    created: datetime
    show_at: datetime | None
    plan: str = ""
    story: str = "random"
    views: tuple[tuple[datetime, str, int], ...] | None = None
    id: str = ""


@dataclass
class Row:
    """One activity row before it gets its id."""

    lead: Lead
    kind: str
    at: datetime
    page: str = ""
    duration: int | None = None
    campaign: str = ""
    channel: str = ""
    answer: str = ""


@dataclass
class Company:
    """A fictional company: name, mail domain, industry, size and account owner."""

    name: str
    domain: str
    industry: str
    employees: int
    owner: str
    english: bool = False


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    """One value from (value, weight) pairs."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def full_width(text: str) -> str:
    """ASCII digits and commas as their full-width forms (１，２００)."""
    return text.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))


def employees_text(rng: random.Random, count: int) -> str:
    """Head count as people type it: 1200, 1,200, full-width, or left blank."""
    style = rng.choices(("plain", "comma", "wide", "blank"), (50, 25, 12, 13))[0]
    if style == "blank":
        return ""
    text = f"{count:,}" if style == "comma" else str(count)
    return full_width(text) if style == "wide" else text


def head_count(rng: random.Random) -> int:
    """A plausible manufacturer size, rounded as people report it."""
    raw = int(rng.lognormvariate(5.8, 1.3))
    step = 10 if raw < 1000 else 100
    return max(step, round(raw / step) * step)


def make_companies(rng: random.Random) -> list[Company]:
    """Japanese manufacturers, a few English-named subsidiaries and odd-width records."""
    companies = []
    industries = list(INDUSTRIES)
    weights = [INDUSTRIES[name][0] for name in industries]
    stems = list(STEMS)
    rng.shuffle(stems)
    for stem, romaji in stems:
        industry = rng.choices(industries, weights)[0]
        pattern, slug = rng.choice(INDUSTRIES[industry][1])
        name, domain = pattern.format(s=stem), f"{romaji}-{slug}"
        companies.append(Company(name, domain, industry, head_count(rng), ""))
    for _stem, romaji in rng.sample(STEMS, 6):
        industry = rng.choice(list(ENGLISH_INDUSTRIES))
        name = rng.choice(ENGLISH_INDUSTRIES[industry]).format(r=romaji.capitalize())
        companies.append(Company(name, f"{romaji}-global", industry, head_count(rng), "", True))
    for name, domain, industry in ODD_WIDTH_COMPANIES:
        companies.append(Company(name, domain, industry, head_count(rng), ""))
    for index, company in enumerate(companies):  # accounts dealt out to the six reps in turn
        company.owner = OWNERS[index % len(OWNERS)]
    return companies


def domain_of(company: Company) -> str:
    """The company's fictional mail domain."""
    tld = "example.com" if company.english else "example.co.jp"
    return f"{company.domain}.{tld}"


def person(rng: random.Random, company: Company, used: set[str]) -> tuple[str, str]:
    """A Japanese name (姓 名, full- or half-width space) and a unique work e-mail address."""
    (sei, sei_r), (mei, mei_r) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
    if company.english and rng.random() < 0.4:
        name = f"{mei_r.capitalize()} {sei_r.capitalize()}"
    else:
        name = f"{sei}{rng.choice(('　', '　', ' '))}{mei}"
    local = rng.choice((f"{mei_r[0]}.{sei_r}", f"{sei_r}.{mei_r}", f"{sei_r}-{mei_r[0]}"))
    email = f"{local}@{domain_of(company)}"
    serial = 2
    while email in used:
        email = f"{local}{serial}@{domain_of(company)}"
        serial += 1
    used.add(email)
    return name, email


def business_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment in [start, end), preferring weekdays and office hours."""
    for _ in range(20):
        at = start + timedelta(seconds=rng.randrange(max(1, int((end - start).total_seconds()))))
        if at.weekday() < 5 and 8 <= at.hour < 20:
            return at
    return at


def show_visit_time(rng: random.Random, day: int) -> datetime:
    """When a visitor's badge was scanned at the booth on show day 0, 1 or 2."""
    minutes = rng.randrange(10 * 60, 17 * 60)
    return SHOW_DAYS[day] + timedelta(minutes=minutes, seconds=rng.randrange(60))


def title_for(rng: random.Random, company: Company) -> str:
    """A job title; English subsidiaries lean to English titles."""
    title = pick(rng, TITLES)
    if company.english and rng.random() < 0.5:
        title = rng.choice(("Engineer", "Manager", "Senior Manager", "Director of Engineering"))
    return title


def department_for(rng: random.Random, company: Company) -> str:
    """A department; English subsidiaries sometimes write it in English."""
    if company.english and rng.random() < 0.6:
        return pick(rng, ENGLISH_DEPARTMENTS)
    return pick(rng, DEPARTMENTS)


def random_lead(rng: random.Random, company: Company, used: set[str], plan: str) -> Lead:
    """A lead met at the show (most) or signed up on the web before it."""
    name, email = person(rng, company, used)
    if rng.random() < 0.7:
        show_at = show_visit_time(rng, rng.choices((0, 1, 2), (36, 36, 28))[0])
        created = show_at
    else:
        created = business_time(
            rng, datetime(2026, 5, 1, tzinfo=JST), datetime(2026, 10, 20, tzinfo=JST)
        )
        show_at = show_visit_time(rng, rng.randrange(3)) if rng.random() < 0.4 else None
    return Lead(
        name=name,
        email=email,
        company=company.name,
        industry=company.industry,
        employees=employees_text(rng, company.employees),
        department=department_for(rng, company),
        title=title_for(rng, company),
        owner=company.owner,
        created=created,
        show_at=show_at,
        plan=plan,
    )


def plan_deck(rng: random.Random, companies: list[Company]) -> list[str]:
    """Engagement plans dealt in ENGAGEMENT's proportions; ABC sells best to automotive."""
    total = sum(weight for _, weight in ENGAGEMENT)
    deck = [
        plan for plan, weight in ENGAGEMENT for _ in range(round(weight / total * len(companies)))
    ]
    deck = (deck + [""] * len(companies))[: len(companies)]
    rng.shuffle(deck)
    for index, company in enumerate(companies):
        if deck[index] in ("", "L") and "自動車" in company.industry and rng.random() < 0.2:
            deck[index] = rng.choice(("V", "VE", "VD"))
    return deck


def at(day: str, clock: str) -> datetime:
    """A Japan-time instant from '2026-10-22' and '14:05:30'."""
    y, m, d = (int(part) for part in day.split("-"))
    hh, mm, ss = (int(part) for part in clock.split(":"))
    return datetime(y, m, d, hh, mm, ss, tzinfo=JST)


def special_leads() -> list[Lead]:
    """Hand-made leads: the article's A/B/C and the ones sitting on the edges of the bands."""
    a, b, c = "/products/abc", "/products/abc/spec", "/products/abc/case-study"
    auto_parts, auto = "自動車部品", "自動車"
    return [
        # Article lead A, 70: show + 自動車 + 部長 + ABC pages 3 times (short visits).
        Lead("青木　明", "a.aoki@ace-seiko.example.co.jp", "株式会社エース精工", auto_parts,
             "850", "生産技術部", "部長", OWNERS[0], at("2026-10-22", "11:20:00"),
             at("2026-10-22", "11:20:00"), "V", "article-A",
             ((at("2026-10-30", "09:12:40"), a, 45), (at("2026-11-06", "13:05:11"), b, 80),
              (at("2026-11-13", "16:40:02"), a, 62))),
        # Article lead B, 100: show + 自動車 + ABC pages 3+ times, 5+ minutes.
        Lead("坂東　文也", "bando.fumiya@beetec.example.co.jp", "ビーテック工業株式会社", auto,
             "3,400", "設計開発部", "課長", OWNERS[1], at("2026-10-22", "14:03:00"),
             at("2026-10-22", "14:03:00"), "VD", "article-B",
             ((at("2026-10-28", "10:02:15"), a, 140), (at("2026-11-04", "15:30:44"), b, 210),
              (at("2026-11-16", "09:48:09"), c, 95))),
        # Article lead C, 150: B's behaviour plus the survey answer 「現在検討中」 -> 高.
        Lead("千葉 智子", "t.chiba@seeker-mfg.example.co.jp", "株式会社シーカー製作所",
             auto_parts, "１２００", "品質保証部", "係長", OWNERS[2],
             at("2026-10-23", "10:41:00"), at("2026-10-23", "10:41:00"), "VDQ", "article-C",
             ((at("2026-10-27", "08:55:31"), a, 180), (at("2026-11-09", "11:14:50"), c, 260),
              (at("2026-11-17", "17:02:26"), b, 120))),
        # Exactly 120 (中, not 高): show + 自動車部品 + V + D + ABC mail download.
        Lead("松井　健太", "k.matsui@kosai-buhin.example.co.jp", "湖西部品工業株式会社",
             auto_parts, "420", "購買部", "課長", OWNERS[3], at("2026-10-23", "15:10:00"),
             at("2026-10-23", "15:10:00"), "VDE", "edge-120"),
        # Exactly 120 without any fit points: web sign-up, V + D + 「現在検討中」.
        Lead("丸岡 由美", "maruoka.yumi@mizuho-foods.example.co.jp", "瑞穂食品株式会社", "食品",
             "2,100", "生産技術部", "主任", OWNERS[4], at("2026-09-12", "10:31:00"), None,
             "VDQ", "edge-120-nofit"),
        # 130 (高): 部長 + V + D + 「現在検討中」, no show visit.
        Lead("大島　浩二", "k.oshima@meiwa-chem.example.co.jp", "明和化成株式会社", "化学",
             "", "研究開発部", "部長", OWNERS[5], at("2026-08-28", "16:45:00"), None, "VDQ",
             "edge-130"),
        # 110 (中): show + 自動車 + 本部長 + V + D.
        Lead("北村　隆", "takashi.kitamura@owari-motors.example.co.jp", "尾張モータース株式会社",
             auto, "9,800", "技術本部", "本部長", OWNERS[0], at("2026-10-22", "16:20:00"),
             at("2026-10-22", "16:20:00"), "VD", "edge-110"),
        # 120 (中): would be 130, but the booth visit (21st, 16:58) is before the window opened.
        Lead("今井　直樹", "n.imai@hida-seimitsu.example.co.jp", "飛騨精密工業株式会社",
             "Automotive", "640", "設計開発部", "執行役員", OWNERS[1],
             at("2026-10-21", "16:58:00"), at("2026-10-21", "16:58:00"), "VDE", "edge-show-out"),
        # 90 (中): would be 120; its first ABC view (21st, 17:55) left the window 5 minutes ago.
        Lead("野村 彩", "a.nomura@suwa-keiki.example.co.jp", "株式会社諏訪計器", "精密機器",
             "230", "品質保証部", "担当", OWNERS[2], at("2026-10-21", "11:02:00"),
             at("2026-10-21", "11:02:00"), "DQ", "edge-view-out",
             ((at("2026-10-21", "17:55:00"), a, 90), (at("2026-10-24", "10:15:30"), b, 200),
              (at("2026-11-18", "09:30:00"), c, 150))),
        # 140 (高) only because 300 s counts: ABC dwell sums to exactly 300 seconds.
        Lead("広瀬　誠", "m.hirose@tenryu-kikai.example.co.jp", "天竜機械工業株式会社",
             "産業機械", "1,500", "製造部", "事業部長", OWNERS[3], at("2026-10-22", "10:05:00"),
             at("2026-10-22", "10:05:00"), "VDQ", "edge-dwell-300",
             ((at("2026-10-26", "13:00:05"), a, 120), (at("2026-11-02", "13:40:40"), b, 95),
              (at("2026-11-19", "08:20:18"), c, 85))),
        # 130 (高): 3rd ABC view at 18:05 on the 21st, just inside the window.
        Lead("Kenji Hoshino", "kenji.hoshino@tamagawa-global.example.com",
             "Tamagawa Automotive Systems Japan K.K.", "Automotive", "5200", "Engineering",
             "VP Manufacturing", OWNERS[4], at("2026-10-21", "13:30:00"),
             at("2026-10-22", "10:48:00"), "VDE", "edge-view-in",
             ((at("2026-10-21", "18:05:00"), a, 160), (at("2026-11-03", "21:10:10"), b, 75),
              (at("2026-11-10", "12:22:42"), c, 110))),
    ]  # fmt: skip


def abc_durations(rng: random.Random, plan: str) -> list[int]:
    """Seconds on each ABC page view inside the window, so exactly the planned rules fire."""
    if "V" in plan and "D" in plan:
        seconds = [rng.randint(40, 280) for _ in range(rng.randint(3, 8))]
        if sum(seconds) < 300:
            seconds[-1] += 300 - sum(seconds) + rng.randint(0, 120)
        return seconds
    if "V" in plan:
        return [rng.randint(8, 70) for _ in range(rng.randint(3, 4))]
    if "D" in plan:
        first = rng.randint(180, 420)
        return [first] if first >= 300 else [first, 300 - first + rng.randint(10, 200)]
    if "L" in plan:
        return [rng.randint(5, 130) for _ in range(rng.randint(1, 2))]
    return []


def first_seen(lead: Lead) -> datetime:
    """The earliest moment the lead can have done anything in the data set."""
    return max(lead.created, DATA_START)


def recent_start(lead: Lead) -> datetime:
    """The earliest moment for behaviour meant to count (inside the window)."""
    return max(first_seen(lead) + timedelta(hours=1), WINDOW_START + timedelta(hours=1))


def planned_rows(rng: random.Random, lead: Lead) -> list[Row]:
    """The booth visit and the in-window behaviour that earns the lead's planned points."""
    rows = []
    if lead.show_at is not None:
        rows.append(Row(lead, "trade_show_visit", lead.show_at, campaign=SHOW_CAMPAIGN))
    start = recent_start(lead)
    views = lead.views
    if views is None:
        pages = (*ABC_PAGES, ABC_PAGES[0])
        views = tuple(
            (business_time(rng, start, LAST_ACTIVITY), rng.choice(pages), seconds)
            for seconds in abc_durations(rng, lead.plan)
        )
    rows += [Row(lead, "page_view", when, page, seconds) for when, page, seconds in views]
    if "E" in lead.plan:
        rows.append(mail_download(rng, lead, start))
    if "Q" in lead.plan:
        when = business_time(rng, start, LAST_ACTIVITY)
        rows.append(Row(lead, "form_submit", when, campaign=SURVEY, answer=EVALUATING))
    return rows


def mail_download(rng: random.Random, lead: Lead, start: datetime) -> Row:
    """A download from a product ABC e-mail sent after `start`."""
    sends = [when for name, when in MAIL_SENDS if name == "product-abc" and when >= start]
    sent = rng.choice(sends) if sends else start
    when = min(sent + timedelta(minutes=rng.randint(4, 60 * 48)), LAST_ACTIVITY)
    return Row(lead, "download", when, campaign="product-abc", channel="email")


def old_hot_rows(rng: random.Random, lead: Lead) -> list[Row]:
    """Strong interest in early October that has since left the 30-day window."""
    start, end = first_seen(lead), datetime(2026, 10, 17, tzinfo=JST)
    rows = [
        Row(lead, "page_view", business_time(rng, start, end), rng.choice(ABC_PAGES), seconds)
        for seconds in (rng.randint(60, 400) for _ in range(rng.randint(4, 9)))
    ]
    sent = MAIL_SENDS[1][1]
    rows.append(Row(lead, "email_click", sent + timedelta(minutes=37), campaign="product-abc"))
    rows.append(
        Row(lead, "download", sent + timedelta(minutes=41), campaign="product-abc", channel="email")
    )
    when = business_time(rng, sent, end)
    rows.append(Row(lead, "form_submit", when, campaign=SURVEY, answer=EVALUATING))
    if rng.random() < 0.5:
        rows.append(Row(lead, "seminar_attended", SEMINARS[0][1], campaign=SEMINARS[0][0]))
    return rows


def noise_rows(rng: random.Random, lead: Lead) -> list[Row]:
    """Everyday behaviour that scores nothing: other pages, clicks, other downloads, seminars."""
    start = first_seen(lead) + timedelta(minutes=30)
    busy = 1 + len(lead.plan) + (lead.story == "old-hot")
    rows = [
        Row(lead, "page_view", business_time(rng, start, LAST_ACTIVITY), pick(rng, OTHER_PAGES),
            rng.randint(5, 240))
        for _ in range(rng.randint(1, 7 * busy))
    ]  # fmt: skip
    for campaign, sent in MAIL_SENDS:
        if sent > start and rng.random() < 0.12 * busy:
            when = min(sent + timedelta(minutes=rng.randint(3, 60 * 72)), LAST_ACTIVITY)
            rows.append(Row(lead, "email_click", when, campaign=campaign))
    if rng.random() < 0.1 * busy:
        campaign, channel = rng.choice(NOISE_DOWNLOADS)
        when = business_time(rng, start, LAST_ACTIVITY)
        rows.append(Row(lead, "download", when, campaign=campaign, channel=channel))
    for campaign, held in SEMINARS:
        if held > start and rng.random() < 0.05 * busy:
            rows.append(Row(lead, "seminar_attended", held, campaign=campaign))
    if "Q" not in lead.plan and lead.story != "old-hot" and rng.random() < 0.06 * busy:
        when = business_time(rng, start, LAST_ACTIVITY)
        rows.append(
            Row(lead, "form_submit", when, campaign=SURVEY, answer=rng.choice(OTHER_ANSWERS))
        )
    rows += early_abc_rows(rng, lead, start)
    return rows


def early_abc_rows(rng: random.Random, lead: Lead, start: datetime) -> list[Row]:
    """ABC page views from before the window, which no longer count."""
    if lead.story != "random" or start >= WINDOW_START - timedelta(days=1):
        return []
    return [
        Row(lead, "page_view", business_time(rng, start, WINDOW_START - timedelta(hours=6)),
            rng.choice(ABC_PAGES), rng.randint(5, 300))
        for _ in range(rng.choice((0, 0, 1, 2, 3)))
    ]  # fmt: skip


def activities_for(rng: random.Random, lead: Lead) -> list[Row]:
    """All of a lead's activity rows: planned, stale and everyday ones."""
    if lead.story == "silent":
        return []
    rows = planned_rows(rng, lead)
    if lead.story == "old-hot":
        rows += old_hot_rows(rng, lead)
    return rows + noise_rows(rng, lead)


def build_leads(rng: random.Random) -> list[Lead]:
    """About 300 leads: random ones, stale and silent stories, and the hand-made edge cases."""
    companies = make_companies(rng)
    specials = special_leads()
    used = {lead.email for lead in specials}
    weights = [
        1 if company.english else 3 if company.industry in ("自動車部品", "産業機械") else 2
        for company in companies
    ]
    extra = rng.choices(companies, weights, k=LEAD_COUNT - len(specials) - len(companies))
    met = companies + extra
    leads = [
        random_lead(rng, c, used, plan) for c, plan in zip(met, plan_deck(rng, met), strict=True)
    ]
    web = [lead for lead in leads if lead.created < datetime(2026, 9, 20, tzinfo=JST)]
    for lead in rng.sample(web, 8):
        lead.story, lead.plan, lead.show_at = "old-hot", "", None
    booth = [lead for lead in leads if lead.story == "random" and lead.created == lead.show_at]
    for lead in rng.sample(booth, 5):
        lead.story, lead.plan = "silent", ""
    leads += specials
    leads.sort(key=lambda lead: (lead.created, lead.email))
    for number, lead in enumerate(leads, start=1):
        lead.id = f"L{number:04d}"
    return leads


def local_text(moment: datetime, slash: bool) -> str:
    """Naive Japan time as ISO 8601 (2026-11-18T09:30:00) or Excel style (2026/11/18 9:30)."""
    moment = moment.astimezone(JST)
    if slash:
        return f"{moment:%Y/%m/%d} {moment.hour}:{moment:%M}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def lead_record(lead: Lead) -> list[str]:
    """The leads.csv row of a lead."""
    created = lead.created.astimezone(JST).strftime("%Y/%m/%d %H:%M")
    return [
        lead.id, lead.email, lead.name, lead.company, lead.industry, lead.employees,
        lead.department, lead.title, lead.owner, created,
    ]  # fmt: skip


def activity_records(rng: random.Random, rows: list[Row]) -> list[list[str]]:
    """activities.csv rows in time order with ids A000001...; some timestamps Excel-styled."""
    rows.sort(key=lambda row: (row.at, row.lead.id, row.kind, row.page))
    records = []
    for number, row in enumerate(rows, start=1):
        duration = "" if row.duration is None else str(row.duration)
        slash = row.lead.story == "random" and rng.random() < 0.15
        records.append(
            [
                f"A{number:06d}", row.lead.id, row.kind, local_text(row.at, slash), row.page,
                duration, row.campaign, row.channel, row.answer,
            ]
        )  # fmt: skip
    return records


def bad_records(records: list[list[str]]) -> list[list[str]]:
    """Deliberately broken rows for the problem report, appended after the clean ones."""
    number = len(records)
    lead_id = records[-1][1]
    duplicate = next(record for record in reversed(records) if record[2] == "email_click")
    return [
        [f"A{number + 1:06d}", lead_id, "page_view", "2026-13-45 25:00", "/company", "35", "", "",
         ""],
        [f"A{number + 2:06d}", "L9999", "page_view", "2026-11-19T10:12:00", "/products/abc", "95",
         "", "", ""],
        [f"A{number + 3:06d}", lead_id, "fax_received", "2026-11-19T11:00:00", "", "", "", "", ""],
        list(duplicate),
    ]  # fmt: skip


def write_csv(path: Path, header: list[str], records: list[list[str]], *, excel: bool) -> None:
    """Write a CSV file: Excel style (BOM, CRLF) or plain UTF-8 with LF."""
    encoding, newline = ("utf-8-sig", "\r\n") if excel else ("utf-8", "\n")
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(records)


def main() -> None:
    """Build the data set and write examples/leads.csv and examples/activities.csv."""
    rng = random.Random(SEED)
    leads = build_leads(rng)
    rows = [row for lead in leads for row in activities_for(rng, lead)]
    records = activity_records(rng, rows)
    records += bad_records(records)
    write_csv(HERE / "leads.csv", LEADS_HEADER, [lead_record(lead) for lead in leads], excel=True)
    write_csv(HERE / "activities.csv", ACTIVITIES_HEADER, records, excel=False)
    print(f"wrote {len(leads)} leads and {len(records)} activities to {HERE}")


if __name__ == "__main__":
    main()
