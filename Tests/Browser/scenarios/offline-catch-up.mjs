// A device that goes offline and comes back shows every message it missed, once and in order,
// and what it wrote while offline goes out when it is back.

import {
  assertEqual, expectText, messageTexts, openChat, openClient, poll, scenario, screenshot, send, signUp, startDirect, uniqueName,
  waitOnline,
} from '../lib/harness.mjs';

await scenario('offline-catch-up', async (ctx) => {
  const frankName = uniqueName('frank');
  const graceName = uniqueName('grace');
  const frank = await openClient(ctx);
  await signUp(frank, frankName, 'Frank Ocean');
  const grace = await openClient(ctx);
  await signUp(grace, graceName, 'Grace Hopper');

  await startDirect(frank, graceName);
  await send(frank, 'before 1');
  // Grace answers what she sees: her message is ordered after Frank's, never raced against it.
  await openChat(grace, 'Frank Ocean');
  await poll(async () => JSON.stringify(await messageTexts(grace)) === JSON.stringify(['before 1']) || `grace shows ${JSON.stringify(await messageTexts(grace))}`);
  await send(grace, 'before 2');
  await poll(async () => JSON.stringify(await messageTexts(frank)) === JSON.stringify(['before 1', 'before 2']) || `frank shows ${JSON.stringify(await messageTexts(frank))}`);

  // Grace's network goes away: the client notices and says so.
  await grace.context().setOffline(true);
  await grace.waitForFunction(() => document.querySelector('[data-testid="connection-banner"]')?.dataset.state === 'offline');
  const missed = [];
  for (let i = 1; i <= 6; i++) {
    missed.push(`missed ${i}`);
    await send(frank, `missed ${i}`);
  }
  await poll(async () => (await frank.locator('[data-testid="pending-message"]').count()) === 0 || 'frank still sending');
  await send(grace, 'written offline');
  await expectText(grace.locator('[data-testid="pending-message"] [data-testid="message-status"]'), 'Waiting for connection…');
  // Nothing reached her meanwhile: the socket really was gone.
  assertEqual(await messageTexts(grace), ['before 1', 'before 2'], 'what Grace shows while offline');
  await screenshot(ctx, grace, 'offline');

  await grace.context().setOffline(false);
  await waitOnline(grace);
  const expected = ['before 1', 'before 2', ...missed, 'written offline'];
  await poll(async () => JSON.stringify(await messageTexts(grace)) === JSON.stringify(expected) || `grace shows ${JSON.stringify(await messageTexts(grace))}`);
  await poll(async () => JSON.stringify(await messageTexts(frank)) === JSON.stringify(expected) || `frank shows ${JSON.stringify(await messageTexts(frank))}`);
  const seqs = await grace.locator('.timeline [data-testid="message"]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assertEqual(seqs, expected.map((_, i) => i + 1), 'seqs on Grace\'s side');

  // A second outage, shorter, right after: still nothing twice.
  await grace.context().setOffline(true);
  await grace.waitForFunction(() => document.querySelector('[data-testid="connection-banner"]')?.dataset.state === 'offline');
  await send(frank, 'after 1');
  await poll(async () => (await frank.locator('[data-testid="pending-message"]').count()) === 0 || 'frank still sending');
  await grace.context().setOffline(false);
  await waitOnline(grace);
  await poll(async () => JSON.stringify(await messageTexts(grace)) === JSON.stringify([...expected, 'after 1']) || `grace shows ${JSON.stringify(await messageTexts(grace))}`);
});
