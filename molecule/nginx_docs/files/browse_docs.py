"""Headless Chromium (Debian's chromium + chromium-driver, through Debian's python3-selenium) opens
the dbt docs over HTTPS, finds a model and opens its lineage graph; saves a screenshot. Run inside
the container:

    browse_docs.py URL USER PASSWORD CA_FILE MODEL_ID SCREENSHOT

The browser trusts the platform CA only through a fresh NSS database (certutil) in a fresh HOME: no
certificate errors are ignored. The basic auth credentials go in an Authorization header set over
the DevTools protocol. Prints one JSON object with what it saw.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

url, user, password, ca_file, model_id, screenshot = sys.argv[1:7]
home = tempfile.mkdtemp()
nssdb = os.path.join(home, '.pki', 'nssdb')
os.makedirs(nssdb)
subprocess.run(['certutil', '-N', '-d', 'sql:' + nssdb, '--empty-password'], check=True)
subprocess.run(['certutil', '-A', '-d', 'sql:' + nssdb, '-n', 'datamesh platform CA', '-t', 'C,,', '-i', ca_file],
               check=True)
os.environ['HOME'] = home

options = webdriver.ChromeOptions()
options.binary_location = '/usr/bin/chromium'
for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--window-size=1400,900', '--disable-dev-shm-usage',
             '--user-data-dir=' + os.path.join(home, 'profile')):
    options.add_argument(flag)
options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
seen = {}
try:
    token = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    driver.execute_cdp_cmd('Network.enable', {})
    driver.execute_cdp_cmd('Network.setExtraHTTPHeaders', {'headers': {'Authorization': 'Basic ' + token}})
    wait = WebDriverWait(driver, 60)
    # The model's page: dbt docs fetches manifest.json and catalog.json, then renders it.
    driver.get('%s#!/model/%s' % (url, model_id))
    name = model_id.rsplit('.', 1)[-1]
    heading = (By.XPATH, "//h1[contains(normalize-space(.), '%s')]" % name)
    wait.until(ec.visibility_of_element_located(heading))
    seen['title'] = driver.title
    seen['heading'] = driver.find_element(*heading).text
    seen['page_text'] = driver.find_element(By.TAG_NAME, 'body').text[:5000]
    # The lineage graph: the launcher button opens cytoscape's view of the model's parents and children.
    driver.find_element(By.CSS_SELECTOR, 'a[ng-click="onLauncherClick()"]').click()
    wait.until(ec.visibility_of_element_located((By.XPATH, "//*[contains(@class, 'launcher')]//h6[contains(., 'Lineage Graph')]")))
    wait.until(lambda d: [c for c in d.find_elements(By.CSS_SELECTOR, '.launcher canvas') if c.size['width'] > 100])
    time.sleep(3)   # let cytoscape lay out and paint the graph
    seen['graph_url'] = driver.current_url
    seen['graph_canvases'] = len(driver.find_elements(By.CSS_SELECTOR, '.launcher canvas'))
    seen['graph_text'] = driver.find_element(By.CSS_SELECTOR, '.launcher').text[:2000]
    # The graph's nodes as cytoscape holds them (its canvas has no DOM text).
    seen['graph_nodes'] = driver.execute_script(
        "var cy = null; document.querySelectorAll('.launcher *').forEach(function (e) {"
        "  if (!cy && e._cyreg && e._cyreg.cy) { cy = e._cyreg.cy; } });"
        "return cy ? cy.nodes(':visible').map(function (n) { return n.data('label') || n.id(); }) : null;")
finally:
    driver.save_screenshot(screenshot)
    seen['url'] = driver.current_url
    try:
        seen['console'] = [entry['message'] for entry in driver.get_log('browser')]
    except Exception as exc:  # pylint: disable=broad-except
        seen['console_error'] = str(exc)
    driver.quit()
print(json.dumps(seen))
