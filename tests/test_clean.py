"""clean() keeps the article and drops web-page clutter (clutter written for these tests)."""
from belclf.clean import clean, sentences

PAGE = """Grain harvest in Mahilyow region beats the plan

14.08.2023 09:05
Фота: прэс-служба аблвыканкама
Image: combines in a field near Bykhaw

Farms in the region have threshed 1.2 million tonnes of grain, ten percent more than planned.

The regional governor thanked the machine operators and promised bonuses.

Similar articles

Opposition blogger sentenced to six years
A court in Homiel jailed a blogger for insulting the president.
"""


def test_clutter_is_removed_and_the_article_kept():
    cleaned = clean(PAGE)
    assert cleaned.startswith("Grain harvest in Mahilyow region beats the plan")
    assert "threshed 1.2 million tonnes" in cleaned and "promised bonuses" in cleaned
    for clutter in ("14.08.2023", "Фота", "Image:", "Similar articles", "blogger", "Homiel"):
        assert clutter not in cleaned


def test_html_tags_entities_and_captions_are_stripped():
    page = ("<html><head><style>p{color:red}</style></head><body><h1>Talks in Vilnius</h1>"
            "<figure><img src='a.jpg'><figcaption>Photo: the delegations</figcaption></figure>"
            "<p>Ministers met &amp; talked for three hours.</p><script>track()</script>"
            "<h3>Read also</h3><ul><li>Hockey final tonight</li></ul></body></html>")
    assert clean(page).split() == "Talks in Vilnius Ministers met & talked for three hours.".split()


NEWS_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Potash trains reroute to Russian ports | The Minsk Ledger</title>
<meta property="og:title" content="Potash trains reroute to Russian ports"></head>
<body>
<div id="cookie-consent">We use cookies to measure our audience. <button>Accept all</button></div>
<header><nav><ul><li><a href="/politics">Politics</a></li><li><a href="/economy">Economy</a></li>
<li><a href="/energy">Energy</a></li><li><a href="/security">Security</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article>
<h1>Potash trains reroute to Russian ports</h1>
<p>The first trains carrying Belarusian potash to the port of Ust-Luga left Salihorsk on Monday, the railway
operator said, after Lithuania closed the transit route through Klaipeda to the state producer.</p>
<p>Belaruskali did not say how much more the longer route will cost, but traders estimate that freight now
takes a third of the export price, against a tenth before the ban.</p>
<p>The company's earnings, which once paid for a large share of the state budget, fell by half last year
and analysts expect another decline as long as the Baltic route stays closed.</p>
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Hockey club signs Canadian goalkeeper</a></li>
<li><a href="/b">Opposition activist sentenced in Homel</a></li></ul></aside></main>
<footer><p>Copyright 2024 The Minsk Ledger. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def test_a_news_page_keeps_the_article_and_drops_navigation_footer_and_link_lists():
    cleaned = clean(NEWS_PAGE)
    assert cleaned.startswith("Potash trains reroute to Russian ports")
    for kept in ("first trains carrying Belarusian potash", "a third of the export price", "fell by half last year"):
        assert kept in " ".join(cleaned.split())
    for dropped in ("cookies", "Accept all", "Politics", "Sport", "Hockey club", "sentenced in Homel", "Copyright",
                    "Privacy", "| The Minsk Ledger"):
        assert dropped not in cleaned


def test_an_html_fragment_is_read_as_a_page_body():
    assert clean("<p>Minsk and Moscow signed a gas deal on Tuesday after long talks.</p>") == \
        "Minsk and Moscow signed a gas deal on Tuesday after long talks."


def test_plain_articles_pass_through_unchanged():
    text = "Belarus raised the price of electricity for households.\n\nThe change starts in May."
    assert clean(text) == text


def test_a_sentence_starting_with_a_keyword_is_not_taken_for_a_caption():
    text = "Photo exhibitions drew crowds in Hrodna, where the museum extended its hours for a week."
    assert clean(text) == text


def test_sentences_split_at_ends_but_not_after_titles():
    assert sentences("Gen. Khrenin spoke. Mr. Makei left!\nNew paragraph") == [
        "Gen. Khrenin spoke.", "Mr. Makei left!", "New paragraph"]


def _reference_clean(text: str) -> str:
    """clean() as first written: every line through the rules, one at a time."""
    import re

    from belclf.clean import _TAIL_HEADING, _is_clutter_line, looks_like_html, main_text

    if looks_like_html(text):
        text = main_text(text)
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        if _TAIL_HEADING.match(line) and any(kept):
            break
        if line and _is_clutter_line(line):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def test_clean_equals_its_reference_definition():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    texts = [json.loads(line)["text"] for line in (root / "training/data/corpus.jsonl").read_text(
        encoding="utf-8").splitlines()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((root / "examples/articles").iterdir()) if p.is_file()]
    texts += [
        "", "\n\n", "  Related  \nMinsk said.\n Related:\nlink", "Related\nRelated\nMinsk.\n\n\n\nRelated\nx",
        "\u2028 Minsk \u2028\n\u00a0 By Anna \u00a0\nPhoto: x\n12 May 2020\nText\u3000\n\x0b\x0cEnd.\x85",
        "May 3, 2021\nBy staff\nSimilar articles\nMinsk grew.\nsimilar ARTICLES —\nOther", "Фото: Ян\nMinsk.\r\nRead also\r\nx",
        "1997: a year\n2001-01-01\nTags:\nMinsk", "ſimilar articles\nMinsk\nſimilar articles\nx",
    ]
    for text in texts:
        assert clean(text) == _reference_clean(text), text[:80]
