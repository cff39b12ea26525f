/** Reading files the way every layer needs it: only the first bytes, never the whole file. */
import { open } from 'node:fs/promises';

/** The first `bytes` bytes of a file (a `#!` line, an ELF magic), or null when it cannot be read. */
export async function readHead(file: string, bytes: number): Promise<Buffer | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}
