import { describe, expect, it } from 'vitest';
import { parseScriptJson } from '../../../src-main/clusters/sandbox';

describe('reading the node script output', () => {
  it('reads a pretty-printed document (status)', () => {
    expect(parseScriptJson<{ running: boolean }>('{\n  "running": true,\n  "nodes": [\n    {\n      "a": 1\n    }\n  ]\n}\n')).toEqual({ running: true, nodes: [{ a: 1 }] });
  });
  it('reads the JSON line after log lines (start)', () => {
    expect(parseScriptJson('starting…\n  node1: ok\n{"contactPoint":"127.0.0.1:9042"}\n')).toEqual({ contactPoint: '127.0.0.1:9042' });
  });
  it('gives null for no JSON', () => {
    expect(parseScriptJson('mvn failed')).toBeNull();
  });
});
