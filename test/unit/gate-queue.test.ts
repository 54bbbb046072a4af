import { describe, expect, it } from 'vitest';
import type { GateState } from '../../workflows/api/index.js';
import { acquireNow, enqueue, release } from '../../workflows/gate-queue.js';

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

  it('acquireNow takes a free gate at once, queues behind a holder or a line, and answers a holder asking again', () => {
    const s: GateState = { repo: 'r', queue: [] };
    expect(acquireNow(s, req(1), 't0')).toBe(true);
    expect(s.holder).toEqual({ ...req(1), since: 't0' });
    expect(s.queue).toEqual([]);
    expect(acquireNow(s, req(2), 't1')).toBe(false);
    expect(acquireNow(s, req(1), 't2')).toBe(true); // a retried request of the holder: still its own
    expect(s.holder?.since).toBe('t0');
    release(s, 'task-t1');
    // Free, but t2 is first in line: a newcomer waits behind it.
    expect(acquireNow(s, req(3), 't3')).toBe(false);
    expect(s.queue.map((q) => q.taskId)).toEqual(['t2', 't3']);
    expect(acquireNow(s, req(2), 't4')).toBe(true);
    expect(s.queue.map((q) => q.taskId)).toEqual(['t3']);
  });
});
