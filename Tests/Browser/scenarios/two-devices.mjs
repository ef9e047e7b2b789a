// One person in two browser profiles (two devices): reading in one clears the unread badge in
// the other, and a deletion disappears from both. Then a group and its members.

import {
  assertEqual, expectText, messageTexts, openChat, openClient, poll, registerUser, scenario, screenshot, send, signIn, signUp,
  startDirect, uniqueName,
} from '../lib/harness.mjs';

await scenario('two-devices', async (ctx) => {
  const carolName = uniqueName('carol');
  const daveName = uniqueName('dave');
  const laptop = await openClient(ctx);
  await signUp(laptop, carolName, 'Carol Danvers');
  const phone = await openClient(ctx, { width: 1000, height: 720 });
  await signIn(phone, carolName);
  const dave = await openClient(ctx);
  await signUp(dave, daveName, 'Dave Lister');

  await startDirect(dave, carolName);
  await send(dave, 'Morning! Did you see the launch?');
  await send(dave, 'Call me when you can');

  for (const page of [laptop, phone]) {
    await expectText(page.locator('[data-testid="chat-item"][data-title="Dave Lister"] [data-testid="unread-badge"]'), '2');
  }
  await screenshot(ctx, phone, 'chat-list-unread');

  // Reading on the laptop clears the badge on the phone.
  await openChat(laptop, 'Dave Lister');
  await phone.locator('[data-testid="chat-item"][data-title="Dave Lister"] [data-testid="unread-badge"]').waitFor({ state: 'detached' });
  await poll(async () => (await phone.title()) === 'ChatOrleans' || `phone title is ${await phone.title()}`);

  // A message sent on the laptop shows on the phone; deleting it removes it from both and from Dave.
  await openChat(phone, 'Dave Lister');
  await send(laptop, 'Oops, wrong chat');
  for (const page of [laptop, phone, dave]) {
    await poll(async () => (await messageTexts(page)).includes('Oops, wrong chat') || 'message not shown');
  }
  laptop.once('dialog', (d) => d.accept());
  const mine = laptop.locator('.timeline [data-testid="message"]', { hasText: 'Oops, wrong chat' });
  await mine.hover();
  await mine.getByTestId('delete-message').click();
  const expected = ['Morning! Did you see the launch?', 'Call me when you can'];
  for (const page of [laptop, phone, dave]) {
    await poll(async () => JSON.stringify(await messageTexts(page)) === JSON.stringify(expected) || `still ${JSON.stringify(await messageTexts(page))}`);
  }
  await expectText(phone.locator('[data-testid="chat-item"][data-title="Dave Lister"] [data-testid="chat-preview"]'), 'Call me when you can');

  // A group: create it, add someone, remove them; every device of Carol follows.
  const erin = uniqueName('erin');
  await registerUser(ctx.baseUrl, erin, 'Erin Brockovich');
  await laptop.getByTestId('new-chat-button').click();
  await laptop.getByTestId('tab-group').click();
  await laptop.getByTestId('group-name').fill('Weekend plans');
  await laptop.getByTestId('group-members').fill(daveName);
  await laptop.getByTestId('new-chat-submit').click();
  await expectText(laptop.getByTestId('conversation-title'), 'Weekend plans');
  await send(laptop, 'Hiking on Saturday?');
  await dave.locator('[data-testid="chat-item"][data-title="Weekend plans"]').waitFor();
  await phone.locator('[data-testid="chat-item"][data-title="Weekend plans"]').waitFor();
  await laptop.getByTestId('members-button').click();
  await laptop.getByTestId('add-member-username').fill(erin);
  await laptop.getByTestId('add-member').click();
  await poll(async () => (await laptop.getByTestId('member').count()) === 3 || 'erin not listed');
  await openChat(dave, 'Weekend plans');
  await expectText(dave.locator('.conversation-subtitle'), '3 members');
  await screenshot(ctx, laptop, 'group-members');
  const erinRow = laptop.getByTestId('member').filter({ hasText: 'Erin Brockovich' });
  await erinRow.getByTestId('remove-member').click();
  await poll(async () => (await laptop.getByTestId('member').count()) === 2 || 'erin still listed');
  await expectText(dave.locator('.conversation-subtitle'), '2 members');
  assertEqual(await messageTexts(dave), ['Hiking on Saturday?'], 'group messages on Dave\'s side');
});
