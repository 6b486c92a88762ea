// Client IP derivation (GatewayParameters defaults.downstream.remoteIP): connection IP, X-Forwarded-For with
// trusted hops or trusted CIDRs, custom header (required → null → 403), canonical address forms.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalIP, deriveClientIP } from '../proxy/client-ip';
import { compileStrings } from '../config/index';
import { limitedConfig } from './ratelimit-load';

const xff = (v: string) => ['host', 'example.com', 'x-forwarded-for', v];

describe('client IP derivation', () => {
  it('connectionIP ignores X-Forwarded-For', () => {
    assert.equal(deriveClientIP({ type: 'connectionIP' }, '192.0.2.1', xff('203.0.113.9')), '192.0.2.1');
  });

  it('numTrustedHops N takes the N-th address from the right; too few → connection IP', () => {
    const h = xff('203.0.113.128, 203.0.113.10, 203.0.113.1');
    assert.equal(deriveClientIP({ type: 'xff', numTrustedHops: 1 }, '192.0.2.5', h), '203.0.113.1');
    assert.equal(deriveClientIP({ type: 'xff', numTrustedHops: 2 }, '192.0.2.5', h), '203.0.113.10');
    assert.equal(deriveClientIP({ type: 'xff', numTrustedHops: 4 }, '192.0.2.5', h), '192.0.2.5');
    assert.equal(deriveClientIP({ type: 'xff', numTrustedHops: 1 }, '192.0.2.5', ['host', 'x']), '192.0.2.5');
    // repeated headers form one list; garbage at the chosen position falls back to the connection IP
    assert.equal(deriveClientIP({ type: 'xff', numTrustedHops: 2 }, '192.0.2.5', ['x-forwarded-for', '1.1.1.1, 2.2.2.2', 'x-forwarded-for', '3.3.3.3']), '2.2.2.2');
    assert.equal(deriveClientIP({ type: 'xff', numTrustedHops: 1 }, '192.0.2.5', xff('1.1.1.1, not-an-ip')), '192.0.2.5');
  });

  it('property: whatever a client prepends to X-Forwarded-For, the counted IP stays the same', () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
    fc.assert(fc.property(fc.array(fc.oneof(ipv4, fc.string()), { maxLength: 6 }), fc.array(ipv4, { minLength: 2, maxLength: 4 }), fc.integer({ min: 1, max: 2 }),
      (spoofed, trusted, hops) => {
        const honest = trusted.join(', ');
        const forged = [...spoofed.map((s) => s.replace(/,/g, '')), ...trusted].join(', ');
        const r = { type: 'xff' as const, numTrustedHops: hops };
        assert.equal(deriveClientIP(r, '10.0.0.1', xff(forged)), deriveClientIP(r, '10.0.0.1', xff(honest)));
      }), { numRuns: 200 });
  });

  it('trustedCIDRRanges: only a trusted peer is believed; skip trusted addresses from the right', () => {
    const r = { type: 'xff' as const, trustedCIDRRanges: ['10.0.0.0/8', '2001:db8::/32'] };
    assert.equal(deriveClientIP(r, '10.1.1.1', xff('6.6.6.6, 203.0.113.7, 10.2.2.2')), '203.0.113.7');
    assert.equal(deriveClientIP(r, '192.0.2.9', xff('203.0.113.7')), '192.0.2.9', 'untrusted peer: its own address');
    assert.equal(deriveClientIP(r, '10.1.1.1', xff('10.3.3.3, 10.2.2.2')), '10.3.3.3', 'all trusted: leftmost');
    assert.equal(deriveClientIP(r, '::ffff:10.1.1.1', xff('2001:db8::1, 198.51.100.1, 2001:db8::2')), '198.51.100.1');
    assert.equal(deriveClientIP(r, '10.1.1.1', []), '10.1.1.1');
  });

  it('customHeader: the header value when it is an IP; missing → connection IP, or null when required', () => {
    const r = { type: 'customHeader' as const, headerName: 'x-client-ip', required: false };
    assert.equal(deriveClientIP(r, '10.0.0.1', ['x-client-ip', ' 198.51.100.4 ']), '198.51.100.4');
    assert.equal(deriveClientIP(r, '10.0.0.1', []), '10.0.0.1');
    assert.equal(deriveClientIP({ ...r, required: true }, '10.0.0.1', []), null);
    assert.equal(deriveClientIP({ ...r, required: true }, '10.0.0.1', ['x-client-ip', 'garbage']), null);
  });

  it('canonical forms: mapped IPv4, ports, brackets, IPv6 compression', () => {
    assert.equal(canonicalIP('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(canonicalIP('0000:0000:0000:0000:0000:ffff:7f00:0001'), '127.0.0.1');
    assert.equal(canonicalIP('1.2.3.4:5678'), '1.2.3.4');
    assert.equal(canonicalIP('[2001:DB8:0:0:0:0:0:1]:443'), '2001:db8::1');
    assert.equal(canonicalIP('2001:db8:0:1:0:0:0:0'), '2001:db8:0:1::');
    assert.equal(canonicalIP('unknown'), null);
  });
});

describe('remoteIP in the plan', () => {
  const compile = (remoteIP: Record<string, unknown>) => compileStrings([{ file: 'a.yaml', text: limitedConfig({ port: 8080, backendPort: 9, policies: [{}], remoteIP }) }]);

  it('compiles xff / customHeader onto the listeners of the Gateway', () => {
    const r = compile({ xff: { trustedCIDRRanges: ['10.0.0.0/8'] } });
    assert.deepEqual(r.plan!.ports[0].listeners[0].remoteIP, { type: 'xff', trustedCIDRRanges: ['10.0.0.0/8'] });
    const r2 = compile({ xff: {} });
    assert.deepEqual(r2.plan!.ports[0].listeners[0].remoteIP, { type: 'xff', numTrustedHops: 1 });
    const r3 = compile({ customHeader: { headerName: 'X-Real-IP', required: true } });
    assert.deepEqual(r3.plan!.ports[0].listeners[0].remoteIP, { type: 'customHeader', headerName: 'x-real-ip', required: true });
  });

  it('proxyProtocol is refused with a warning and Accepted=False; the listener uses the connection IP', () => {
    const r = compile({ proxyProtocol: { version: 'V2' } });
    assert.ok(r.plan);
    assert.equal(r.plan.ports[0].listeners[0].remoteIP, undefined);
    assert.ok(r.warnings.some((w) => w.path.endsWith('proxyProtocol') && /not supported/.test(w.message)));
    const st = r.statuses.find((s) => s.key.kind === 'GatewayParameters')!;
    assert.equal(st.conditions.find((c) => c.type === 'Accepted')?.status, 'False');
  });
});
