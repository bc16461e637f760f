// Redis Cluster's key → slot mapping (https://redis.io/docs/reference/cluster-spec/#key-distribution-model):
// CRC16 (XMODEM) of the key, or of its hash tag (the bytes between the first `{` and the next `}`,
// when not empty), modulo 16384. Channels of sharded pub/sub map to slots the same way.

export const CLUSTER_SLOTS = 16_384;

const CRC16_TABLE = buildCrc16Table();

/** The slot of a key or shard channel. */
export function slotOf(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) % CLUSTER_SLOTS;
  }
  return crc16(bytes, 0, bytes.length) % CLUSTER_SLOTS;
}

function crc16(bytes: Buffer, start: number, end: number): number {
  let crc = 0;
  for (let index = start; index < end; index++) crc = ((crc << 8) ^ CRC16_TABLE[((crc >> 8) ^ bytes[index]) & 0xff]) & 0xffff;
  return crc;
}

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
}
