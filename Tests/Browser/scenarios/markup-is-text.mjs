// User content is text, never markup: a message (and a display name) that looks like HTML shows
// as those characters, and no script runs.

import {
  assertEqual, expectText, messageTexts, openChat, openClient, poll, scenario, send, signUp, startDirect, uniqueName,
} from '../lib/harness.mjs';

const PAYLOAD = '<img src=x onerror=alert(1)>';
const NAME = '<b onmouseover=alert(2)>Jack</b>';

await scenario('markup-is-text', async (ctx) => {
  const jackName = uniqueName('jack');
  const kimName = uniqueName('kim');
  const jack = await openClient(ctx);
  await signUp(jack, jackName, NAME);
  const kim = await openClient(ctx);
  await signUp(kim, kimName, 'Kim Wexler');
  const dialogs = [];
  for (const page of [jack, kim]) page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });

  await startDirect(jack, kimName);
  await send(jack, PAYLOAD);
  await send(jack, 'after the payload');

  const item = kim.locator(`[data-testid="chat-item"][data-title="${NAME}"]`);
  await expectText(item.getByTestId('chat-preview'), 'after the payload');
  await openChat(kim, NAME);
  await poll(async () => JSON.stringify(await messageTexts(kim)) === JSON.stringify([PAYLOAD, 'after the payload']) || 'not shown');
  for (const page of [jack, kim]) {
    assertEqual(await page.locator('img[src="x"], b[onmouseover]').count(), 0, 'elements made from user content');
    const first = page.locator('.timeline [data-testid="message-text"]').first();
    assertEqual(await first.evaluate((el) => el.childElementCount), 0, 'child elements of the message text');
  }
  await expectText(kim.getByTestId('conversation-title'), NAME);
  await kim.locator('.timeline [data-testid="message"]').first().hover();
  assertEqual(dialogs, [], 'dialogs opened');
});
