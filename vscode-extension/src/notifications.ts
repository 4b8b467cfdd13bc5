// `sandboxLint.showNotifications` -> whether a message pops up. Everything is logged to the
// "Sandbox Lint" output whatever the setting. No `vscode` import: unit-tested with node:test.

export const NOTIFICATION_SETTINGS = ['off', 'onError', 'onWarning', 'always'] as const;
export type NotificationSetting = (typeof NOTIFICATION_SETTINGS)[number];

export type MessageKind = 'error' | 'warning' | 'info';

const LEAST_SHOWN: Record<NotificationSetting, number> = { off: 3, onError: 2, onWarning: 1, always: 0 };
const WEIGHT: Record<MessageKind, number> = { info: 0, warning: 1, error: 2 };

/** `off` shows nothing, `onError` errors, `onWarning` errors and warnings, `always` everything. */
export function shouldNotify(setting: NotificationSetting, kind: MessageKind): boolean {
  return WEIGHT[kind] >= LEAST_SHOWN[setting];
}
