// Preloaded (node --import) into the bench's worker processes: counts every child process the
// process itself spawns into $BENCH_SPAWN_FILE. Removed from the environment at once, so the
// processes it spawns (agents, test runners) neither count nor load it.
import { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_SPAWN_FILE;
delete process.env.BENCH_SPAWN_FILE;
process.env.NODE_OPTIONS = (process.env.NODE_OPTIONS ?? '').replace(/--import\s+\S*count-spawns\.mjs/, '').trim();
if (!process.env.NODE_OPTIONS) delete process.env.NODE_OPTIONS;
let count = 0;
let written = -1;
const spawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function (...args) {
  count++;
  return spawn.apply(this, args);
};
if (file) {
  const flush = () => {
    if (count !== written) writeFileSync(file, String((written = count)));
  };
  setInterval(flush, 1000).unref();
  process.on('exit', flush);
}
