import { createHash } from "node:crypto";
import { shapeOf, toDense, type NestedStateDict } from "./tensor.js";

/**
 * SHA-256 of a state dict's exact bits: for every key in sorted order, the key, its shape and the
 * IEEE-754 float64 bytes of its entries (platform byte order: little-endian on every Node target). Unlike a hash of the JSON text it tells
 * −0 from +0 and distinguishes NaN payloads, so "the weights are bit-identical" is what it certifies.
 * Returned as `sha256:<hex>`.
 */
export function stateDictChecksum(dict: NestedStateDict): string {
  const hash = createHash("sha256");
  for (const key of Object.keys(dict).sort()) {
    const value = dict[key];
    const shape = shapeOf(value, key);
    const { data } = toDense(value, key);
    hash.update(`${key}\u0000${shape.join(",")}\u0000`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return `sha256:${hash.digest("hex")}`;
}

/** SHA-256 of raw file bytes, `sha256:<hex>` (used to show a saved policy file was not rewritten). */
export function bytesChecksum(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
