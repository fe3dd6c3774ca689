import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blockedRange, guardedLookup, literalRefusal } from './ssrf-guard';

describe('SSRF guard: address ranges', () => {
  it('refuses loopback, private, link-local, CGNAT, metadata and special IPv4 ranges', () => {
    for (const [ip, range] of [
      ['127.0.0.1', 'loopback'],
      ['127.8.9.10', 'loopback'],
      ['10.0.0.5', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['100.100.100.200', 'carrierGradeNat'],
      ['0.0.0.0', 'unspecified'],
      ['255.255.255.255', 'broadcast'],
      ['224.0.0.1', 'multicast'],
      ['192.0.2.10', 'reserved'],
      ['198.18.0.1', 'reserved'],
    ]) {
      assert.equal(blockedRange(ip!), range, ip);
    }
  });

  it('refuses IPv6 loopback, unique-local, link-local, and IPv4 carried in IPv6', () => {
    for (const [ip, range] of [
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fd00:ec2::254', 'uniqueLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['fe80::1', 'linkLocal'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:10.1.2.3', 'private'],
      ['::ffff:169.254.169.254', 'linkLocal'],
      ['64:ff9b::a00:1', 'rfc6052'],
      ['2002:7f00:1::', '6to4'],
      ['2001::1', 'teredo'],
    ]) {
      assert.equal(blockedRange(ip!), range, ip);
    }
  });

  it('lets public unicast through', () => {
    for (const ip of [
      '93.184.216.34',
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(blockedRange(ip), null, ip);
    }
  });
});

describe('SSRF guard: URLs', () => {
  it('refuses 127.0.0.1, 10.x, 169.254.169.254 and [::1] without the flag', () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://10.0.0.8/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]:3000/',
      'http://[::ffff:127.0.0.1]/',
      'http://localhost/x',
      // Spellings the URL parser normalises to 127.0.0.1.
      'http://2130706433/',
      'http://0x7f.1/',
      'http://127.1/',
    ]) {
      assert.ok(literalRefusal(url, false), url);
    }
  });

  it('allows them with WEBHOOK_ALLOW_PRIVATE=true, and leaves host names to the lookup', () => {
    assert.equal(literalRefusal('http://127.0.0.1/', true), null);
    assert.equal(literalRefusal('https://hooks.example.com/x', false), null);
    assert.equal(literalRefusal('https://8.8.8.8/x', false), null);
  });

  it('the lookup hook refuses a name that resolves to loopback', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('localhost', {}, (e) => resolve(e)),
    );
    assert.equal(err?.code, 'ESSRF');
    assert.match(String(err?.message), /WEBHOOK_ALLOW_PRIVATE/);
  });
});
