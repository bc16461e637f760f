// A cluster message as a node of another version might publish it: version 1, any JSON header, no frame.
export function rawClusterMessage(header: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const bytes = Buffer.alloc(5 + json.length);
  bytes[0] = 1;
  bytes.writeUInt32BE(json.length, 1);
  json.copy(bytes, 5);
  return bytes;
}
