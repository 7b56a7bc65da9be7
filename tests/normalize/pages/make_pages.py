"""Build the news-page test set: real Wikinews articles inside real outlets' page markup.

Run once from the repository root (``python tests/normalize/pages/make_pages.py``); the pages
and ``gold.jsonl`` it writes are committed, so tests never run it. Each page puts one WiNER-fr
article (title line, dateline, paragraphs; CC BY 2.5, see ATTRIBUTION.md) into the markup
patterns French news sites use: where the date is (``article:published_time``, JSON-LD
``datePublished``, ``<time itemprop>``, a visible "Publié le" byline, the URL), and what
surrounds the article (cookie-consent layers, paywall teasers, newsletter forms, "Lire aussi"
links, web-archive toolbars, sidebars of other articles with their own dates), and who
wrote it (a "Par …" byline, ``<meta name="author">``, JSON-LD ``author``, a ``rel="author"``
link; one or two names; the authors are invented, one style states none). Two pages hold
no article at all (a front-end template, a section index).

``gold.jsonl``: per page, the expected title, day, canonical URL, author (names joined by
"; ", null when the page states none), every article paragraph (no loss) and the
boilerplate phrases that must not be in the text; or ``"article": false``.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

from pipeline.normalize.metadata import find_dateline

HERE = Path(__file__).parent
WINER = HERE.parents[2].parent / "shared" / "data" / "winer-fr-dev"
PAGES = 30

COOKIE = {
    "didomi": """<div id="didomi-host"><div class="didomi-popup"><p>Nous utilisons des
cookies et des technologies similaires pour mesurer l'audience et vous proposer des contenus
personnalisés. Vous pouvez accepter ou paramétrer vos choix à tout moment.</p>
<button id="didomi-notice-agree-button">Accepter et fermer</button>
<button>Paramétrer les cookies</button></div></div>""",
    "onetrust": """<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk"
class="otFlat"><div id="onetrust-policy-text">En cliquant sur « Tout accepter », vous
acceptez le stockage de cookies sur votre appareil pour améliorer la navigation sur le site et
analyser son utilisation.</div><button id="onetrust-accept-btn-handler">Tout accepter</button>
</div></div>""",
    "tarteaucitron": """<div id="tarteaucitronRoot"><div id="tarteaucitronAlertBig">
<span id="tarteaucitronDisclaimerAlert">Ce site utilise des cookies et vous donne le contrôle
sur ceux que vous souhaitez activer.</span><button id="tarteaucitronPersonalize2">Tout
accepter</button></div></div>""",
    "sourcepoint": """<div id="sp_message_container_123" class="sp-message-open"><p>Avec
votre accord, nos partenaires et nous utilisons des cookies ou technologies similaires pour
stocker et accéder à des informations personnelles comme votre visite sur ce site.</p>
<button title="Accepter">Accepter</button><button>Continuer sans accepter</button></div>""",
}
PAYWALL = {
    "lemonde": """<section class="paywall"><div class="paywall__content"><p>Il vous reste
72 % de cet article à lire. La suite est réservée aux abonnés.</p><a
class="paywall__button" href="/abonnement/">S'abonner pour 1 € le premier mois</a><p>Déjà
abonné ? Se connecter</p></div></section>""",
    "figaro": """<div class="fig-premium-paywall"><p class="fig-premium-paywall__title">Cet
article est réservé aux abonnés. Il vous reste 80% à découvrir.</p><p>Abonnez-vous sans
engagement : 1 € le premier mois, puis 9,99 € par mois.</p></div>""",
    "arc": """<div class="article-body-paywall"><div class="paywall-wall"><p>Vous souhaitez
lire la suite de cet article ? Cet article est réservé à nos abonnés numériques. Profitez de
notre offre découverte à 0,99 € le premier mois.</p></div></div>""",
}
NEWSLETTER = {
    "form": """<aside class="newsletter-block"><form class="newsletter-form"
action="/newsletter/inscription" method="post"><p class="newsletter-form__title">Recevez
chaque matin notre newsletter Le Réveil de l'actualité</p><label for="nl-email">Votre
adresse e-mail</label><input id="nl-email" type="email" name="email"><button
type="submit">S'inscrire à la newsletter</button><p class="newsletter-form__legal">Vos
données sont traitées conformément à notre politique de confidentialité.</p></form></aside>""",
    "div": """<div class="inline-newsletter" data-newsletter="matinale"><p>Chaque jour, les
informations essentielles de la matinale dans votre boîte mail. Inscrivez-vous
gratuitement à la lettre quotidienne.</p><input type="email" placeholder="Adresse e-mail">
<button>Je m'inscris</button></div>""",
}
# Related-article links placed between paragraphs of the article body, as outlets do.
READ_ALSO = {
    "catcher": """<section class="catcher catcher--inline"><span class="catcher__title">Lire
aussi</span><a class="catcher__link" href="/politique/article/lien.html">Le gouvernement
présente un plan de relance pour les territoires ruraux</a></section>""",
    "strong": """<p><strong>LIRE AUSSI -</strong> <a href="/actualite/relance.php">Le
gouvernement présente un plan de relance pour les territoires ruraux</a></p>""",
    "a-lire": """<p class="read-also"><span>À lire aussi :</span> <a href="/region/lien">Le
gouvernement présente un plan de relance pour les territoires ruraux</a></p>""",
}
BOILERPLATE_PHRASES = {
    "didomi": "Nous utilisons des cookies",
    "onetrust": "stockage de cookies",
    "tarteaucitron": "Ce site utilise des cookies",
    "sourcepoint": "Avec votre accord, nos partenaires",
    "lemonde": "Il vous reste",
    "figaro": "réservé aux abonnés",
    "arc": "réservé à nos abonnés",
    "form": "newsletter",
    "div": "Inscrivez-vous",
    "catcher": "plan de relance pour les territoires",
    "strong": "plan de relance pour les territoires",
    "a-lire": "plan de relance pour les territoires",
    "wayback": "captures",
    "sidebar": "Les plus lus",
}
WAYBACK = """<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<script>__wm.init("https://web.archive.org/web");</script>
<div id="wm-ipp-base" lang="en" style="display:none;direction:ltr;"><div id="wm-ipp"
style="position:fixed;left:0;top:0;right:0;"><div id="wm-ipp-inside"><table
id="wm-ipp-inside-table"><tr><td id="wm-logo"><a href="/web/">Wayback Machine</a></td><td
class="c"><form id="wm-ipp-form" target="_top"><input id="wmtbURL" type="text"
name="url" value="{url}"></form></td><td class="n"><div id="wm-nav-captures"><a
class="t" href="/web/*/{url}">27 captures</a><div class="r" title="Timespan for
captures of this URL"><span class="date">15 juin 2021</span> - <span class="date">2 déc.
2023</span></div></div></td><td class="c" id="displayMonthEl" title="You are here: 09:30:12
Jun 15, 2021">JUN</td><td class="c" id="displayDayEl" title="You are here: 09:30:12 Jun 15,
2021">15</td><td class="c" id="displayYearEl" title="You are here: 09:30:12 Jun 15,
2021">2021</td></tr></table></div></div></div>
<!-- END WAYBACK TOOLBAR INSERT -->"""
# Invented journalists: the Wikinews articles are signed by no one.
AUTHORS = [
    "Claire Dubois",
    "Julien Moreau",
    "Sophie Lefèvre",
    "Karim Benali",
    "Élodie Martin",
    "Thomas Girard",
    "Nadia Haddad",
    "Pierre-Yves Le Gall",
    "Camille Roux",
    "Antoine Marchand",
    "Inès Bouchard",
]
SIDEBAR = """<aside class="sidebar most-read"><h2>Les plus lus</h2><ol><li><span
class="date">3 février 2014</span><a href="/a1">Les plus lus : la réforme des retraites
expliquée en cinq points</a></li><li><time datetime="2013-11-20T12:00:00+01:00">20 novembre
2013</time><a href="/a2">Les plus lus : tempête sur le littoral atlantique</a></li></ol>
</aside>"""


def winer_articles() -> list[tuple[str, str, str, list[str]]]:
    """(name, title, day, body paragraphs) of every n-th dated WiNER article, and its URL."""
    urls: dict[str, str] = {}
    for listing in sorted(WINER.glob("*/*-urls.txt")):
        for row in listing.read_text("utf-8").splitlines():
            name, _, url = row.partition("\t")
            urls[name] = url
    paths = sorted(WINER.glob("*/*/*.txt"))
    chosen = []
    for path in paths[:: len(paths) // (PAGES + 12)]:
        lines = [x.strip() for x in path.read_text("utf-8").splitlines() if x.strip()]
        found = find_dateline(lines[1:3])
        if found is None or found[1].date is None or len(lines) < 4:
            continue
        body = lines[2 + found[0] :]
        chosen.append((path.stem, lines[0], found[1].date[:10], body, urls[path.stem]))
    return chosen[:PAGES]


def paragraphs_html(body: list[str], inserts: list[str], tag: str = "p") -> str:
    parts = [f"<{tag}>{html.escape(p)}</{tag}>" for p in body]
    for offset, insert in enumerate(inserts):
        parts.insert(min(len(parts), 1 + 2 * (offset + 1)), insert)
    return "\n".join(parts)


def head(title: str, site: str, url: str, extra: str) -> str:
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>{html.escape(title)} - {site}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{site}">
<meta property="og:type" content="article">
<link rel="canonical" href="{url}">
{extra}</head>"""


def ld_json(title: str, stamp: str, url: str, site: str, graph: bool, authors: list[str]) -> str:
    people = [{"@type": "Person", "name": name} for name in authors]
    item = {
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": stamp,
        "dateModified": stamp,
        "mainEntityOfPage": url,
        "author": people[0] if len(people) == 1 else people,
        "publisher": {"@type": "Organization", "name": site},
    }
    data = {"@graph": [item]} if graph else item
    data = {"@context": "https://schema.org", **data}
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def french_day(day: str) -> str:
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    year, month, number = day.split("-")
    return f"{int(number)} {months.split()[int(month) - 1]} {year}"


def build(index: int, title: str, day: str, body: list[str], slug: str) -> tuple[str, dict]:
    """One page in the style picked by ``index``, and its gold record."""
    style = index % 10
    site = [
        "Le Quotidien du Matin",
        "La Dépêche de l'Ouest",
        "L'Écho Républicain",
        "Info Continue",
        "Le Journal du Centre",
        "Le Courrier Libre",
        "Vingt Minutes",
        "La Gazette du Nord",
        "Le Matin Numérique",
        "Actu Régions",
    ][style]
    host = [
        "lequotidien",
        "ladepeche-ouest",
        "echo-republicain",
        "infocontinue",
        "journalducentre",
        "courrierlibre",
        "vingtminutes",
        "gazettedunord",
        "lematin-numerique",
        "actu-regions",
    ][style]
    # Some outlets put the day in the URL (/2016/01/01/), most do not.
    path = f"{day.replace('-', '/')}/" if style in (0, 3) else ""
    url = f"https://www.{host}.fr/{['politique', 'monde', 'societe'][index % 3]}/{path}{slug}.html"
    stamp = f"{day}T{8 + index % 10:02d}:{(index * 7) % 60:02d}:00+0{1 + index % 2}:00"
    cookie = list(COOKIE)[index % len(COOKIE)]
    paywall = list(PAYWALL)[index % len(PAYWALL)] if index % 3 == 0 else None
    letter = list(NEWSLETTER)[index % len(NEWSLETTER)] if index % 2 == 0 else None
    also = list(READ_ALSO)[index % len(READ_ALSO)] if index % 3 != 2 else None
    wayback = index % 7 == 3 or index % 10 == 5
    sidebar = index % 4 == 1 or style == 5
    used = [cookie] + [x for x in (paywall, letter, also) if x]
    inserts = [READ_ALSO[also]] if also else []
    if letter and index % 4 == 0:
        inserts.append(NEWSLETTER[letter])
    byline = f"Publié le {french_day(day)} à {stamp[11:13]}h{stamp[14:16]}"
    # Who wrote it: two names on some styles, none stated at all on style 8.
    authors = [AUTHORS[index % len(AUTHORS)]]
    if style in (2, 7):
        authors.append(AUTHORS[(index + 5) % len(AUTHORS)])
    signed = " et ".join(authors)
    author_tag = {
        5: f'<p class="byline">Par <a rel="author" href="/auteur/{index}">{signed}</a></p>',
        8: "",
    }.get(style, f'<span class="author">Par {signed}</span>')
    meta_author = f'<meta name="author" content="{signed}">' if style in (4, 6) else ""
    # Where the page states its date, as outlets do: metadata (most), only a byline, a URL.
    meta = {
        0: f'<meta property="article:published_time" content="{stamp}">',
        1: ld_json(title, stamp, url, site, graph=False, authors=authors),
        2: ld_json(title, stamp, url, site, graph=True, authors=authors),
        3: f'<meta property="article:published_time" content="{stamp}">'
        + ld_json(title, stamp, url, site, graph=False, authors=authors),
        4: f'<meta name="DC.date.issued" content="{day}">',
        5: "",  # the date is only in the visible byline
        6: f'<meta itemprop="datePublished" content="{stamp}">',
        7: "",  # only in the <time> of the article header
        8: f'<meta name="pubdate" content="{day.replace("-", "")}">',
        9: ld_json(title, stamp, url, site, graph=False, authors=authors),
    }[style] + meta_author
    time_tag = (
        f'<time datetime="{stamp}" itemprop="datePublished">{french_day(day)}</time>'
        if style == 7
        else f"<span class='date'>{byline}</span>"
        if style != 5
        else f"<p>{byline}</p>"
    )
    shown_url = f"https://web.archive.org/web/20210615000000/{url}" if wayback else url
    article = paragraphs_html(body, inserts)
    page = f"""{head(title, site, shown_url, meta)}
<body class="article-page">
{WAYBACK.format(url=url, stamp=day.replace("-", "")) if wayback else ""}
<header class="site-header"><a href="/" class="logo">{site}</a><nav><ul><li><a
href="/politique/">Politique</a></li><li><a href="/monde/">Monde</a></li><li><a
href="/societe/">Société</a></li><li><a href="/abonnement/">S'abonner</a></li></ul></nav></header>
{SIDEBAR if sidebar else ""}
<main><article class="article">
<h1 class="article__title">{html.escape(title)}</h1>
<div class="article__meta">{author_tag} {time_tag}</div>
<div class="article__content">
{article}
</div>
{PAYWALL[paywall] if paywall else ""}
{NEWSLETTER[letter] if letter and index % 4 != 0 else ""}
</article></main>
<footer class="site-footer"><p>© {site} 2021 - Tous droits réservés</p><ul><li><a
href="/mentions-legales">Mentions légales</a></li><li><a href="/cgu">CGU</a></li></ul></footer>
{COOKIE[cookie]}
</body></html>"""
    if wayback:
        used.append("wayback")
        origin = url.split("/", 3)[:3]
        page = page.replace('href="/', f'href="/web/20210615093012/{"/".join(origin)}/')
    if sidebar:
        used.append("sidebar")
    gold = {
        "page": f"{index:02d}-{host}.html",
        "article": True,
        "title": title,
        "date": day,
        "url": url,
        "author": "; ".join(authors) if style != 8 else None,
        "paragraphs": body,
        "boilerplate": sorted({BOILERPLATE_PHRASES[x] for x in used}),
    }
    return page, gold


TEMPLATE_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Le Quotidien du Matin - Toute l'actualité en continu</title>
<meta property="og:type" content="website"><link rel="canonical" href="https://www.lequotidien.fr/">
<script>window.__INITIAL_STATE__={"route":"article","id":null,"ads":{"slots":["top","mpu"]}};
</script></head><body><div id="app"><header class="site-header"><a href="/">Le Quotidien du
Matin</a></header><main><article class="article"><h1 class="article__title">{{ article.title
}}</h1><div class="article__meta">Par {{ article.author }} - {{ article.date | date('d MMMM
yyyy') }}</div><div class="article__content" v-html="article.body">{% for p in
article.paragraphs %}<p>{{ p }}</p>{% endfor %}</div></article></main><noscript>Vous devez
activer JavaScript pour lire cet article.</noscript></div>
<script src="/static/js/app.3f9a2c.js"></script></body></html>"""


def index_page(titles: list[str]) -> str:
    items = "\n".join(
        f'<li class="teaser"><a href="/monde/{n}.html">{html.escape(t)}</a> '
        f'<time datetime="2016-0{1 + n % 9}-1{n % 9}">1{n % 9}/0{1 + n % 9}/2016</time></li>'
        for n, t in enumerate(titles)
    )
    return f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Monde - Toute l'actualité internationale - Le Courrier Libre</title>
<meta property="og:type" content="website"><link rel="canonical"
href="https://www.courrierlibre.fr/monde/"></head><body><header><a href="/">Le Courrier
Libre</a><nav><a href="/monde/">Monde</a> <a href="/politique/">Politique</a></nav></header>
<main><h1>Monde</h1><ul class="teasers">{items}</ul><a href="/monde/page/2">Page
suivante</a></main><footer>© Le Courrier Libre</footer></body></html>"""


def slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def main() -> None:
    articles = winer_articles()
    golds = []
    for index, (name, title, day, body, source) in enumerate(articles):
        page, gold = build(index, title, day, body, slug(title))
        (HERE / gold["page"]).write_text(page, encoding="utf-8")
        golds.append({**gold, "source": source, "winer": name})
    (HERE / "template-page.html").write_text(TEMPLATE_PAGE, encoding="utf-8")
    (HERE / "index-page.html").write_text(index_page([a[1] for a in articles[:12]]), "utf-8")
    golds += [
        {"page": "template-page.html", "article": False},
        {"page": "index-page.html", "article": False},
    ]
    with (HERE / "gold.jsonl").open("w", encoding="utf-8") as out:
        for gold in golds:
            out.write(json.dumps(gold, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
