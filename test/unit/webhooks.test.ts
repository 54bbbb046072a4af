/**
 * Webhook notices without a network: the body, the signature and its verification, the Web UI link,
 * which webhooks want which notice, the config's rules, and the facts a task puts in a notice.
 */
import { describe, expect, it } from 'vitest';
import { signature, verifySignature, webhookBody, webhooksFor, webUiLink } from '../../activities/webhooks.js';
import { parseConfig } from '../../worker/config.js';
import { noticeFacts } from '../../workflows/task-view.js';
import { noticeWorkflowId, type TaskStatus } from '../../workflows/api/index.js';

const config = (yaml: string) => parseConfig(yaml, '/cfg/switchyard.config.yaml');
function problems(yaml: string): string[] {
  try {
    config(yaml);
  } catch (err) {
    return (err as { issues: string[] }).issues;
  }
  return [];
}

describe('the webhook body', () => {
  const notice = {
    taskId: 't1',
    kind: 'needs-input' as const,
    message: 'Task t1 needs input:\n- Which greeting?',
    facts: { title: 'Fix it', repo: 'app', state: 'needs-input', stage: 'analysis', questions: ['Which greeting?'] },
  };

  it('has a Slack-compatible text with the link, and the facts', () => {
    expect(webhookBody(notice, { link: 'http://ui/x', at: '2026-12-07T00:00:00.000Z' })).toEqual({
      text: 'Task t1 needs input:\n- Which greeting?\n<http://ui/x|Open t1 in the Temporal Web UI>',
      kind: 'needs-input',
      task: { id: 't1', title: 'Fix it', repo: 'app' },
      state: 'needs-input',
      stage: 'analysis',
      questions: ['Which greeting?'],
      link: 'http://ui/x',
      at: '2026-12-07T00:00:00.000Z',
    });
  });

  it('leaves out what it does not know (a notice from a history before facts)', () => {
    expect(webhookBody({ taskId: 't1', kind: 'done', message: 'done' }, { at: 'now' })).toEqual({
      text: 'done',
      kind: 'done',
      task: { id: 't1' },
      at: 'now',
    });
  });
});

describe('signatures', () => {
  const now = 1_800_000_000_000;
  const ts = String(now / 1000);

  it('signs "<timestamp>.<body>" with HMAC-SHA256 and verifies it within five minutes', () => {
    const sig = signature('s3cret', ts, '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature('s3cret', { signature: sig, timestamp: ts }, '{"a":1}', { now })).toBe(true);
    expect(verifySignature('s3cret', { signature: sig, timestamp: ts }, '{"a":2}', { now })).toBe(false);
    expect(verifySignature('other', { signature: sig, timestamp: ts }, '{"a":1}', { now })).toBe(false);
    expect(verifySignature('s3cret', { signature: sig, timestamp: ts }, '{"a":1}', { now: now + 301_000 })).toBe(false);
    expect(verifySignature('s3cret', { signature: sig, timestamp: 'x' }, '{"a":1}', { now })).toBe(false);
    expect(verifySignature('s3cret', { timestamp: ts }, '{"a":1}', { now })).toBe(false);
  });
});

describe('links, routing of notices and ids', () => {
  it('links the task in the Web UI', () => {
    expect(webUiLink('http://localhost:8233/', 'default', 'task-t1')).toBe(
      'http://localhost:8233/namespaces/default/workflows/task-t1',
    );
    expect(webUiLink(undefined, 'default', 'task-t1')).toBeUndefined();
  });

  it('gives each notice to the webhooks that want its kind', () => {
    const c = config(
      [
        'notifications:',
        '  webhooks:',
        '    - { name: all, url: "https://hooks.example.com/a" }',
        '    - { name: waits, urlEnv: WAITS_URL, events: [needs-input, reminder] }',
      ].join('\n'),
    );
    expect(webhooksFor(c, 'needs-input')).toEqual(['all', 'waits']);
    expect(webhooksFor(c, 'done')).toEqual(['all']);
    expect(c.notifications?.webhooks[0]).toMatchObject({
      events: ['needs-input', 'hold', 'reminder', 'done', 'failed'],
      timeoutSec: 10,
    });
    expect(webhooksFor(config(''), 'done')).toEqual([]);
  });

  it('names a notice’s deliveries after the activity that sent it: stable, and distinct', () => {
    const a = noticeWorkflowId('t1', 'task-t1/run/12');
    expect(a).toBe(noticeWorkflowId('t1', 'task-t1/run/12'));
    expect(a).not.toBe(noticeWorkflowId('t1', 'task-t1/run/13'));
    expect(a).toMatch(/^notice-t1-[0-9a-f]{8}-\d+$/);
  });
});

describe('the notifications config', () => {
  const hooks = (...lines: string[]) => problems(['notifications:', '  webhooks:', ...lines].join('\n'));

  it('names each bad field', () => {
    expect(
      problems(
        [
          'notifications:',
          '  webUi: "ftp://ui"',
          '  webhooks:',
          '    - { name: a, url: "https://x:y@hooks.example.com" }',
          '    - { name: b, url: "https://hooks.example.com", events: [sometimes] }',
        ].join('\n'),
      ),
    ).toEqual([
      'notifications.webUi: "ftp://ui" is not an http:// or https:// URL without a query or fragment (line 2)',
      'notifications.webhooks[0].url: must not carry credentials; keep them in a worker variable (delegation.tokenEnv, or urlEnv for a webhook) (line 4)',
      'notifications.webhooks[1].events[0]: expected one of "needs-input", "hold", "reminder", "done", "failed", got "sometimes" (line 5)',
    ]);
  });

  it('wants exactly one of url and urlEnv, and one webhook per name', () => {
    expect(hooks('    - { name: a, url: "https://hooks.example.com", urlEnv: URL }')).toEqual([
      'notifications.webhooks[0]: give exactly one of url and urlEnv (line 3)',
    ]);
    expect(hooks('    - { name: a }')).toEqual([
      'notifications.webhooks[0]: give exactly one of url and urlEnv (line 3)',
    ]);
    expect(hooks('    - { name: a, urlEnv: A }', '    - { name: a, urlEnv: B }')).toEqual([
      'notifications.webhooks[1].name: another webhook is named "a" (line 4)',
    ]);
  });
});

describe('the facts a task puts in a notice', () => {
  const base = {
    taskId: 't1',
    title: 'Fix it',
    repo: 'app',
    stage: 'analysis',
    detail: 'x',
    rounds: [],
  } as unknown as TaskStatus;

  it('the open questions while it waits for an answer; the reason while it holds or when it failed', () => {
    const waiting = { ...base, state: 'needs-input', rounds: [{ questions: ['Q1', 'Q2'] }] } as TaskStatus;
    expect(noticeFacts(waiting)).toEqual({
      title: 'Fix it',
      repo: 'app',
      state: 'needs-input',
      stage: 'analysis',
      questions: ['Q1', 'Q2'],
    });
    expect(noticeFacts({ ...base, state: 'hold', holdReason: 'tests fail' } as TaskStatus).reason).toBe('tests fail');
    expect(noticeFacts({ ...base, state: 'failed', holdReason: 'old', detail: 'aborted' } as TaskStatus).reason).toBe(
      'aborted',
    );
    expect(noticeFacts({ ...base, state: 'done' } as TaskStatus)).not.toHaveProperty('reason');
  });
});
