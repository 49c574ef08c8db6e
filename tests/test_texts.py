"""Sanitizing texts (records/texts.py): the HTML subset a record page may show, whatever the source wrote."""

from readingroom.records.texts import html_to_plain, sanitize


def test_scripts_handlers_and_dangerous_links_are_removed():
    out = sanitize(
        '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:alert(1)">x</a>'
        '<a href="https://example.org/" target="_blank">y</a><img src=x onerror=alert(1)></p><!-- c -->'
    )
    assert out == '<p>Hi <a>x</a><a href="https://example.org/">y</a></p>'


def test_only_known_classes_are_kept_and_empty_ones_go():
    out = sanitize(
        '<p class="editorial bogus pb">x</p><span class="bogus">y</span>'
        '<a class="note-ref" href="#n1">1</a><div class="  section   ">z</div><p class="">e</p>'
    )
    assert out == (
        '<p class="editorial pb">x</p><span>y</span><a class="note-ref" href="#n1">1</a>'
        '<div class="section">z</div><p>e</p>'
    )


def test_page_breaks_ids_and_table_spans_survive():
    markup = (
        '<p id="d74-p1">Text <span class="pb" data-page="211">[Page 211]</span> on.</p>'
        '<table><tr><td colspan="2" style="color:red">cell</td></tr></table>'
    )
    assert sanitize(markup) == (
        '<p id="d74-p1">Text <span class="pb" data-page="211">[Page 211]</span> on.</p>'
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>'
    )
    assert html_to_plain(sanitize(markup)) == "Text [Page 211] on.\ncell"
