#!/usr/bin/env node
// Writes assets/icon.png (512×512, RGBA) with nothing but node:zlib: a shield on a dark tile.
// electron-builder turns it into .ico/.icns/hicolor sizes at packaging time.
//   node assets/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Colour of pixel (x, y) in 0..1 coordinates, or null for transparent. */
function paint(x, y) {
  const r = 0.18; // rounded tile corner radius
  const cx = Math.min(Math.max(x, r), 1 - r);
  const cy = Math.min(Math.max(y, r), 1 - r);
  if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return null;
  // Shield: straight top half, pointed bottom half, centred.
  const dx = Math.abs(x - 0.5);
  const top = 0.2;
  const bottom = 0.84;
  let halfWidth = 0;
  if (y >= top && y <= bottom) halfWidth = y < 0.52 ? 0.27 : 0.27 * Math.sqrt(Math.max(0, (bottom - y) / (bottom - 0.52)));
  const inShield = dx <= halfWidth;
  const inKeyhole = (x - 0.5) ** 2 + (y - 0.44) ** 2 < 0.065 ** 2 || (dx < 0.03 && y > 0.44 && y < 0.62);
  if (inShield && !inKeyhole) return [0x4f, 0xc3, 0xf7, 0xff];
  return [0x12, 0x2a, 0x44, 0xff];
}

const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let y = 0; y < SIZE; y++) {
  raw[y * (SIZE * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < SIZE; x++) {
    const px = paint((x + 0.5) / SIZE, (y + 0.5) / SIZE) ?? [0, 0, 0, 0];
    raw.set(px, y * (SIZE * 4 + 1) + 1 + x * 4);
  }
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter set, no interlace
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const out = join(dirname(fileURLToPath(import.meta.url)), 'icon.png');
writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
