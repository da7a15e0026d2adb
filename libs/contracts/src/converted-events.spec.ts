/** The MovieLens converter writes contract events: every line it writes is accepted by the validator. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EventValidator } from '@recsys/contracts';
import { convertMovieLens, parseJsonl } from '@recsys/ml';

describe('the MovieLens converter', () => {
  it('writes only events the contract accepts, a movie without genres without a category', () => {
    // a few rows in MovieLens's own format (quoted titles with commas, a movie with no genres listed)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recsys-movielens-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'movies.csv'),
        ['movieId,title,genres', '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy', '2,"American President, The (1995)",Comedy|Drama|Romance', '3,Some Film (2018),(no genres listed)', ''].join('\n'),
      );
      fs.writeFileSync(path.join(dir, 'ratings.csv'), ['userId,movieId,rating,timestamp', '1,1,4.0,964982703', '1,3,4.0,964981247', '2,2,3.5,1445714835', ''].join('\n'));
      const lines: string[] = [];
      expect(convertMovieLens(dir, (l) => lines.push(l))).toEqual({ products: 3, interactions: 3, skipped: 0 });
      const v = new EventValidator();
      for (const line of lines) expect(v.parse(line)).toMatchObject({ ok: true });
      const { events } = parseJsonl(lines.join('\n'));
      const movie = (id: string) => events.find((e) => e.kind === 'product' && e.itemId === id);
      expect(movie('m2')).toMatchObject({ title: 'American President, The (1995)', category: ['Comedy', 'Drama', 'Romance'] });
      expect(movie('m3')).not.toHaveProperty('category');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
