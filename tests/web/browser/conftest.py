"""Real-browser fixtures: Debian's Chromium (/usr/bin/chromium, installed by `make
browser-deps`) driven by Playwright for Python against pytest-django's live server. Every
test saves a screenshot of the page it checks under test-output/screenshots/."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("TEST_OUTPUT_DIR", ROOT / "test-output")) / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-dev-shm-usage"]

@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API keeps an asyncio loop running in
    the test thread while it is open, and Django refuses ORM calls from such a thread unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set (safe here: the loop never runs our code concurrently).
    Both end with the module, so no other test runs with the check switched off."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} fehlt / missing: run `make browser-deps` "
                    "(apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="de-DE",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="de-DE",
                                  viewport={"width": 375, "height": 740}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    """screenshot(page, "step") saves <test name>[-step].png and returns its path."""
    def take(page, step: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")
        path = SCREENSHOTS / (f"{name}-{step}.png" if step else f"{name}.png")
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path
    return take


@pytest.fixture
def login():
    def do(page, user, password: str = "pw-for-tests-1") -> None:
        page.goto("/konto/anmelden/")
        page.get_by_label("Benutzername").fill(user.get_username())
        page.get_by_label("Passwort").fill(password)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_load_state()
        assert page.get_by_role("button", name="Abmelden").is_visible()
    return do


@pytest.fixture
def axe():
    """Run axe-core (from node_modules, installed by `npm ci`) in the page; returns the
    violations of impact serious or critical."""
    if not AXE.exists():
        pytest.fail(f"{AXE} fehlt / missing: run `make browser-deps` (npm ci)")
    source = AXE.read_text()

    def check(page) -> list[dict]:
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy (no
        # inline scripts) stays in force for the page itself.
        page.evaluate(source)
        result = page.evaluate("""async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}
        })""")
        return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]
    return check
