/**
 * Preloaded into the ingress by bench/gateway/profile (NODE_OPTIONS=--require ...), since
 * `--cpu-prof` is not allowed in NODE_OPTIONS: profiles from start-up and writes
 * CPU_PROF_FILE when the process receives SIGUSR2.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const file = process.env.CPU_PROF_FILE ?? `/tmp/ingress-${process.pid}.cpuprofile`;
const session = new Session();
session.connect();
session.post('Profiler.setSamplingInterval', { interval: 500 });
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('SIGUSR2', () => {
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(file, JSON.stringify(result.profile));
    // Start again so a later signal covers the time since this one.
    session.post('Profiler.start');
  });
});
