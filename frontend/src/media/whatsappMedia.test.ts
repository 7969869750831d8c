import { describe, expect, it } from 'vitest';
import { ACCEPT, check, classify, MiB, sizeLabel } from './whatsappMedia';

const enc = (s: string) => new TextEncoder().encode(s);
const join = (...parts: (Uint8Array | number[])[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const PDF = enc('%PDF-1.7\n');
const DOCX = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0]);
const MP4 = join([0, 0, 0, 0x20], enc('ftypisom'));
const OGG = enc('OggS\0\x02');
const MP3 = enc('ID3\x04\0');
const STATIC_WEBP = join(enc('RIFF\0\0\0\0WEBPVP8 '), new Array(9).fill(0));
const ANIMATED_WEBP = join(enc('RIFF\0\0\0\0WEBPVP8X'), [0, 0, 0, 0, 0x02, 0, 0]);

describe('classify (mirrors WhatsAppMedia.cs)', () => {
  it.each([
    ['image/png', 'a.png', PNG, 'image', 'image/png'],
    ['image/jpeg', 'a.jpg', JPEG, 'image', 'image/jpeg'],
    ['image/jpg', 'a.jpg', JPEG, 'image', 'image/jpeg'],
    ['application/pdf', 'a.pdf', PDF, 'document', 'application/pdf'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'a.docx', DOCX, 'document',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['video/mp4', 'a.mp4', MP4, 'video', 'video/mp4'],
    ['audio/ogg; codecs=opus', 'a.ogg', OGG, 'audio', 'audio/ogg'],
    ['audio/mpeg', 'a.mp3', MP3, 'audio', 'audio/mpeg'],
    ['image/webp', 'a.webp', STATIC_WEBP, 'sticker', 'image/webp'],
    ['text/plain', 'a.txt', enc('Order #7: two chairs'), 'document', 'text/plain'],
  ])('%s is a WhatsApp %s', (declared, name, head, kind, mime) => {
    const file = classify(declared, name, head);
    expect(file.ok && [file.kind.name, file.mimeType]).toEqual([kind, mime]);
  });

  it('knows a file without a type by its extension, then by its content', () => {
    expect(classify('', 'photo.png', PNG)).toMatchObject({ ok: true, mimeType: 'image/png' });
    expect(classify('application/octet-stream', 'voice.opus', OGG)).toMatchObject({ ok: true, mimeType: 'audio/ogg' });
    expect(classify(undefined, 'no-extension', PDF)).toMatchObject({ ok: true, mimeType: 'application/pdf' });
    expect(classify('', 'mystery', Uint8Array.from([1, 0, 2]))).toMatchObject({ ok: false, status: 415, title: 'Unknown file type' });
  });

  it('refuses a type WhatsApp does not take, naming it', () => {
    const refused = classify('image/gif', 'dance.gif', enc('GIF89a'));
    expect(refused).toMatchObject({ ok: false, status: 415 });
    expect(!refused.ok && refused.detail).toContain('image/gif');
  });

  it('refuses content that is not what it is declared as, saying what it is', () => {
    const renamed = classify('image/png', 'photo.png', PDF);
    expect(!renamed.ok && renamed.detail).toBe('The file is declared as a PNG image (image/png), but its content is a PDF document.');
    expect(classify('text/plain', 'a.txt', Uint8Array.from([1, 2, 0, 4]))).toMatchObject({ ok: false, status: 415 });
    expect(classify('video/mp4', 'a.mp4', OGG)).toMatchObject({ ok: false, status: 415 });
  });
});

describe('check: sizes as WhatsApp limits them', () => {
  it.each([
    ['image/png', 'a.png', PNG, 5 * MiB, 'Images may be at most 5 MB on WhatsApp'],
    ['video/mp4', 'a.mp4', MP4, 16 * MiB, 'Videos may be at most 16 MB on WhatsApp'],
    ['audio/ogg', 'a.ogg', OGG, 16 * MiB, 'Audio files may be at most 16 MB on WhatsApp'],
    ['application/pdf', 'a.pdf', PDF, 100 * MiB, 'Documents may be at most 100 MB on WhatsApp'],
    ['image/webp', 'a.webp', STATIC_WEBP, 100 * 1024, 'Stickers (static WebP) may be at most 100 KB on WhatsApp'],
    ['image/webp', 'a.webp', ANIMATED_WEBP, 500 * 1024, 'Animated stickers may be at most 500 KB on WhatsApp'],
  ])('%s passes at its limit and is 413 one byte over', (declared, name, head, limit, message) => {
    expect(check(declared, name, limit, head).ok).toBe(true);
    const refused = check(declared, name, limit + 1, head);
    expect(refused).toMatchObject({ ok: false, status: 413 });
    expect(!refused.ok && refused.detail).toContain(message);
  });

  it('words sizes as the server does, and refuses an empty file', () => {
    expect(sizeLabel(7 * MiB + 300 * 1024)).toBe('7.3 MB');
    expect(sizeLabel(100 * 1024)).toBe('100 KB');
    expect(sizeLabel(12)).toBe('12 bytes');
    expect(check('image/png', 'a.png', 0, PNG)).toMatchObject({ ok: false, status: 400 });
  });

  it('offers the picker every type and extension WhatsApp takes, and nothing else', () => {
    expect(ACCEPT.split(',')).toEqual(expect.arrayContaining(['image/png', 'application/pdf', 'image/webp', '.docx', '.opus']));
    expect(ACCEPT).not.toContain('image/gif');
  });
});
