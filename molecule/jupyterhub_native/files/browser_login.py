"""Headless Chromium (Debian's chromium + chromium-driver, through selenium) opens the hub's
login page, logs in with a user's password and waits until JupyterLab has loaded; saves a
screenshot. Run inside the container:

    browser_login.py USER PASSWORD SCREENSHOT SPKI_SHA256

The browser trusts exactly the hub's certificate (its public key's sha256, SPKI pinning) and
nothing else. Prints one JSON object with what it saw.
"""
import json
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

user, password, screenshot, spki = sys.argv[1:5]
options = webdriver.ChromeOptions()
options.binary_location = '/usr/bin/chromium'
for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--window-size=1280,800',
             f'--user-data-dir={tempfile.mkdtemp()}', f'--ignore-certificate-errors-spki-list={spki}'):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
seen = {}
try:
    driver.get('https://127.0.0.1/hub/login')
    wait = WebDriverWait(driver, 30)
    wait.until(ec.presence_of_element_located((By.ID, 'username_input')))
    seen['login_title'] = driver.title
    driver.find_element(By.ID, 'username_input').send_keys(user)
    driver.find_element(By.ID, 'password_input').send_keys(password)
    driver.find_element(By.ID, 'login_submit').click()
    # The hub spawns the server, then redirects to /user/<name>/lab, where JupyterLab builds its shell.
    WebDriverWait(driver, 180).until(ec.presence_of_element_located((By.ID, 'jp-main-dock-panel')))
    WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.CSS_SELECTOR, '.jp-LauncherCard')))
    # JupyterLab asks "Would you like to get notified about official Jupyter news?" in a toast right
    # after start-up unless fetchNews is set; a few seconds for it to appear (it must not).
    time.sleep(5)
    seen['toasts'] = [e.text for e in driver.find_elements(By.CSS_SELECTOR, '.Toastify__toast')]
    seen['news_prompt'] = 'official Jupyter news' in driver.page_source
    seen['url'] = driver.current_url
    seen['title'] = driver.title
    seen['launcher_cards'] = [e.get_attribute('title') or e.text for e in driver.find_elements(By.CSS_SELECTOR, '.jp-LauncherCard')]
finally:
    driver.save_screenshot(screenshot)
    seen.setdefault('url', driver.current_url)
    driver.quit()
print(json.dumps(seen))
