from grader.services.markup import latex_to_mathml, render_markdown


def test_math_becomes_mathml_and_html_is_escaped():
    html = render_markdown("Let $y = 2x$ <script>alert(1)</script>\n\n$$z = 5y$$")
    assert html.count("<math") == 2 and "<script>" not in html


def test_latex_cannot_smuggle_scripts_or_links():
    assert "<script" not in latex_to_mathml(r"\text{<script>alert(1)</script>}")
    assert "javascript" not in latex_to_mathml(r"\href{javascript:alert(1)}{x}")
