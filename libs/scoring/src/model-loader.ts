import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ServingModel, type ArtifactTree } from '@recsys/ml-serving';

/**
 * Loads and verifies a serving artifact in a worker thread (see model-loader.worker.ts); the event loop only builds the
 * model's lookup tables from the decoded tree.
 */
export function loadServingModel(file: string, checksum: string | null): Promise<ServingModel> {
  const fromSource = __filename.endsWith('.ts');
  const worker = new Worker(path.join(__dirname, fromSource ? 'model-loader.worker.ts' : 'model-loader.worker.js'), {
    workerData: { file, checksum },
    execArgv: fromSource ? ['-r', '@swc-node/register'] : [],
  });
  return new Promise<ServingModel>((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: { ok: true; tree: ArtifactTree } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) {
        try {
          resolve(ServingModel.fromTree(m.tree));
        } catch (err) {
          reject(err);
        }
      } else reject(new Error(m.error));
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the model loader exited with code ${code}`));
    });
  });
}
