from grader.services.exercises.markup import latex_to_mathml, render_markdown


def test_math_becomes_mathml_and_html_is_escaped():
    html = render_markdown("Let $y = 2x$ <script>alert(1)</script>\n\n$$z = 5y$$")
    assert html.count("<math") == 2 and "<script>" not in html


def test_latex_cannot_smuggle_scripts_or_links():
    assert "<script" not in latex_to_mathml(r"\text{<script>alert(1)</script>}")
    assert "javascript" not in latex_to_mathml(r"\href{javascript:alert(1)}{x}")


def _tags_with_event_handlers(html: str) -> list[tuple[str, str]]:
    """(tag, attribute) for each on...= attribute, as a browser's parser reads the HTML."""
    from html.parser import HTMLParser

    found: list[tuple[str, str]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, name) for name, _ in attrs if name.lower().startswith("on"))

    Parser().feed(html)
    return found


def test_math_placed_in_a_link_or_image_cannot_add_attributes():
    # The placeholder for math was substituted after Markdown rendered, also inside a URL or
    # title attribute; LaTeX that latex2mathml cannot convert came back with its quotes raw.
    for text in (
        r'![i](MATHSLOT0X) $\left( " onerror="alert(1)$',
        r'[a](http://x "MATHSLOT0X") $\left( " onmouseover="alert(1)$',
        r"[a]($\left( ' onmouseover='alert(1)$)",
    ):
        html = render_markdown(text)
        assert not _tags_with_event_handlers(html), html


def test_unconvertible_latex_is_shown_with_quotes_escaped():
    assert latex_to_mathml(r'\left( "x"') == "<code>\\left( &quot;x&quot;</code>"


def test_statement_text_that_looks_like_a_placeholder_is_kept():
    assert "MATHSLOT7X" in render_markdown("MATHSLOT7X and $x$")  # was an IndexError (500)


def test_feedback_math_becomes_mathml():
    from grader.services.exercises.markup import render_feedback

    html = render_feedback("40 is $dy/dx$ at $x = 10$")
    assert html.count("<math") == 2 and "$" not in html
    assert not html.startswith("<p>")  # one paragraph stands in a sentence
    product = render_feedback("Use $(uv)' = u'v + uv'$ with $v = \\sin x$.")
    assert "<mi>sin</mi>" in product and "$" not in product


def test_feedback_is_sanitised_like_statements():
    from grader.services.exercises.markup import render_feedback

    html = render_feedback('<img src=x onerror="alert(1)"> **bold** $\\text{<script>}$')
    assert "<img" not in html and "<script" not in html and "<strong>bold</strong>" in html
    assert not _tags_with_event_handlers(render_feedback("[a]($\\left( ' onmouseover='x$)"))
    assert render_feedback("") == ""
    two = render_feedback("First.\n\nSecond.")
    assert two.count("<p>") == 2


def test_feedback_keeps_the_stars_of_quoted_expressions():
    from grader.services.exercises.markup import render_feedback

    assert render_feedback("its inside, 2*x*y (chain rule)") == "its inside, 2*x*y (chain rule)"
    assert render_feedback("x**2 + 3*(x+1)") == "x**2 + 3*(x+1)"
    kept = render_feedback("*careful*: `3*x*y` and **this**")
    assert kept.startswith("<em>careful</em>") and "<code>3*x*y</code>" in kept
    assert "<strong>this</strong>" in kept


def test_feedback_rendering_cost_is_bounded():
    from grader.services.exercises.markup import MAX_FEEDBACK_CHARS, render_feedback

    hostile = "$$" + "a*" * 50_000 + "`" * 1000 + "$" * 1000
    assert len(render_feedback(hostile)) < 20 * MAX_FEEDBACK_CHARS


def test_statements_render_from_many_request_threads_at_once():
    """An exam's first minute: every student opens the assignment at once, each statement
    with their own parameters (a shared Markdown parser failed with 'none of the block rules
    matched')."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"Let $y = {k}x^2$ and\n\n1. compute **this** {k}\n2. and that" for k in range(400)]
    with ThreadPoolExecutor(16) as pool:
        pages = list(pool.map(render_markdown, texts))
    assert all("<ol>" in page and "<math" in page for page in pages)
