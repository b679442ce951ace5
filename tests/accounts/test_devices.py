"""Device names from User-Agent headers: real browsers' headers, and each table row reached."""

from __future__ import annotations

import pytest

from cclibs.accounts.devices import BROWSERS, SYSTEMS, device_name

# Headers as the browsers send them (each copies others' tokens: the order of the tables
# is what tells them apart).
EXAMPLES = {
    "Edg/": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Edge on Windows",
    ),
    "EdgA/": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
        "Edge on Android",
    ),
    "EdgiOS/": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15",
        "Edge on iPhone",
    ),
    "OPR/": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
        "Opera on macOS",
    ),
    "OPiOS/": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) OPiOS/16.0.15 Version/18.0 Mobile/15E148 Safari/9537.53",
        "Opera on iPhone",
    ),
    "SamsungBrowser/": (
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 "
        "(KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "Samsung Internet on Android",
    ),
    "Vivaldi/": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18",
        "Vivaldi on Linux",
    ),
    "YaBrowser/": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
        "Yandex Browser on Windows",
    ),
    "Firefox/": (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Firefox on Linux",
    ),
    "FxiOS/": (
        "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
        "Firefox on iPad",
    ),
    "CriOS/": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        "Chrome on iPhone",
    ),
    "Chromium/": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chromium/131.0.0.0 Chrome/131.0.0.0 Safari/537.36",
        "Chromium on Linux",
    ),
    "Chrome/": (
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Chrome on ChromeOS",
    ),
    "Safari/": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Safari on macOS",
    ),
    "curl/": ("curl/8.5.0", "curl"),
}


@pytest.mark.parametrize("token", [token for token, _ in BROWSERS])
def test_each_browser_row_is_reached_by_a_real_header(token: str) -> None:
    header, expected = EXAMPLES[token]
    assert token in header
    assert device_name(header) == expected


def test_the_examples_cover_the_browser_table_and_every_system() -> None:
    assert set(EXAMPLES) == {token for token, _ in BROWSERS}
    named = {device_name(header) for header, _ in EXAMPLES.values()}
    for _, system in SYSTEMS:
        assert any(name.endswith(f" on {system}") for name in named), system


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "Unknown browser"),
        ("python-httpx/0.28.1", "Unknown browser"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "A browser on Windows"),
        # Headless Chromium, as the browser tests drive it.
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/131.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
    ],
)
def test_headers_without_a_known_browser_or_system(header: str, expected: str) -> None:
    assert device_name(header) == expected
