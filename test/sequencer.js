// End-to-end files run in name order, so the outage test (zz-…) runs last.
const Sequencer = require('@jest/test-sequencer').default;
class ByName extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
}
module.exports = ByName;
