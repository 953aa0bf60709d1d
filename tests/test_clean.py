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
    assert clean(page) == "Talks in Vilnius\n\nMinisters met & talked for three hours."


def test_plain_articles_pass_through_unchanged():
    text = "Belarus raised the price of electricity for households.\n\nThe change starts in May."
    assert clean(text) == text


def test_a_sentence_starting_with_a_keyword_is_not_taken_for_a_caption():
    text = "Photo exhibitions drew crowds in Hrodna, where the museum extended its hours for a week."
    assert clean(text) == text


def test_sentences_split_at_ends_but_not_after_titles():
    assert sentences("Gen. Khrenin spoke. Mr. Makei left!\nNew paragraph") == [
        "Gen. Khrenin spoke.", "Mr. Makei left!", "New paragraph"]
