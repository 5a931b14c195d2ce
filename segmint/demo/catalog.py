"""The shop: product catalogue, search keywords, pages, referrers and email campaigns.

Fixed, not random: the same SKUs, keywords and page names exist at every seed and size, so
example segments (``search.keywords contains "sneakers"``) always have something to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SITE = "https://shop.example.com"


@dataclass(frozen=True)
class Category:
    name: str
    code: str
    slug: str
    popularity: float
    interest: str
    kinds: tuple[tuple[str, float], ...]  # product kind and its base price in USD
    keywords: tuple[tuple[str, float], ...]  # search keyword and its weight


CATEGORIES: tuple[Category, ...] = (
    Category(
        "Sneakers",
        "SNK",
        "sneakers",
        0.22,
        "sneakers",
        (
            ("Running Sneakers", 119.0),
            ("White Leather Sneakers", 99.0),
            ("High-Top Sneakers", 89.0),
            ("Trail Sneakers", 139.0),
            ("Canvas Sneakers", 59.0),
            ("Slip-On Sneakers", 69.0),
        ),
        (
            ("sneakers", 0.35),
            ("running sneakers", 0.18),
            ("white sneakers", 0.17),
            ("black sneakers", 0.1),
            ("sneakers sale", 0.1),
            ("high top sneakers", 0.06),
            ("trail sneakers", 0.04),
        ),
    ),
    Category(
        "Boots",
        "BOT",
        "boots",
        0.07,
        "outdoor",
        (("Chelsea Boots", 149.0), ("Hiking Boots", 169.0), ("Winter Boots", 159.0)),
        (("boots", 0.5), ("chelsea boots", 0.25), ("hiking boots", 0.25)),
    ),
    Category(
        "Sandals",
        "SND",
        "sandals",
        0.05,
        "beach",
        (("Slide Sandals", 39.0), ("Trek Sandals", 69.0)),
        (("sandals", 0.7), ("slides", 0.3)),
    ),
    Category(
        "T-Shirts",
        "TSH",
        "t-shirts",
        0.12,
        "streetwear",
        (("Organic Cotton T-Shirt", 25.0), ("Graphic T-Shirt", 29.0), ("Pocket T-Shirt", 22.0)),
        (("t-shirt", 0.5), ("white t-shirt", 0.3), ("graphic tee", 0.2)),
    ),
    Category(
        "Hoodies",
        "HOD",
        "hoodies",
        0.08,
        "streetwear",
        (("Pullover Hoodie", 59.0), ("Zip Hoodie", 65.0)),
        (("hoodie", 0.7), ("zip hoodie", 0.3)),
    ),
    Category(
        "Jeans",
        "JNS",
        "jeans",
        0.09,
        "fashion",
        (("Slim Jeans", 79.0), ("Straight Jeans", 75.0), ("Relaxed Jeans", 72.0)),
        (("jeans", 0.6), ("slim jeans", 0.2), ("black jeans", 0.2)),
    ),
    Category(
        "Jackets",
        "JKT",
        "jackets",
        0.08,
        "outdoor",
        (("Rain Jacket", 129.0), ("Puffer Jacket", 189.0), ("Denim Jacket", 99.0)),
        (("rain jacket", 0.4), ("puffer jacket", 0.35), ("denim jacket", 0.25)),
    ),
    Category(
        "Dresses",
        "DRS",
        "dresses",
        0.07,
        "fashion",
        (("Summer Dress", 69.0), ("Maxi Dress", 89.0), ("Wrap Dress", 79.0)),
        (("summer dress", 0.5), ("maxi dress", 0.3), ("dress", 0.2)),
    ),
    Category(
        "Activewear",
        "ACT",
        "activewear",
        0.08,
        "running",
        (("Running Shorts", 35.0), ("Yoga Leggings", 55.0), ("Sports Bra", 39.0)),
        (("leggings", 0.4), ("running shorts", 0.35), ("sports bra", 0.25)),
    ),
    Category(
        "Socks",
        "SCK",
        "socks",
        0.05,
        "running",
        (("Running Socks 3-Pack", 18.0), ("Merino Wool Socks", 22.0)),
        (("socks", 0.6), ("wool socks", 0.4)),
    ),
    Category(
        "Bags",
        "BAG",
        "bags",
        0.05,
        "travel",
        (("Daypack Backpack", 79.0), ("Canvas Tote Bag", 35.0), ("Weekender Bag", 119.0)),
        (("backpack", 0.6), ("tote bag", 0.4)),
    ),
    Category(
        "Accessories",
        "ACC",
        "accessories",
        0.04,
        "fashion",
        (("Polarised Sunglasses", 89.0), ("Baseball Cap", 25.0), ("Minimal Watch", 149.0)),
        (("sunglasses", 0.4), ("cap", 0.3), ("watch", 0.3)),
    ),
)

BRANDS: tuple[tuple[str, float], ...] = (
    ("Aerolite", 1.15),
    ("Northpeak", 1.25),
    ("Urban Fox", 0.9),
    ("Kinetic", 1.0),
    ("Harbor & Co", 1.1),
    ("Stride", 0.8),
)

INTERESTS: tuple[str, ...] = (
    "sneakers",
    "running",
    "streetwear",
    "fashion",
    "outdoor",
    "beach",
    "travel",
    "yoga",
    "sustainability",
    "sale hunting",
    "tech",
    "home fitness",
)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: int
    price_usd: float


def _products() -> tuple[Product, ...]:
    products = []
    for index, category in enumerate(CATEGORIES):
        number = 1001
        for kind, base in category.kinds:
            for brand, premium in BRANDS:
                price = max(9.0, round(base * premium)) - 0.01
                products.append(
                    Product(f"{category.code}-{number}", f"{brand} {kind}", index, price)
                )
                number += 1
    return tuple(products)


PRODUCTS = _products()

KEYWORDS: tuple[tuple[str, int, float], ...] = tuple(
    (word, index, weight)
    for index, category in enumerate(CATEGORIES)
    for word, weight in category.keywords
)

REFERRERS: tuple[str, ...] = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://www.instagram.com/",
    "https://www.facebook.com/",
    "https://www.pinterest.com/",
    "https://www.tiktok.com/",
)
REFERRER_WEIGHTS = (0.5, 0.06, 0.16, 0.12, 0.06, 0.1)


@dataclass(frozen=True)
class Pages:
    """Every page the shop has, as parallel name/URL tuples, with where each kind starts."""

    names: tuple[str, ...]
    urls: tuple[str, ...]
    category: int  # first category page (one per category)
    product: int  # first product page (one per product)
    search: int  # first search results page (one per keyword)
    cart: int
    checkout: int
    confirmation: int
    browse: tuple[int, ...]  # pages someone may wander to: home, sale, new arrivals, account


def _pages() -> Pages:
    fixed = [
        ("home", "/"),
        ("sale", "/sale"),
        ("new arrivals", "/new"),
        ("account", "/account"),
        ("cart", "/cart"),
        ("checkout", "/checkout"),
        ("order confirmation", "/checkout/confirmation"),
    ]
    rows = fixed + [(f"category: {c.name}", f"/c/{c.slug}") for c in CATEGORIES]
    rows += [(f"product: {p.name}", f"/p/{p.sku.lower()}") for p in PRODUCTS]
    rows += [("search results", "/search?q=" + word.replace(" ", "+")) for word, _, _ in KEYWORDS]
    category = len(fixed)
    product = category + len(CATEGORIES)
    return Pages(
        names=tuple(name for name, _ in rows),
        urls=tuple(SITE + path for _, path in rows),
        category=category,
        product=product,
        search=product + len(PRODUCTS),
        cart=4,
        checkout=5,
        confirmation=6,
        browse=(0, 1, 2, 3),
    )


PAGES = _pages()

_PROMOTIONS = (
    "Sneaker Drop",
    "Weekend Flash Sale",
    "New Arrivals",
    "Loyalty Rewards",
    "Running Collection",
    "Free Shipping Weekend",
)


def campaigns(begin: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """Email sends: a newsletter every Tuesday and a promotion every Friday, 14:00 UTC."""
    sends = []
    day = datetime(begin.year, begin.month, begin.day, 14, tzinfo=begin.tzinfo)
    promotion = 0
    while day < end:
        if day >= begin and day.weekday() == 1:
            sends.append((f"Weekly Newsletter {day:%Y-%m-%d}", day))
        elif day >= begin and day.weekday() == 4:
            sends.append((f"{_PROMOTIONS[promotion % len(_PROMOTIONS)]} {day:%Y-%m-%d}", day))
            promotion += 1
        day += timedelta(days=1)
    return sends
