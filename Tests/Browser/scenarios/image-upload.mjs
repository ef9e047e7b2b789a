// An image sent by one person shows its preview (thumbnail_url) to the other.

import { deflateSync } from 'node:zlib';
import {
  expectText, openChat, openClient, poll, scenario, screenshot, send, signUp, startDirect, uniqueName,
} from '../lib/harness.mjs';

await scenario('image-upload', async (ctx) => {
  const henryName = uniqueName('henry');
  const irisName = uniqueName('iris');
  const henry = await openClient(ctx);
  await signUp(henry, henryName, 'Henry Ford');
  const iris = await openClient(ctx);
  await signUp(iris, irisName, 'Iris Murdoch');
  await startDirect(henry, irisName);

  await henry.getByTestId('attach-input').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: gradientPng(480, 320) });
  const attachment = henry.locator('[data-testid="attachment"]:not([data-state="uploading"])');
  await attachment.waitFor();
  if ((await attachment.getAttribute('data-state')) !== 'ready') {
    throw new Error(`The upload did not become ready: ${await attachment.textContent()}`);
  }
  await send(henry, 'The view from here');

  await openChat(iris, 'Henry Ford');
  const image = iris.locator('.timeline [data-testid="message-image"]');
  await image.waitFor();
  await poll(async () => (await image.evaluate((img) => img.complete && img.naturalWidth > 0)) || 'the preview did not load');
  await expectText(iris.locator('.timeline [data-testid="message-text"]'), 'The view from here');
  await poll(async () => (await henry.locator('[data-testid="pending-message"]').count()) === 0 || 'still sending');
  await screenshot(ctx, iris, 'image-preview');
});

/** A real PNG made on the spot: a colour gradient, so that its preview is worth looking at. */
function gradientPng(width, height) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const i = row + 1 + x * 3;
      raw[i] = 255 - Math.round((y / height) * 120);
      raw[i + 1] = Math.round((x / width) * 140 + (y / height) * 60);
      raw[i + 2] = Math.round((y / height) * 200);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
