// Two people in two browser profiles: sign up, start a direct chat, write both ways; typing and
// read receipts show up on the other side.

import {
  expectText, messageTexts, openChat, openClient, poll, assertEqual, scenario, screenshot, send, signUp, startDirect, uniqueName,
} from '../lib/harness.mjs';

await scenario('direct-chat', async (ctx) => {
  const aliceName = uniqueName('alice');
  const bobName = uniqueName('bob');
  const alice = await openClient(ctx);
  await screenshot(ctx, alice, 'sign-in');
  await signUp(alice, aliceName, 'Alice Liddell');
  const bob = await openClient(ctx);
  await signUp(bob, bobName, 'Bob Builder');

  await startDirect(alice, bobName);
  await expectText(alice.getByTestId('conversation-title'), 'Bob Builder');
  await send(alice, 'Hi Bob! Are you around?');

  // Bob sees the new chat with an unread badge, then opens it.
  const bobItem = bob.locator('[data-testid="chat-item"][data-title="Alice Liddell"]');
  await expectText(bobItem.getByTestId('unread-badge'), '1');
  await expectText(bobItem.getByTestId('chat-preview'), 'Hi Bob! Are you around?');
  await openChat(bob, 'Alice Liddell');
  await poll(async () => (await messageTexts(bob)).includes('Hi Bob! Are you around?') || 'message not shown');
  await bobItem.getByTestId('unread-badge').waitFor({ state: 'detached' });

  // Bob reading it is a receipt on Alice's side.
  await expectText(alice.locator('.timeline [data-testid="message-status"]'), 'Seen');

  // Typing: Bob types, Alice sees it; Bob sends, and it goes away.
  await bob.getByTestId('composer-input').pressSequentially('Yes, I am', { delay: 20 });
  await expectText(alice.getByTestId('typing-indicator'), 'Bob Builder is typing…');
  await screenshot(ctx, alice, 'conversation-typing');
  await bob.getByTestId('send-button').click();
  await expectText(alice.getByTestId('typing-indicator'), '');
  await poll(async () => (await messageTexts(alice)).includes('Yes, I am') || 'reply not shown');

  // More both ways; both sides show the same conversation in the same order.
  await send(alice, 'Great — lunch at noon?');
  // Bob answers what he sees, so the order of the two is not a race between two sockets.
  await poll(async () => (await messageTexts(bob)).includes('Great — lunch at noon?') || 'bob has not seen the question');
  await send(bob, 'Sounds good, see you then');
  const expected = ['Hi Bob! Are you around?', 'Yes, I am', 'Great — lunch at noon?', 'Sounds good, see you then'];
  await poll(async () => JSON.stringify(await messageTexts(alice)) === JSON.stringify(expected) || `alice sees ${JSON.stringify(await messageTexts(alice))}`);
  await poll(async () => JSON.stringify(await messageTexts(bob)) === JSON.stringify(expected) || `bob sees ${JSON.stringify(await messageTexts(bob))}`);
  await expectText(bob.locator('.timeline [data-testid="message-status"]'), 'Seen');

  // A reply in a thread.
  const first = alice.locator('.timeline [data-testid="message"]').first();
  await first.hover();
  await first.getByTestId('reply-button').click();
  await alice.getByTestId('thread-panel').waitFor();
  await send(alice, 'Let us meet at the usual place', 'thread-');
  await expectText(bob.locator('.timeline [data-testid="message"]').first().getByTestId('replies-link'), '1 reply');
  await bob.locator('.timeline [data-testid="reply-context"]').last().click();
  await poll(async () => (await bob.getByTestId('thread-panel').getByTestId('message-text').allTextContents())
    .includes('Let us meet at the usual place') || 'thread reply not in the panel');
  await screenshot(ctx, bob, 'thread');
  assertEqual((await messageTexts(alice)).length, 5, 'messages in the timeline');

  // The narrow layout: the conversation fills the screen, with a way back to the list.
  await bob.setViewportSize({ width: 390, height: 760 });
  await bob.getByTestId('thread-panel').locator('button[aria-label="Close thread"]').click();
  await screenshot(ctx, bob, 'mobile-conversation');
  await bob.locator('button[aria-label="Back to chats"]').click();
  await bob.getByTestId('chat-list').waitFor();
  await screenshot(ctx, bob, 'mobile-chat-list');
});
