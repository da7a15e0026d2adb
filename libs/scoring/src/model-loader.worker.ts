/**
 * Loads a serving artifact off the API's event loop: reads the file, checks it against the sha256 the registry
 * recorded, decodes it (the bundle's own checksum, kind and schema), asks the model one sanity query, and passes the
 * decoded tree back (structured clone). Messages: `{ok: true, tree}` or `{ok: false, error}`.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { ServingModel, decodeArtifact } from '@recsys/ml-serving';

export interface LoaderInput {
  file: string;
  /** The sha256 the registry recorded for the file; null skips the comparison. */
  checksum: string | null;
}

function load(input: LoaderInput): unknown {
  const buf = fs.readFileSync(input.file);
  if (input.checksum !== null) {
    const actual = createHash('sha256').update(buf).digest('hex');
    if (actual !== input.checksum) throw new Error(`${input.file}: sha256 ${actual.slice(0, 12)}... does not match the registry's ${input.checksum.slice(0, 12)}...`);
  }
  const tree = decodeArtifact(buf);
  const model = ServingModel.fromTree(tree);
  const probe = model.recommend([], 1);
  if (model.size > 0 && (probe.length !== 1 || !Number.isFinite(probe[0].score))) throw new Error(`${input.file}: the sanity query gave no finite score`);
  return tree;
}

try {
  parentPort?.postMessage({ ok: true, tree: load(workerData as LoaderInput) });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
}
