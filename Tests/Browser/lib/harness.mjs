// What every scenario shares: the system Chromium, fresh contexts, signing up through the UI,
// waiting on what the page shows (never sleeping), screenshots, and failing loudly.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = 20000;

export function parseArgs() {
  const [baseUrl, screenshotDir] = process.argv.slice(2);
  if (!baseUrl || !screenshotDir) {
    console.error('usage: node <scenario> <baseUrl> <screenshotDir>');
    process.exit(2);
  }
  mkdirSync(screenshotDir, { recursive: true });
  return { baseUrl: baseUrl.replace(/\/$/, ''), screenshotDir };
}

/** Runs a scenario with a browser; any failure prints its reason and exits non-zero. */
export async function scenario(name, body) {
  const args = parseArgs();
  if (!existsSync(CHROMIUM)) {
    console.error(`Chromium is not at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    process.exit(3);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const problems = [];
  const ctx = { ...args, browser, problems, pages: [] };
  try {
    await body(ctx);
    if (problems.length) throw new Error(`The pages reported problems:\n${problems.join('\n')}`);
    console.log(`${name}: passed`);
  } catch (e) {
    console.error(`${name}: FAILED\n${e.stack ?? e}`);
    for (const [i, page] of ctx.pages.entries()) {
      try { await page.screenshot({ path: join(args.screenshotDir, `failure-${name}-${i}.png`) }); } catch { /* closed */ }
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** A fresh context (its own storage: another browser profile) and a page on the client. */
export async function openClient(ctx, { width = 1200, height = 780 } = {}) {
  const context = await ctx.browser.newContext({ viewport: { width, height }, baseURL: ctx.baseUrl });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on('pageerror', (e) => ctx.problems.push(`page error: ${e.message}`));
  // The bearer token must never travel in a URL: sockets open with a single-use ticket.
  page.on('websocket', (ws) => {
    const query = new URL(ws.url()).searchParams;
    if (query.has('access_token') || !query.has('ticket')) ctx.problems.push(`socket opened without a ticket: ${ws.url().replace(/(access_token|ticket)=[^&]*/g, '$1=…')}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) ctx.problems.push(`console: ${m.text()}`);
  });
  ctx.pages.push(page);
  await page.goto('/');
  return page;
}

export function uniqueName(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 32);
}

export async function signUp(page, username, displayName) {
  const form = page.getByTestId('auth-form');
  await form.waitFor();
  await page.getByTestId('auth-toggle').click();
  await page.getByTestId('username').fill(username);
  if (displayName) await page.getByTestId('display-name').fill(displayName);
  await page.getByTestId('password').fill('password123');
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('me-name').waitFor();
  await waitOnline(page);
}

export async function signIn(page, username) {
  await page.getByTestId('auth-form').waitFor();
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill('password123');
  await page.getByTestId('auth-submit').click();
  await page.getByTestId('me-name').waitFor();
  await waitOnline(page);
}

/** Online means the socket is open and caught up: the banner is gone. */
export async function waitOnline(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="connection-banner"]')?.dataset.state === 'online');
}

export async function startDirect(page, username) {
  await page.getByTestId('new-chat-button').click();
  await page.getByTestId('new-chat-username').fill(username);
  await page.getByTestId('new-chat-submit').click();
  await page.getByTestId('conversation-title').waitFor();
}

export async function openChat(page, title) {
  await page.locator(`[data-testid="chat-item"][data-title="${title}"]`).click();
  await expectText(page.getByTestId('conversation-title'), title);
}

export async function send(page, text, prefix = '') {
  await page.getByTestId(`${prefix}composer-input`).fill(text);
  await page.getByTestId(`${prefix}send-button`).click();
}

/** The texts of the messages shown in the open conversation, in order. */
export function messageTexts(page) {
  return page.locator('.timeline [data-testid="message"] [data-testid="message-text"]').allTextContents();
}

export async function expectText(locator, expected, timeout = TIMEOUT_MS) {
  await poll(async () => {
    const text = (await locator.textContent({ timeout: 1000 }).catch(() => null))?.trim();
    return text === expected ? true : `expected "${expected}", saw "${text}"`;
  }, timeout);
}

/** Polls `check` until it returns true; a string result is the last reason, used on timeout. */
export async function poll(check, timeout = TIMEOUT_MS, interval = 100) {
  const until = Date.now() + timeout;
  let last = 'never checked';
  while (Date.now() < until) {
    const result = await check();
    if (result === true) return;
    last = result;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`Timed out: ${last}`);
}

export function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export async function screenshot(ctx, page, name) {
  await page.screenshot({ path: join(ctx.screenshotDir, `${name}.png`) });
}

/** Registers a user straight through the HTTP API (for people who only need to exist). */
export async function registerUser(baseUrl, username, displayName) {
  const response = await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: 'password123', display_name: displayName }),
  });
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
  return response.json();
}
