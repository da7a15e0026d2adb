import { auditParams, tokenFingerprint } from './audit.service';

describe('the audit log', () => {
  it('names an actor by a fingerprint of the token, never the token', () => {
    const fp = tokenFingerprint('s3cret-admin-token');
    expect(fp).toMatch(/^token:[0-9a-f]{12}$/);
    expect(fp).not.toContain('s3cret');
    expect(tokenFingerprint('another-token-xyz')).not.toBe(fp);
    expect(tokenFingerprint(null)).toBe('anonymous');
  });

  it('drops credential-like parameters and bounds the size', () => {
    expect(auditParams({ body: { mode: 'full' }, token: 'x', Authorization: 'Bearer y' })).toEqual({ body: { mode: 'full' } });
    const big = auditParams({ body: 'x'.repeat(5000) });
    expect(JSON.stringify(big).length).toBeLessThan(2200);
  });
});
