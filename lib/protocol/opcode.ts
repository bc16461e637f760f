// RFC 6455 §5.2: the 4-bit opcode of a frame.
export enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

// §5.5: opcodes with the high bit set are control frames.
export const isControl = (opcode: number): boolean => (opcode & 0x8) !== 0;

// §5.2: 0x3-0x7 and 0xB-0xF are reserved; receiving one fails the connection.
export const isKnownOpcode = (opcode: number): boolean =>
  opcode <= Opcode.Binary || (opcode >= Opcode.Close && opcode <= Opcode.Pong);
