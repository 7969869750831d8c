// What WhatsApp takes as media, checked before a file is uploaded: the mirror of the server's rules
// (shared/Inbox.WhatsApp/WhatsAppMedia.cs), which decide in the end. Unit-tested in whatsappMedia.test.ts.

export interface MediaKind {
  name: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  label: string;
  maxBytes: number;
  mimeTypes: string[];
  hasCaption: boolean;
}

export const MiB = 1024 * 1024;
export const STATIC_STICKER_MAX = 100 * 1024;
export const ANIMATED_STICKER_MAX = 500 * 1024;
/** How many leading bytes classify() looks at. */
export const HEAD_BYTES = 64;

export const KINDS: MediaKind[] = [
  { name: 'image', label: 'Images', maxBytes: 5 * MiB, mimeTypes: ['image/jpeg', 'image/png'], hasCaption: true },
  { name: 'video', label: 'Videos', maxBytes: 16 * MiB, mimeTypes: ['video/mp4', 'video/3gpp'], hasCaption: true },
  { name: 'audio', label: 'Audio files', maxBytes: 16 * MiB, mimeTypes: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'], hasCaption: false },
  {
    name: 'document', label: 'Documents', maxBytes: 100 * MiB, hasCaption: true, mimeTypes: [
      'text/plain', 'application/pdf', 'application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
  },
  { name: 'sticker', label: 'Stickers', maxBytes: ANIMATED_STICKER_MAX, mimeTypes: ['image/webp'], hasCaption: false },
];

const SYNONYMS: Record<string, string> = {
  'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'audio/mp3': 'audio/mpeg', 'audio/x-m4a': 'audio/mp4',
  'audio/m4a': 'audio/mp4', 'audio/opus': 'audio/ogg', 'audio/x-aac': 'audio/aac', 'audio/3gpp': 'video/3gpp',
};

const EXTENSIONS: Record<string, string> = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.mp4': 'video/mp4', '.3gp': 'video/3gpp',
  '.aac': 'audio/aac', '.amr': 'audio/amr', '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4', '.ogg': 'audio/ogg', '.opus': 'audio/ogg',
  '.txt': 'text/plain', '.pdf': 'application/pdf', '.doc': 'application/msword', '.xls': 'application/vnd.ms-excel',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

/** For the file picker's accept attribute: every type and extension WhatsApp takes. */
export const ACCEPT = [...KINDS.flatMap((k) => k.mimeTypes), ...Object.keys(EXTENSIONS)].join(',');

const SUPPORTED = 'images (JPEG, PNG) up to 5 MB, videos (MP4, 3GP) and audio (AAC, AMR, MP3, M4A, OGG) up to 16 MB, '
  + 'documents (PDF, text, Word, Excel, PowerPoint) up to 100 MB and WebP stickers';

export interface Classified {
  ok: true;
  kind: MediaKind;
  mimeType: string;
  maxBytes: number;
}

export interface Refused {
  ok: false;
  status: 400 | 413 | 415;
  title: string;
  detail: string;
}

/** Lower case, without parameters, common aliases mapped to Meta's names; null when empty. */
export function normalize(mimeType: string | null | undefined): string | null {
  const bare = (mimeType ?? '').split(';')[0].trim().toLowerCase();
  if (!bare) return null;
  return SYNONYMS[bare] ?? bare;
}

export function kindOf(mimeType: string | null | undefined): MediaKind | undefined {
  const bare = normalize(mimeType);
  return bare ? KINDS.find((k) => k.mimeTypes.includes(bare)) : undefined;
}

type Family = 'unknown' | 'text' | 'jpeg' | 'png' | 'webp' | 'pdf' | 'ole2' | 'zip' | 'ogg' | 'amr' | 'iso' | 'mp3' | 'adts';

const ascii = (h: Uint8Array, at: number, s: string) => h.length >= at + s.length && [...s].every((c, i) => h[at + i] === c.charCodeAt(0));
const bytes = (h: Uint8Array, b: number[]) => h.length >= b.length && b.every((x, i) => h[i] === x);

function content(h: Uint8Array): Family {
  if (bytes(h, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (bytes(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (ascii(h, 0, 'RIFF') && ascii(h, 8, 'WEBP')) return 'webp';
  if (ascii(h, 0, '%PDF-')) return 'pdf';
  if (bytes(h, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole2';
  if (bytes(h, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (ascii(h, 0, 'OggS')) return 'ogg';
  if (ascii(h, 0, '#!AMR')) return 'amr';
  if (ascii(h, 4, 'ftyp')) return 'iso';
  if (ascii(h, 0, 'ID3')) return 'mp3';
  if (h.length >= 2 && h[0] === 0xff && (h[1] & 0xf6) === 0xf0) return 'adts';
  if (ascii(h, 0, 'ADIF')) return 'adts';
  if (h.length >= 2 && h[0] === 0xff && (h[1] & 0xe0) === 0xe0 && (h[1] & 0x06) !== 0) return 'mp3';
  return h.includes(0) ? 'unknown' : 'text';
}

const EXPECTED: Record<string, Family> = {
  'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'application/pdf': 'pdf', 'application/msword': 'ole2',
  'application/vnd.ms-excel': 'ole2', 'application/vnd.ms-powerpoint': 'ole2', 'text/plain': 'text', 'audio/ogg': 'ogg',
  'audio/amr': 'amr', 'audio/mpeg': 'mp3', 'audio/aac': 'adts', 'audio/mp4': 'iso', 'video/mp4': 'iso', 'video/3gpp': 'iso',
};

const expectedFor = (mime: string): Family | undefined =>
  EXPECTED[mime] ?? (mime.startsWith('application/vnd.openxmlformats-officedocument.') ? 'zip' : undefined);

const FAMILY_WORDS: Record<Family, string> = {
  jpeg: 'a JPEG image', png: 'a PNG image', webp: 'a WebP image', pdf: 'a PDF document', ole2: 'an Office document (97–2003)',
  zip: 'a ZIP archive (or an Office document)', ogg: 'OGG audio', amr: 'AMR audio', iso: 'an MP4/3GP media file', mp3: 'MP3 audio',
  adts: 'AAC audio', text: 'text', unknown: 'something else',
};

function describe(mime: string): string {
  const kind = kindOf(mime)?.name;
  if (kind === 'image') return mime === 'image/png' ? 'a PNG image' : 'a JPEG image';
  if (kind === 'sticker') return 'a WebP image';
  if (kind === 'video') return 'a video';
  if (kind === 'audio') return 'an audio file';
  if (mime === 'application/pdf') return 'a PDF document';
  if (mime === 'text/plain') return 'a text file';
  return 'an Office document';
}

function extensionType(name: string | null | undefined): string | undefined {
  const dot = (name ?? '').lastIndexOf('.');
  return dot >= 0 ? EXTENSIONS[(name ?? '').slice(dot).toLowerCase()] : undefined;
}

/** An extended WebP whose animation flag is set: such stickers may be 500 KB, static ones 100 KB. */
export const isAnimatedWebP = (h: Uint8Array) => h.length >= 21 && ascii(h, 12, 'VP8X') && (h[20] & 0x02) !== 0;

/**
 * The kind and MIME type of a file from its declared type, its name and its first bytes, or why WhatsApp would not
 * take it (as the server answers: 415). A missing or generic type falls back on the extension, then on the content.
 */
export function classify(declaredType: string | null | undefined, fileName: string | null | undefined, head: Uint8Array): Classified | Refused {
  let declared = normalize(declaredType);
  const family = content(head);
  if (declared === null || declared === 'application/octet-stream') {
    const byContent: Partial<Record<Family, string>> = {
      jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', pdf: 'application/pdf', ogg: 'audio/ogg', amr: 'audio/amr',
      mp3: 'audio/mpeg', adts: 'audio/aac',
    };
    declared = extensionType(fileName) ?? byContent[family] ?? null;
  }
  if (declared === null) {
    return { ok: false, status: 415, title: 'Unknown file type', detail: `The file's type could not be told from its name or content. WhatsApp takes ${SUPPORTED}.` };
  }
  const kind = kindOf(declared);
  if (!kind) return { ok: false, status: 415, title: 'File type not supported by WhatsApp', detail: `WhatsApp does not take ${declared} files. It takes ${SUPPORTED}.` };
  if (expectedFor(declared) !== family) {
    const is = family === 'unknown' || family === 'text' ? 'is not.' : `is ${FAMILY_WORDS[family]}.`;
    return { ok: false, status: 415, title: 'File content does not match its type', detail: `The file is declared as ${describe(declared)} (${declared}), but its content ${is}` };
  }
  const maxBytes = kind.name === 'sticker' && !isAnimatedWebP(head) ? STATIC_STICKER_MAX : kind.maxBytes;
  return { ok: true, kind, mimeType: declared, maxBytes };
}

/** 413 for a file over its kind's limit. */
export function tooLarge(file: Classified, size: number): Refused {
  const what = file.kind.name === 'sticker' ? (file.maxBytes === STATIC_STICKER_MAX ? 'Stickers (static WebP)' : 'Animated stickers') : file.kind.label;
  return { ok: false, status: 413, title: 'File too large for WhatsApp', detail: `${what} may be at most ${sizeLabel(file.maxBytes)} on WhatsApp; this file is ${sizeLabel(size)}.` };
}

/** Every check the server makes before it stores a file: type, content and size. */
export function check(declaredType: string | null | undefined, fileName: string | null | undefined, size: number, head: Uint8Array): Classified | Refused {
  const file = classify(declaredType, fileName, head);
  if (!file.ok) return file;
  if (size === 0) return { ok: false, status: 400, title: 'Empty file', detail: 'The file is empty.' };
  return size > file.maxBytes ? tooLarge(file, size) : file;
}

const round = (n: number, whole: boolean) => (whole ? n.toFixed(0) : n.toFixed(1));

/** 5 MB, 7.3 MB, 100 KB, 12 bytes: as the server words it. */
export function sizeLabel(bytes: number): string {
  if (bytes >= MiB) return `${round(bytes / MiB, bytes % MiB === 0)} MB`;
  if (bytes >= 1024) return `${round(bytes / 1024, bytes % 1024 === 0)} KB`;
  return `${bytes} bytes`;
}
