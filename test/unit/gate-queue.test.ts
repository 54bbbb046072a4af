import { describe, expect, it } from 'vitest';
import type { GateState } from '../../workflows/api/index.js';
import { enqueue, release } from '../../workflows/gate-queue.js';

const req = (n: number) => ({ workflowId: `task-t${n}`, taskId: `t${n}` });

describe('gate queue', () => {
  it('is first in, first out and ignores duplicate requests', () => {
    const s: GateState = { repo: 'r', queue: [] };
    expect(enqueue(s, req(1))).toBe(true);
    expect(enqueue(s, req(2))).toBe(true);
    expect(enqueue(s, req(1))).toBe(false);
    expect(s.queue.map((q) => q.taskId)).toEqual(['t1', 't2']);
    s.holder = { ...s.queue.shift()!, since: 'now' };
    expect(enqueue(s, req(1))).toBe(false);
    expect(s.queue.map((q) => q.taskId)).toEqual(['t2']);
  });

  it('release frees the holder or withdraws a queued request', () => {
    const s: GateState = { repo: 'r', holder: { ...req(1), since: 'now' }, queue: [req(2), req(3)] };
    expect(release(s, 'task-t2')).toBe(true);
    expect(s.queue.map((q) => q.taskId)).toEqual(['t3']);
    expect(s.holder?.taskId).toBe('t1');
    expect(release(s, 'task-t1')).toBe(true);
    expect(s.holder).toBeUndefined();
    expect(release(s, 'task-t1')).toBe(false);
  });
});
