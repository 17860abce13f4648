// MediaRecorder writes WebM live, so the file has no Duration and a server that reads the length
// from the header sees 0 s. fixWebmDuration() adds it to the Segment's Info element (EBML).
// Browsers that record MP4 (Chromium, Safari) do not need this; Firefox does.

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Duration: 0x4489,
  Cluster: 0x1f43b675,
};

function vintLength(first) {
  for (let length = 1; length <= 8; length += 1) if (first & (0x100 >> length)) return length;
  throw new Error("bad EBML variable-size integer");
}

/** An element at `pos`: its id, where its data starts and ends (end null: unknown size). */
function element(bytes, pos) {
  const idLength = vintLength(bytes[pos]);
  let id = 0;
  for (let i = 0; i < idLength; i += 1) id = id * 256 + bytes[pos + i];
  const sizeAt = pos + idLength;
  const sizeLength = vintLength(bytes[sizeAt]);
  let size = bytes[sizeAt] & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i += 1) {
    size = size * 256 + bytes[sizeAt + i];
    allOnes &&= bytes[sizeAt + i] === 0xff;
  }
  const dataStart = sizeAt + sizeLength;
  return { id, start: pos, idLength, sizeLength, dataStart, size: allOnes ? null : size, end: allOnes ? null : dataStart + size };
}

function encodeSize(value, length = null) {
  let width = length;
  if (!width) for (width = 1; width < 8 && value >= 2 ** (7 * width) - 1; width += 1);
  const out = new Uint8Array(width);
  let rest = value;
  for (let i = width - 1; i >= 0; i -= 1) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  out[0] |= 0x80 >> (width - 1);
  return out;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function readUint(bytes, start, length) {
  let value = 0;
  for (let i = 0; i < length; i += 1) value = value * 256 + bytes[start + i];
  return value;
}

/** The file with a Duration, or null when it is not a WebM we understand. */
export function patchWebm(bytes, durationMs) {
  const header = element(bytes, 0);
  if (header.id !== ID.EBML || header.end === null) return null;
  const segment = element(bytes, header.end);
  if (segment.id !== ID.Segment) return null;
  for (let pos = segment.dataStart; pos < bytes.length;) {
    const child = element(bytes, pos);
    if (child.id === ID.Cluster || child.end === null) return null;
    if (child.id === ID.Info) return patchInfo(bytes, segment, child, durationMs);
    pos = child.end;
  }
  return null;
}

function patchInfo(bytes, segment, info, durationMs) {
  let scale = 1e6; // nanoseconds per timecode unit
  for (let pos = info.dataStart; pos < info.end;) {
    const child = element(bytes, pos);
    if (child.id === ID.TimecodeScale) scale = readUint(bytes, child.dataStart, child.size);
    pos = child.end;
  }
  const value = (durationMs * 1e6) / scale;
  for (let pos = info.dataStart; pos < info.end;) {
    const child = element(bytes, pos);
    if (child.id === ID.Duration && (child.size === 8 || child.size === 4)) {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      if (child.size === 8) view.setFloat64(child.dataStart, value);
      else view.setFloat32(child.dataStart, value);
      return bytes;
    }
    pos = child.end;
  }
  const duration = new Uint8Array(11);
  duration.set([0x44, 0x89, 0x88]); // Duration, 8 bytes of float
  new DataView(duration.buffer).setFloat64(3, value);
  const data = bytes.subarray(info.dataStart, info.end);
  const newInfo = concat(bytes.subarray(info.start, info.start + info.idLength), encodeSize(data.length + duration.length), data, duration);
  const out = concat(bytes.subarray(0, info.start), newInfo, bytes.subarray(info.end));
  if (segment.size !== null) {
    // A Segment of known size grows by as much; its size keeps its width.
    const grown = segment.size + newInfo.length - (info.end - info.start);
    out.set(encodeSize(grown, segment.sizeLength), segment.start + segment.idLength);
  }
  return out;
}

/** `blob` with its Duration set (unchanged when it is not a WebM missing one). */
export async function fixWebmDuration(blob, durationMs) {
  if (!blob.type.includes("webm")) return blob;
  try {
    const fixed = patchWebm(new Uint8Array(await blob.arrayBuffer()), durationMs);
    return fixed ? new Blob([fixed], { type: blob.type }) : blob;
  } catch {
    return blob; // an unexpected layout: send it as recorded
  }
}
