// The configuration (server/platform/config.ts) refuses what it cannot use, naming the variable; the
// features behind these variables are tested with the app (test/api/http, test/api/projects).
import { describe, expect, it } from 'vitest';
import { parseProjectNumberFormat } from '../../../server/core/project-number-format.ts';
import { ConfigError, loadConfig } from '../../../server/platform/config.ts';
import { clientCode } from '../../../server/projects/numbers.ts';

describe('rate limits behind proxies', () => {
  it('TRUST_PROXY accepts hops, addresses and ranges, and names what it cannot read', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1']);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.internal' })).toThrow('TRUST_PROXY must be true, false, a number of proxy hops, or a comma-separated list of addresses or CIDR ranges (or loopback, linklocal, uniquelocal), got "proxy.internal".');
  });
});

describe('metrics', () => {
  it('refuses a configuration it cannot use, naming the variable', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' })).toThrow(/METRICS_ENABLED/);
    expect(() => loadConfig({ METRICS_ENABLED: 'true', METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16/);
    expect(() => loadConfig({ METRICS_ENABLED: 'yes' })).toThrow(/METRICS_ENABLED must be true or false/);
  });
});

describe('project numbers', () => {
  it('refuses a format it cannot number with, naming the variable', () => {
    for (const format of ['P-', '{seq}{seq}', '{client}{seq}', '{year}-{seq}', 'P {seq}', '{seq:13}']) {
      expect(() => loadConfig({ PROJECT_NUMBER_FORMAT: format })).toThrow(ConfigError);
      expect(() => loadConfig({ PROJECT_NUMBER_FORMAT: format })).toThrow(/PROJECT_NUMBER_FORMAT/);
    }
    expect(parseProjectNumberFormat('{client}/{seq:3}')).toEqual({ template: '{client}/{seq:3}', digits: 3, perClient: true });
    expect(clientCode({ id: 4, companyName: 'Über Design' })).toBe('UBER');
    expect(clientCode({ id: 4, companyName: '  ★ ' })).toBe('C4');
  });
});
