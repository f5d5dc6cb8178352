"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver, driven by
Selenium from PyPI), and the screenshots they leave in tests/compat/screenshots/."""
import shutil
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def chromium(*arguments):
    """A headless Chromium; `arguments` are more of its command-line switches."""
    binary = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    assert binary and driver_path, "scripts/test installs Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,860", *arguments):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver_path), options=options)


def shot(driver, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def wait_for_text(driver, text, timeout=15):
    try:
        # The page may be replaced while it is read (a form posted, a redirect followed): a stale
        # element, or a node that no longer belongs to the document, is read again.
        WebDriverWait(driver, timeout, ignored_exceptions=[WebDriverException]).until(expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), text))
    except Exception:
        shot(driver, "failed")
        raise AssertionError(f"{text!r} not on {driver.current_url}: {driver.find_element(By.TAG_NAME, 'body').text[:500]}")


def follow(driver, link_text, timeout=15):
    """Clicks a link and waits until the page it leads to has replaced this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.LINK_TEXT, link_text).click()
    WebDriverWait(driver, timeout).until(expected_conditions.staleness_of(old))
