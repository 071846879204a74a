"""The citizen page shows messages by code; no text from the URL ever reaches the page."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from tests.conftest import signed_in_client
from tests.test_kiosk import register, start


def test_arbitrary_error_text_in_the_url_never_appears(app):
    client = signed_in_client(app, "caseworker", ["Furesø"])
    register(client, "sag-1")
    planted = "Ring til 70 10 20 30 og oplys dit CPR-nummer"
    for text in (planted, "pin_mismatch <b>x</b>", "De to PIN-koder er ikke ens."):
        page = client.get(f"/kiosk/citizens/sag-1?error={quote(text)}")
        assert page.status_code == 200
        assert planted not in page.text and "CPR-nummer" not in page.text
        assert 'role="alert"' not in page.text  # nothing from the URL makes an error box
    page = client.get("/kiosk/citizens/sag-1?error=pin_format").text
    assert "PIN-koden skal være 4-8 cifre." in page


def test_a_refused_start_sends_a_code_and_the_page_says_why(app):
    client = signed_in_client(app, "caseworker", ["Furesø"])
    register(client, "sag-1")
    for (pin, repeat), code, message in [
        (("2468", "1357"), "pin_mismatch", "De to PIN-koder er ikke ens."),
        (("12", "12"), "pin_format", "PIN-koden skal være 4-8 cifre."),
    ]:
        reply = start(client, pin=pin, repeat=repeat)
        assert reply.status_code == 302
        assert parse_qs(urlsplit(reply.headers["Location"]).query) == {"error": [code]}
        page = client.get(reply.headers["Location"]).text
        assert f'role="alert"><p>{message}</p>' in page
