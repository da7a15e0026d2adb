/** The import check fails on every kind of arrow ARCHITECTURE.md forbids, and passes the tree as it is. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkFiles, treeFiles } = require('./check-boundaries.js') as {
  checkFiles: (files: { rel: string; src: string }[]) => string[];
  treeFiles: () => { rel: string; src: string }[];
};

const one = (rel: string, src: string) => checkFiles([{ rel, src }]);

describe('check-boundaries', () => {
  it('passes the repository as it is', () => {
    expect(checkFiles(treeFiles())).toEqual([]);
  });

  it('fails on a lower ml layer importing a higher one', () => {
    expect(one('ml/model/two-tower.ts', "import { ContinualLearner } from '../train/learner';")).toEqual([
      expect.stringContaining('ml/model must not import the higher layer ml/train'),
    ]);
    expect(one('ml/core/vectors.ts', "import type { Catalog } from '../features/catalog';")).toHaveLength(1);
  });

  it('fails on train and serving importing each other', () => {
    expect(one('ml/train/learner.ts', "import { topK } from '../serving/candidates';")[0]).toContain('side by side');
    expect(one('ml/serving/artifact.ts', "import { LEARNER_DEFAULTS } from '../train/learner';")[0]).toContain('side by side');
  });

  it('allows downward imports and the serving entry point for serving processes', () => {
    expect(one('ml/serving/artifact.ts', "import { dot } from '../model/kernels';\nimport { hashString } from '../core/rng';")).toEqual([]);
    expect(one('libs/scoring/src/model.holder.ts', "import { ServingModel } from '@recsys/ml-serving';")).toEqual([]);
  });

  it('fails on a serving process loading the whole of ml', () => {
    expect(one('libs/scoring/src/model.holder.ts', "import { ServingModel } from '@recsys/ml';")[0]).toContain('@recsys/ml-serving');
  });

  it('fails on ml importing a framework, a lib or an app', () => {
    expect(one('ml/train/learner.ts', "import { Injectable } from '@nestjs/common';")).toHaveLength(1);
    expect(one('ml/train/learner.ts', "import { loadConfig } from '@recsys/config';")).toHaveLength(1);
    expect(one('ml/train/learner.ts', "import x from '../../apps/api/src/main';")).toHaveLength(1);
  });

  it('fails on libs importing apps, apps importing each other, deep imports and process.env', () => {
    expect(one('libs/features/src/a.ts', "import x from '../../../apps/api/src/main';")).toHaveLength(1);
    expect(one('apps/api/src/a.ts', "import x from '../../ingest/src/main';")).toHaveLength(1);
    expect(one('apps/api/src/a.ts', "import x from '@recsys/storage/src/entities';")).toHaveLength(1);
    expect(one('libs/storage/src/a.ts', 'const u = process.env.X;')).toHaveLength(1);
  });
});
