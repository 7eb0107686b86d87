"""Realistic made-up people, companies, addresses and phone numbers for the demo and benchmarks."""

import random
from dataclasses import dataclass

import phonenumbers

# country: (first names, last names, [(city, ISO 3166-2 subdivision, postal code)], street words)
PLACES: dict[str, tuple[list[str], list[str], list[tuple[str, str, str]], list[str]]] = {
    "US": (
        [
            "James",
            "Mary",
            "Robert",
            "Patricia",
            "Michael",
            "Jennifer",
            "David",
            "Linda",
            "Maria",
            "Daniel",
            "Emily",
            "Kevin",
        ],
        [
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Garcia",
            "Miller",
            "Davis",
            "Rodriguez",
            "Martinez",
            "Nguyen",
            "O'Brien",
            "Walker",
            "Wu",
        ],
        [
            ("Austin", "US-TX", "78701"),
            ("Portland", "US-OR", "97205"),
            ("Denver", "US-CO", "80202"),
            ("Chicago", "US-IL", "60607"),
            ("Brooklyn", "US-NY", "11201"),
            ("San Diego", "US-CA", "92101"),
        ],
        ["Main St", "Oak Avenue", "Maple Drive", "Cedar Lane", "Elm Street", "Pine Road"],
    ),
    "GB": (
        ["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Sophie", "Charlotte", "Thomas"],
        ["Jones", "Taylor", "Evans", "Thomas", "Roberts", "Wright", "Hughes", "Edwards", "Clarke", "Patel", "Xu"],
        [
            ("Manchester", "GB-MAN", "M1 1AE"),
            ("Leeds", "GB-LDS", "LS1 4DY"),
            ("Bristol", "GB-BST", "BS1 4DJ"),
            ("Edinburgh", "GB-EDH", "EH1 1YZ"),
        ],
        ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"],
    ),
    "DE": (
        ["Lukas", "Anna", "Jonas", "Lea", "Felix", "Hannah", "Maximilian", "Lena", "Jürgen", "Sophie"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"],
        [
            ("Berlin", "DE-BE", "10115"),
            ("München", "DE-BY", "80331"),
            ("Hamburg", "DE-HH", "20095"),
            ("Köln", "DE-NW", "50667"),
        ],
        ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee"],
    ),
    "FR": (
        ["Louis", "Camille", "Gabriel", "Léa", "Hugo", "Chloé", "Jules", "Manon", "Élodie", "Thomas"],
        ["Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fournier"],
        [
            ("Paris", "FR-75C", "75003"),
            ("Lyon", "FR-69M", "69002"),
            ("Marseille", "FR-13", "13001"),
            ("Nantes", "FR-44", "44000"),
        ],
        ["rue de la République", "avenue Victor Hugo", "rue Pasteur", "boulevard Voltaire"],
    ),
    "CA": (
        ["Liam", "Olivia", "Noah", "Emma", "William", "Charlotte", "Benjamin", "Chloé", "Ethan", "Zoé"],
        ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Wilson", "MacDonald", "Campbell", "Stewart", "Lee", "Li"],
        [
            ("Toronto", "CA-ON", "M5V 2T6"),
            ("Montréal", "CA-QC", "H2Y 1C6"),
            ("Vancouver", "CA-BC", "V6B 1A1"),
            ("Calgary", "CA-AB", "T2P 1J9"),
        ],
        ["King Street", "Rue Sainte-Catherine", "Granville Street", "Bay Street"],
    ),
    "AU": (
        ["Jack", "Charlotte", "William", "Olivia", "Lachlan", "Mia", "Cooper", "Isla", "Matilda", "Archie"],
        ["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Anderson", "Thompson", "Kelly", "Ryan", "Ng"],
        [
            ("Sydney", "AU-NSW", "2000"),
            ("Melbourne", "AU-VIC", "3000"),
            ("Brisbane", "AU-QLD", "4000"),
            ("Perth", "AU-WA", "6000"),
        ],
        ["George Street", "Collins Street", "Queen Street", "Hay Street"],
    ),
    "NL": (
        ["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Levi", "Sophie", "Finn", "Anouk"],
        ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"],
        [("Amsterdam", "NL-NH", "1012 AB"), ("Rotterdam", "NL-ZH", "3011 AD"), ("Utrecht", "NL-UT", "3511 AX")],
        ["Keizersgracht", "Coolsingel", "Oudegracht", "Stationsplein"],
    ),
    "ES": (
        ["Hugo", "Lucía", "Martín", "Sofía", "Pablo", "María", "Álvaro", "Paula", "Javier", "Carmen"],
        ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz"],
        [
            ("Madrid", "ES-M", "28013"),
            ("Barcelona", "ES-B", "08002"),
            ("Valencia", "ES-V", "46002"),
            ("Sevilla", "ES-SE", "41004"),
        ],
        ["Calle Mayor", "Gran Vía", "Calle de Alcalá", "Avenida de la Constitución"],
    ),
    # Names and places in their own script; family name first when written whole (山田太郎).
    "JP": (
        ["太郎", "花子", "翔太", "陽菜", "大輝", "美咲", "健", "蓮", "結衣", "さくら"],
        ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "山田", "佐々木"],
        [
            ("東京", "JP-13", "100-0005"),
            ("大阪", "JP-27", "530-0001"),
            ("京都", "JP-26", "600-8001"),
            ("名古屋", "JP-23", "450-0002"),
        ],
        ["丸の内", "梅田", "四条通", "栄", "銀座"],
    ),
    "CN": (
        ["伟", "芳", "娜", "敏", "静", "秀英", "丽", "强", "磊", "洋", "艳", "杰"],
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"],
        [
            ("北京", "CN-BJ", "100010"),
            ("上海", "CN-SH", "200001"),
            ("广州", "CN-GD", "510000"),
            ("杭州", "CN-ZJ", "310000"),
        ],
        ["长安街", "南京路", "中山路", "人民路", "解放路"],
    ),
    "KR": (
        ["민준", "서연", "지훈", "서윤", "도윤", "하은", "예준", "지우", "수빈", "현우"],
        ["김", "이", "박", "최", "정", "강", "조", "윤"],
        [("서울", "KR-11", "04524"), ("부산", "KR-26", "48058"), ("성남", "KR-41", "13494")],
        ["세종대로", "테헤란로", "해운대로", "판교역로"],
    ),
}
COUNTRY_WEIGHTS = {
    "US": 30,
    "GB": 15,
    "DE": 12,
    "FR": 10,
    "CA": 10,
    "AU": 8,
    "NL": 8,
    "ES": 7,
    "JP": 2,
    "CN": 2,
    "KR": 2,
}
# Where the street comes before the house number.
STREET_FIRST = {"DE", "NL", "ES", "JP", "CN", "KR"}
# How the names written in CJK scripts are spelt in email addresses.
ROMANISED = {
    name: spelt
    for names, spellings in [
        (PLACES["JP"][0], "taro hanako shota hina daiki misaki ken ren yui sakura"),
        (PLACES["JP"][1], "sato suzuki takahashi tanaka ito watanabe yamamoto nakamura kobayashi yamada sasaki"),
        (PLACES["CN"][0], "wei fang na min jing xiuying li qiang lei yang yan jie"),
        (PLACES["CN"][1], "wang li zhang liu chen yang huang zhao wu zhou"),
        (PLACES["KR"][0], "minjun seoyeon jihoon seoyun doyun haeun yejun jiwoo subin hyunwoo"),
        (PLACES["KR"][1], "kim lee park choi jung kang cho yoon"),
    ]
    for name, spelt in zip(names, spellings.split(), strict=True)
}
COMPANY_WORDS = [
    "Northwind",
    "Bluepeak",
    "Harbor",
    "Ironbark",
    "Silverline",
    "Brightpath",
    "Redwood",
    "Lumen",
    "Cobalt",
    "Evergreen",
    "Summit",
    "Atlas",
    "Pinecrest",
    "Riverstone",
    "Sparrow",
    "Quartz",
    "Meridian",
    "Orchard",
]
COMPANY_KINDS = [
    "Hosting",
    "Digital",
    "Web Studio",
    "IT Services",
    "Media",
    "Consulting",
    "Systems",
    "Networks",
    "Labs",
]
COMPANY_SUFFIX = {
    "US": "LLC",
    "GB": "Ltd",
    "DE": "GmbH",
    "FR": "SARL",
    "CA": "Inc.",
    "AU": "Pty Ltd",
    "NL": "B.V.",
    "ES": "S.L.",
    "JP": "K.K.",
    "CN": "Co., Ltd.",
    "KR": "Co., Ltd.",
}
TITLES = ["", "", "Owner", "CTO", "IT Manager", "Office Manager", "Director", "Founder"]


@dataclass(frozen=True)
class FakePerson:
    """A made-up contact: name, company, address and numbers, all consistent with its country."""

    first_name: str
    last_name: str
    company: str
    title: str
    email: str
    address1: str
    city: str
    state: str
    postal_code: str
    country: str
    phones: tuple[tuple[str, str, str], ...]  # (type, location, E.164)


def phone_for(country: str, rng: random.Random, *, mobile: bool = False) -> str:
    """A valid, made-up E.164 number in `country`."""
    kind = phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    example = phonenumbers.example_number_for_type(country, kind) or phonenumbers.example_number(country)
    assert example is not None, f"phonenumbers has no example number for {country}"
    national = str(example.national_number)
    for _ in range(50):
        tail = "".join(str(rng.randrange(10)) for _ in range(4))
        candidate = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(national[:-4] + tail)
        )
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def email_local(first: str, last: str) -> str:
    """The local part of a made-up email address for this name: ASCII, lower case, no spaces or apostrophes."""
    text = _ascii(f"{ROMANISED.get(first, first)}.{ROMANISED.get(last, last)}")
    return text.lower().replace(" ", "").replace("'", "")


def person(rng: random.Random, *, country: str | None = None, with_company: bool | None = None) -> FakePerson:
    """One made-up contact with an address and one or two phone numbers."""
    country = country or rng.choices(list(COUNTRY_WEIGHTS), weights=list(COUNTRY_WEIGHTS.values()))[0]
    firsts, lasts, places, streets = PLACES[country]
    first, last = rng.choice(firsts), rng.choice(lasts)
    city, state, postal = rng.choice(places)
    has_company = rng.random() < 0.7 if with_company is None else with_company
    company = (
        f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)} {COMPANY_SUFFIX[country]}" if has_company else ""
    )
    domain = (company.split(" ")[0].lower() + ".example") if company else rng.choice(["mail.example", "post.example"])
    email = f"{email_local(first, last)}{rng.randrange(1, 999)}@{domain}"
    number = rng.randrange(1, 250)
    street = rng.choice(streets)
    address = f"{street} {number}" if country in STREET_FIRST else f"{number} {street}"
    phones = [("phone", "work", phone_for(country, rng))]
    if rng.random() < 0.5:
        phones.append(("phone", "mobile", phone_for(country, rng, mobile=True)))
    return FakePerson(
        first, last, company, rng.choice(TITLES), email, address, city, state, postal, country, tuple(phones)
    )
