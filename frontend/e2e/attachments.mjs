// Files from disk: the file picker (with a throttled upload, so its progress shows), a pasted image and a PDF dropped
// on the thread; each checked in the browser, uploaded to the Api, shown at once in both agents' threads, and sent
// to WhatsApp (the simulator) by a media id whose bytes are the file's. Files WhatsApp would refuse never leave.
import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { SIMULATOR, eventually, screenshot } from './harness.mjs';

/** A real PNG of random pixels (incompressible: its size is about width × height × 3 bytes). */
export function noisePng(width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const at = y * (width * 3 + 1);
    rows[at] = 0; // no filter
    for (let x = 1; x <= width * 3; x++) rows[at + x] = (x * 7 + y * 13 + Math.floor(Math.random() * 96)) & 0xff;
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 0 })), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The simulator's record of the latest send of this type to the customer, and the upload it was sent by. */
async function sentByMediaId(customer, type) {
  const report = await (await fetch(`${SIMULATOR}/simulator/report`)).json();
  const send = report.sends.filter((s) => s.to.replace('+', '') === customer && s.type === type).at(-1);
  if (!send?.mediaId) return null;
  return { send, upload: report.uploads.find((u) => u.id === send.mediaId) };
}

/** `a` and `b` show the customer's conversation, its window open. */
export async function attachFromDisk({ a, b, customer, run }) {
  const page = a.page;
  const uploads = [];
  page.on('request', (r) => r.url().endsWith('/api/uploads') && r.method() === 'POST' && uploads.push(r));

  // Refused in the browser, with WhatsApp's rule, before a byte is sent.
  await page.setInputFiles('[data-testid=file-input]', { name: 'holiday.png', mimeType: 'image/png', buffer: noisePng(1300, 1400) });
  await page.locator('[data-testid=attachment-error]', { hasText: 'Images may be at most 5 MB on WhatsApp' }).waitFor();
  await screenshot(page, 'attach-refused');
  await page.setInputFiles('[data-testid=file-input]', { name: 'dance.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
  await page.locator('[data-testid=attachment-error]', { hasText: 'WhatsApp does not take image/gif' }).waitFor();
  await page.click('[data-testid=discard-attachment]');
  if (uploads.length) throw new Error('a refused file was uploaded');

  // 1. The file picker, on a slow uplink: the upload's progress shows while the agent writes a caption.
  const photo = noisePng(360, 360);
  const caption = `Your receipt ${run}`;
  const cdp = await a.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 96 * 1024 });
  try {
    await page.setInputFiles('[data-testid=file-input]', { name: `receipt-${run}.png`, mimeType: 'image/png', buffer: photo });
    await page.fill('[data-testid=attachment-caption]', caption);
    await eventually(() => page.$eval('[data-testid=upload-progress]', (p) => Number(p.dataset.percent) > 0 && Number(p.dataset.percent) < 100),
      'the upload to report its progress');
    await screenshot(page, 'attach-upload');
    await page.locator('[data-testid=attachment][data-phase=uploaded]').waitFor({ timeout: 30_000 });
  } finally {
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  }
  await page.click('[data-testid=send-attachment]');
  // The agent's own copy, at once, and the colleague's: the picture is served by the Api before WhatsApp has it.
  for (const { page: p } of [a, b]) {
    await p.locator('[data-testid=message][data-direction=outbound]', { hasText: caption }).locator('img.media-img[src^="blob:"]').waitFor();
  }
  await page.locator('[data-testid=message][data-direction=outbound][data-status=read]', { hasText: caption }).waitFor({ timeout: 20_000 });
  const picked = await eventually(() => sentByMediaId(customer, 'image'), 'the image to reach WhatsApp by a media id');
  if (picked.upload?.sha256 !== sha256(photo)) throw new Error(`WhatsApp got ${JSON.stringify(picked.upload)}, not the file`);

  // 2. An image pasted into the composer (a screenshot from the clipboard).
  const pasted = noisePng(120, 80);
  await page.click('[data-testid=composer]');
  await page.evaluate(({ base64 }) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const clipboard = new DataTransfer();
    clipboard.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
    document.querySelector('[data-testid=composer]').dispatchEvent(new ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true, cancelable: true }));
  }, { base64: pasted.toString('base64') });
  await page.locator('[data-testid=attachment][data-phase=uploaded]').waitFor();
  const pastedCaption = `The screenshot ${run}`;
  await page.fill('[data-testid=attachment-caption]', pastedCaption);
  await page.keyboard.press('Enter'); // Enter in the caption sends
  await page.locator('[data-testid=message][data-direction=outbound]', { hasText: pastedCaption }).locator('img.media-img[src^="blob:"]').waitFor();
  await eventually(async () => (await sentByMediaId(customer, 'image'))?.upload?.sha256 === sha256(pasted), 'the pasted image to reach WhatsApp');

  // 3. A PDF dropped on the thread: sent as a document with its name.
  const pdfName = `Invoice ${run}.pdf`;
  const pdf = `%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF ${run}\n`;
  const files = await page.evaluateHandle(({ text, name }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, { type: 'application/pdf' }));
    return transfer;
  }, { text: pdf, name: pdfName });
  await page.dispatchEvent('[data-testid=messages]', 'dragover', { dataTransfer: files });
  await page.locator('[data-testid=drop-zone]').waitFor();
  await screenshot(page, 'attach-drop');
  await page.dispatchEvent('[data-testid=messages]', 'drop', { dataTransfer: files });
  await page.locator('[data-testid=attachment][data-phase=uploaded]', { hasText: pdfName }).waitFor();
  await page.click('[data-testid=send-attachment]');
  await page.locator('[data-testid=message][data-direction=outbound] button.doc', { hasText: pdfName }).waitFor();
  await b.page.locator('[data-testid=message][data-direction=outbound] button.doc', { hasText: pdfName }).waitFor();
  const dropped = await eventually(() => sentByMediaId(customer, 'document'), 'the document to reach WhatsApp');
  if (dropped.upload?.sha256 !== sha256(Buffer.from(pdf)) || dropped.upload.fileName !== pdfName) {
    throw new Error(`WhatsApp got ${JSON.stringify(dropped.upload)}`);
  }
  await page.locator('[data-testid=message][data-direction=outbound][data-status=read] button.doc', { hasText: pdfName }).waitFor({ timeout: 20_000 });
  await screenshot(page, 'attach');
  if (uploads.length !== 3) throw new Error(`${uploads.length} uploads for 3 files`);
}
