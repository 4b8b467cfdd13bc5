import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CrashHistory, MAX_RESTARTS, RESTART_WINDOW_MS } from '../crashes';

describe('CrashHistory', () => {
  it('never restarts a server that did not finish starting', () => {
    const history = new CrashHistory();
    assert.equal(history.shouldRestart(0, false), false);
  });

  it(`restarts ${MAX_RESTARTS} quick crashes, then gives up`, () => {
    const history = new CrashHistory();
    const decisions = Array.from({ length: MAX_RESTARTS + 1 }, (_, i) => history.shouldRestart(i * 1000, true));
    assert.deepEqual(decisions, [...Array<boolean>(MAX_RESTARTS).fill(true), false]);
  });

  it('forgets crashes older than the window', () => {
    const history = new CrashHistory();
    for (let i = 0; i < MAX_RESTARTS; i++) {
      assert.equal(history.shouldRestart(i, true), true);
    }
    assert.equal(history.shouldRestart(RESTART_WINDOW_MS + MAX_RESTARTS, true), true);
  });

  it('counts a crash exactly at the window edge as recent', () => {
    const history = new CrashHistory(1, 100);
    assert.equal(history.shouldRestart(0, true), true);
    assert.equal(history.shouldRestart(100, true), false);
  });

  it('start failures do not use up restarts', () => {
    const history = new CrashHistory(1, 100);
    history.shouldRestart(0, false);
    history.shouldRestart(1, false);
    assert.equal(history.shouldRestart(2, true), true);
  });
});
