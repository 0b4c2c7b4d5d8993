import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/gateway.js';

const gw = useGateway();
let browser: Browser;

beforeAll(async () => {
  // Debian's chromium (apt-get install chromium); playwright-core downloads no browser of its own.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
});

describe('GraphiQL in a real browser', () => {
  it('opens in demo mode with the demo headers, runs the example operation and shows its result', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(gw().url.href);
    await page.locator('.graphiql-execute-button').click();
    // The result editor renders spaces as no-break spaces.
    const result = async () => (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
    await expect.poll(result, { timeout: 15_000 }).toContain('"name": "Project Apollo"');
    const text = await result();
    expect(text).toContain('"username": "lena.m"');
    expect(text).not.toContain('"errors"');
    await mkdir(new URL('../artifacts/', import.meta.url), { recursive: true });
    await page.screenshot({ path: new URL('../artifacts/graphiql.png', import.meta.url).pathname });
  }, 60_000);

  it('opens a second tab with the example subscription, which streams the room into the result pane', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(gw().url.href);
    await page.locator('.graphiql-tab').nth(1).click();
    const editor = async () => (await page.locator('.graphiql-query-editor').innerText()).replace(/\u00a0/g, ' ');
    await expect.poll(editor, { timeout: 15_000 }).toContain('subscription RoomChanges');
    await page.locator('.graphiql-execute-button').click();
    const result = async () => {
      const text = (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
      // GraphiQL reads the tab's operation name a moment after its text: on a loaded machine a
      // click that came first runs against the first tab's name, and GraphiQL says so. Click again.
      if (text.includes('Cannot infer operation')) await page.locator('.graphiql-execute-button').click();
      return text;
    };
    await expect.poll(result, { timeout: 15_000 }).toContain('"INITIAL"');
    expect(await result()).toContain('"name": "Project Apollo"');
    await page.screenshot({ path: new URL('../artifacts/graphiql-subscription.png', import.meta.url).pathname });
  }, 60_000);
});

