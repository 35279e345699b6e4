// Keyboard and screen-reader friendliness: axe-core's WCAG 2.1 A/AA rules on each portal
// view, and the whole sign-in → forecast path done with the keyboard alone.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, browser, serve, shot, trainedModels } from "./harness.mjs";

let dir, server, chrome;
before(async () => {
  dir = trainedModels(2, { 1: "customer-1-demo" });
  server = await serve(dir);
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  await server?.stop();
});

test("sign in and forecast with the keyboard only; no serious WCAG violations on any view", async () => {
  for (const scheme of ["light", "dark"]) {
    const context = await chrome.newContext({ colorScheme: scheme, viewport: { width: 1000, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url + "/");
    await page.waitForSelector("#customer-id");
    assert.deepEqual(await accessibilityProblems(page), [], `${scheme}: sign-in view`);

    // Keyboard: focus the id field, type, Tab to the password, Enter submits.
    await page.focus("#customer-id");
    await page.keyboard.type("1");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.id), "password");
    await page.keyboard.type("customer-1-demo");
    await page.keyboard.press("Enter");
    await page.waitForSelector(".usage svg polyline.history");
    await page.focus("#horizon");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("5");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelectorAll(".forecast tbody tr").length === 5);
    assert.deepEqual(await accessibilityProblems(page), [], `${scheme}: usage and forecast view`);
    await shot(page, `20-keyboard-${scheme}`);

    await page.click("text=Settings");
    await page.waitForSelector("#endpoint-url");
    assert.deepEqual(await accessibilityProblems(page), [], `${scheme}: settings`);
    await page.click("text=Forecast preview");
    await page.waitForSelector("#readings-file");
    assert.deepEqual(await accessibilityProblems(page), [], `${scheme}: preview`);
    await context.close();
  }
});
