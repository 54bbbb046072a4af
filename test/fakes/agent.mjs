#!/usr/bin/env node
// A scripted stand-in for an agent CLI run by the `command` provider. FAKE_AGENT_SCENARIO is a
// comma-separated list of actions (default "analysis,summary,usage"); FAKE_AGENT_RECORD, when
// set, is a file outside the worktree where the agent records what it was given.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const actions = (process.env.FAKE_AGENT_SCENARIO || 'analysis,summary,usage').split(',').map((s) => s.trim());
const stdin = readFileSync(0, 'utf8');
const sw = join(process.cwd(), '.switchyard');
mkdirSync(sw, { recursive: true });

const record = (extra = {}) => {
  if (!process.env.FAKE_AGENT_RECORD) return;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== '_'));
  const promptFile = process.env.SWITCHYARD_PROMPT_FILE;
  writeFileSync(
    process.env.FAKE_AGENT_RECORD,
    JSON.stringify({
      stdin,
      cwd: process.cwd(),
      env,
      promptFileContent: promptFile ? readFileSync(promptFile, 'utf8') : null,
      ...extra,
    }),
  );
};
record();

console.log(
  `fake agent: role=${process.env.SWITCHYARD_ROLE} task=${process.env.SWITCHYARD_TASK_ID} actions=${actions.join(',')}`,
);
for (const action of actions) {
  switch (action) {
    case 'analysis':
      writeFileSync(
        join(sw, 'analysis.md'),
        '# Analysis\n\nThe redirect is built in `src/login.js`; change it to keep the `next` parameter.\n',
      );
      break;
    case 'questions':
      writeFileSync(
        join(sw, 'questions.md'),
        '# Questions\n\n- Which page should an expired session land on?\n- Should the\n  fix cover SSO logins too?\n',
      );
      break;
    case 'blank-questions':
      writeFileSync(join(sw, 'questions.md'), '  \n\n\t\n');
      break;
    case 'summary':
      writeFileSync(
        join(sw, 'summary.md'),
        'Kept the next parameter on login redirects\n\nDetails: touched README and added a feature file.\n',
      );
      break;
    case 'edit':
      appendFileSync('README.md', '\nEdited by the fake agent.\n');
      mkdirSync('src', { recursive: true });
      writeFileSync(join('src', 'feature.txt'), 'new feature\n');
      writeFileSync(join(sw, 'scratch.txt'), 'agent notes that must never be committed\n');
      break;
    case 'usage':
      console.log('SWITCHYARD_USAGE {"costUsd":9,"inputTokens":1,"outputTokens":1}');
      console.error('progress on stderr');
      console.log('SWITCHYARD_USAGE {"costUsd":0.42,"inputTokens":1200,"outputTokens":340}');
      break;
    case 'await-go': {
      // Holds until the test creates `<FAKE_AGENT_RECORD>.go`: something happens while the agent works.
      const go = `${process.env.FAKE_AGENT_RECORD}.go`;
      while (!existsSync(go)) await new Promise((r) => setTimeout(r, 20));
      break;
    }
    case 'bad-usage':
      console.log('SWITCHYARD_USAGE {"costUsd": "lots"');
      break;
    case 'fail':
      console.error('fake agent: cannot continue, the model refused');
      process.exit(3);
      break;
    case 'hang': {
      // A grandchild in the agent's process group, as a real agent's shell tool would leave.
      const child = spawn('sleep', ['300'], { stdio: 'ignore' });
      record({ grandchildPid: child.pid });
      console.log(`fake agent: waiting on grandchild ${child.pid}`);
      await new Promise(() => {});
      break;
    }
    default:
      console.error(`fake agent: unknown action "${action}"`);
      process.exit(64);
  }
}
console.log('fake agent: done');
