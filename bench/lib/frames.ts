/**
 * Length framing for byte streams: `[length u32 LE | payload]`. The reader copies only when a frame spans
 * chunks, as a careful user of a stream socket would.
 */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + payload.byteLength);
  frame.writeUInt32LE(payload.byteLength, 0);
  frame.set(payload, 4);
  return frame;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.total += chunk.length;
    while (this.total >= 4) {
      if (this.chunks[0]!.length < 4) this.merge();
      const length = this.chunks[0]!.readUInt32LE(0);
      if (this.total < 4 + length) return;
      if (this.chunks[0]!.length < 4 + length) this.merge();
      const head = this.chunks[0]!;
      const frame = head.subarray(4, 4 + length);
      if (head.length === 4 + length) this.chunks.shift();
      else this.chunks[0] = head.subarray(4 + length);
      this.total -= 4 + length;
      this.onFrame(frame);
    }
  }

  private merge(): void {
    this.chunks = [Buffer.concat(this.chunks, this.total)];
  }
}
