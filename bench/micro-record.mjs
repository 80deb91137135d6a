#!/usr/bin/env node
// Record-layer micro-benchmark: seal and open 64 MiB in 16 KiB records through RecordWriter /
// RecordReader (dist/), against raw node:crypto doing the same AEAD work in the same process.
// Usage: npm run build && node bench/micro-record.mjs [--mib 64] [--repeat 5] [--alg aes-128-gcm] [--rec 16384] [--socket-read 65536]
import crypto from 'node:crypto';
import { nodeCryptoProvider } from '../dist/crypto/node/index.js';
import { RecordReader } from '../dist/record/reader.js';
import { RecordWriter } from '../dist/record/writer.js';
import { arg, median } from './common.mjs';

const MIB = Number(arg('mib', '64'));
const REPEAT = Number(arg('repeat', '5'));
const ALG = arg('alg', 'aes-128-gcm');
const REC = Number(arg('rec', '16384')); // plaintext bytes per record (small values expose per-record JS cost)
const TOTAL = MIB * 1024 * 1024;
const N = Math.floor(TOTAL / REC / 64) * 64;
const keyLen = ALG === 'aes-128-gcm' ? 16 : 32;
const key = crypto.randomBytes(keyLen);
const iv = crypto.randomBytes(12);
const data = crypto.randomBytes(REC); // the same plaintext each record, as an app write loop would pass
const p = nodeCryptoProvider();
const mbps = (ms) => (N * REC) / 1e6 / (ms / 1000);

function nonceAt(seq) {
  const n = Buffer.from(iv);
  n[8] ^= (seq >>> 24) & 0xff;
  n[9] ^= (seq >>> 16) & 0xff;
  n[10] ^= (seq >>> 8) & 0xff;
  n[11] ^= seq & 0xff;
  return n;
}

// Work goes in batches of BATCH records (1 MiB): seal the batch (timed), open it (timed), drop it.
// Keeping all 64 MiB alive would measure the garbage collector and page faults, not the record layer.
const BATCH = 64;
const SOCKET_READ = Number(arg('socket-read', '65536'));

// Raw node:crypto: one createCipheriv per record, header as AAD, the type byte as a second update.
const typeByte = Buffer.from([23]);
function rawSealBatch(base) {
  const out = new Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    const header = Buffer.from([23, 3, 3, (REC + 17) >> 8, (REC + 17) & 0xff]);
    const c = crypto.createCipheriv(ALG, key, nonceAt(base + i), { authTagLength: 16 });
    c.setAAD(header);
    const a = c.update(data);
    const b = c.update(typeByte);
    c.final();
    out[i] = [header, a, b, c.getAuthTag()];
  }
  return out;
}
function rawOpenBatch(records, base) {
  let bytes = 0;
  for (let i = 0; i < BATCH; i++) {
    const rec = records[i];
    const d = crypto.createDecipheriv(ALG, key, nonceAt(base + i), { authTagLength: 16 });
    d.setAAD(rec.subarray(0, 5));
    d.setAuthTag(rec.subarray(rec.length - 16));
    const pt = d.update(rec.subarray(5, rec.length - 16));
    d.final();
    bytes += pt.length - 1;
  }
  return bytes;
}

/** Whole records as one Buffer each, as a socket read would deliver them. */
const pack = (records) => records.map((parts) => Buffer.concat(parts));

const batchRatios = { seal: [], open: [] };

// Ours and raw alternate batch by batch inside one run, so load from other processes on the
// machine hits both sides alike and the ratio stays meaningful even when absolute figures drift.
function run() {
  const w = new RecordWriter();
  w.setWriteKey13(p.aead(ALG, key), iv);
  const r = new RecordReader();
  r.setReadKey13(p.aead(ALG, key), iv);
  const t = { oursSeal: 0, oursOpen: 0, rawSeal: 0, rawOpen: 0 };
  const before = { ...t };
  let oursBytes = 0;
  let rawBytes = 0;
  const ours = () => {
    let t0 = performance.now();
    for (let i = 0; i < BATCH; i++) w.seal(23, data);
    const chunks = w.take();
    t.oursSeal += performance.now() - t0;
    // Delivered as a socket would: 64 KiB reads, so about one record in four spans two reads.
    const all = Buffer.concat(chunks);
    const wire = [];
    for (let o = 0; o < all.length; o += SOCKET_READ) wire.push(all.subarray(o, o + SOCKET_READ));
    t0 = performance.now();
    for (const c of wire) {
      r.push(c);
      for (let rec = r.next(); rec; rec = r.next()) oursBytes += rec.payload.length;
    }
    t.oursOpen += performance.now() - t0;
  };
  const raw = (base) => {
    let t0 = performance.now();
    const recs = rawSealBatch(base);
    t.rawSeal += performance.now() - t0;
    const wire = pack(recs);
    t0 = performance.now();
    rawBytes += rawOpenBatch(wire, base);
    t.rawOpen += performance.now() - t0;
  };
  for (let base = 0, k = 0; base < N; base += BATCH, k++) {
    Object.assign(before, t);
    if (k % 2) {
      ours();
      raw(base);
    } else {
      raw(base);
      ours();
    }
    // Per-batch ratios (raw time / our time = our speed relative to raw): robust to load drift.
    batchRatios.seal.push((t.rawSeal - before.rawSeal) / (t.oursSeal - before.oursSeal));
    batchRatios.open.push((t.rawOpen - before.rawOpen) / (t.oursOpen - before.oursOpen));
  }
  if (oursBytes !== N * REC || rawBytes !== N * REC) throw new Error(`lost bytes: ours ${oursBytes}, raw ${rawBytes}`);
  return t;
}

// Same bytes on the wire as raw node:crypto (checked once).
{
  const w = new RecordWriter();
  w.setWriteKey13(p.aead(ALG, key), iv);
  w.seal(23, data);
  if (Buffer.compare(Buffer.concat(w.take()), pack(rawSealBatch(0))[0]) !== 0) throw new Error('ours and raw records differ');
}

const res = { rawSeal: [], rawOpen: [], oursSeal: [], oursOpen: [] };
for (let i = 0; i < REPEAT + 1; i++) {
  const t = run();
  if (i === 0) continue; // warm-up
  for (const k of Object.keys(res)) res[k].push(mbps(t[k]));
}
const row = (name, ours, raw, ratios) =>
  console.log(
    `${name.padEnd(6)} ours ${median(ours).toFixed(0).padStart(6)} MB/s   raw node:crypto ${median(raw).toFixed(0).padStart(6)} MB/s   ` +
      `ratio of medians ${(median(ours) / median(raw)).toFixed(3)}   median per-batch ratio ${median(ratios).toFixed(3)}`,
  );
console.log(`${ALG}, ${MIB} MiB in ${REC}-byte records, median of ${REPEAT} (node ${process.version})`);
row('seal', res.oursSeal, res.rawSeal, batchRatios.seal.slice(N / BATCH));
row('open', res.oursOpen, res.rawOpen, batchRatios.open.slice(N / BATCH));
