// Settings: the core's (sample interval, history, concurrency, alert thresholds, theme), kept by
// the core so every window and the CLI see the same.
import { CoreSettings } from './CoreSettings';

export function SettingsView() {
  return (
    <div className="page">
      <header className="page-header"><h1>Settings</h1></header>
      <CoreSettings />
    </div>
  );
}
