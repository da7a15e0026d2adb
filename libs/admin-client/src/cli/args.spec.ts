import { parseCliArgs, resolveConnection, UsageError } from './args';

describe('parseCliArgs', () => {
  it('reads a command with its flags, before or after the command', () => {
    expect(parseCliArgs(['retrain', '--full', '--wait'])).toMatchObject({ command: 'retrain', full: true, wait: true, json: false });
    expect(parseCliArgs(['--json', '--url', 'http://h:1', 'models'])).toMatchObject({ command: 'models', json: true, url: 'http://h:1' });
    expect(parseCliArgs(['retrain'])).toMatchObject({ full: false, wait: false });
  });

  it('takes the argument of job, show and activate', () => {
    expect(parseCliArgs(['job', 'repeat:train:1700000000000'])).toMatchObject({ command: 'job', target: 'repeat:train:1700000000000' });
    expect(parseCliArgs(['show', 'v12'])).toMatchObject({ command: 'show', target: 'v12' });
    expect(parseCliArgs(['activate', 'v3', '--force', '--token=secret-token'])).toMatchObject({ target: 'v3', force: true, token: 'secret-token' });
  });

  it('reads --limit as a positive integer, in both spellings', () => {
    expect(parseCliArgs(['jobs', '--limit', '5']).limit).toBe(5);
    expect(parseCliArgs(['audit', '--limit=250']).limit).toBe(250);
    expect(parseCliArgs(['jobs']).limit).toBeUndefined();
  });

  it('reads load-failures with --version and --limit', () => {
    expect(parseCliArgs(['load-failures'])).toMatchObject({ command: 'load-failures', version: undefined, limit: undefined });
    expect(parseCliArgs(['load-failures', '--version', 'v3', '--limit=20', '--json'])).toMatchObject({ version: 'v3', limit: 20, json: true });
  });

  it('treats --help and -h anywhere as help', () => {
    expect(parseCliArgs(['models', '--help']).command).toBe('help');
    expect(parseCliArgs(['-h']).command).toBe('help');
    expect(parseCliArgs(['help']).command).toBe('help');
  });

  it.each([
    [[], 'missing command'],
    [['train'], 'unknown command "train"'],
    [['models', '--verbose'], "Unknown option '--verbose'"],
    [['jobs', '--wait'], 'jobs does not take --wait'],
    [['models', '--force'], 'models does not take --force'],
    [['show'], 'show needs VERSION'],
    [['job'], 'job needs JOBID'],
    [['activate', 'v1', 'v2'], 'activate does not take the argument "v2"'],
    [['models', 'v1'], 'models does not take the argument "v1"'],
    [['jobs', '--limit', '0'], '--limit must be a positive integer, got "0"'],
    [['audit', '--limit', '2.5'], '--limit must be a positive integer, got "2.5"'],
    [['jobs', '--limit'], "Option '--limit <value>' argument missing"],
    [['models', '--version', 'v3'], 'models does not take --version'],
    [['load-failures', '--version', ''], '--version must not be empty'],
    [['load-failures', 'v3'], 'load-failures does not take the argument "v3"'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe('resolveConnection', () => {
  it('prefers the flags, then RECSYS_URL and ADMIN_TOKEN', () => {
    const env = { RECSYS_URL: 'http://env:1', ADMIN_TOKEN: 'env-token', PORT: '4000' };
    expect(resolveConnection({ url: 'http://flag:2', token: 'flag-token' }, env)).toEqual({ baseUrl: 'http://flag:2', token: 'flag-token' });
    expect(resolveConnection({}, env)).toEqual({ baseUrl: 'http://env:1', token: 'env-token' });
  });

  it('falls back to 127.0.0.1 on PORT, default 3000; an empty variable counts as unset', () => {
    expect(resolveConnection({}, { PORT: '4000', ADMIN_TOKEN: 't' }).baseUrl).toBe('http://127.0.0.1:4000');
    expect(resolveConnection({}, { RECSYS_URL: '', PORT: '', ADMIN_TOKEN: 't' }).baseUrl).toBe('http://127.0.0.1:3000');
  });

  it('refuses a missing token and a URL that is not http(s)', () => {
    expect(() => resolveConnection({}, { ADMIN_TOKEN: '' })).toThrow('no admin token');
    expect(() => resolveConnection({ url: 'not a url', token: 't' }, {})).toThrow('not a URL: "not a url"');
    expect(() => resolveConnection({ url: 'ftp://h/', token: 't' }, {})).toThrow('not an http(s) URL');
  });
});
