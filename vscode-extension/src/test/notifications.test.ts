import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MessageKind, NOTIFICATION_SETTINGS, shouldNotify } from '../notifications';

describe('shouldNotify', () => {
  // setting -> the kinds that pop up, as ruff-vscode's showNotifications.
  const expected: Record<(typeof NOTIFICATION_SETTINGS)[number], MessageKind[]> = {
    off: [],
    onError: ['error'],
    onWarning: ['error', 'warning'],
    always: ['error', 'warning', 'info'],
  };
  for (const setting of NOTIFICATION_SETTINGS) {
    it(`${setting} shows ${expected[setting].join(', ') || 'nothing'}`, () => {
      const shown = (['error', 'warning', 'info'] as const).filter((kind) => shouldNotify(setting, kind));
      assert.deepEqual(shown, expected[setting]);
    });
  }
});
