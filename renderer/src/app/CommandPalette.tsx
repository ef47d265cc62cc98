// The command palette (Ctrl+K / Cmd+K): type to filter the command registry, arrows to move,
// Enter to run, Escape to close. A combobox over a listbox, as screen readers expect.
import { useMemo, useState } from 'react';
import { Dialog } from '../widgets/Dialog';
import { useGuests, useHosts } from '../store/useFleet';
import { useServices } from './appContext';
import { buildCommands, filterCommands, type Command } from './commands';

const SHOWN = 40;

export function CommandPalette({ onClose }: { onClose: () => void }) {
  const services = useServices();
  const hosts = useHosts();
  const guests = useGuests();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const commands = useMemo(() => buildCommands(services, hosts, guests), [services, hosts, guests]);
  const shown = useMemo(() => filterCommands(commands, query, SHOWN), [commands, query]);
  const activeIndex = Math.min(active, Math.max(0, shown.length - 1));
  const run = (command: Command | undefined): void => {
    if (!command) return;
    onClose();
    command.run();
  };
  return (
    <Dialog title="Command palette" onClose={onClose} className="palette">
      <input
        className="palette-input" role="combobox" aria-label="Command" aria-expanded="true" aria-controls="palette-list"
        aria-activedescendant={shown[activeIndex] ? `palette-${activeIndex}` : undefined} autoFocus
        placeholder="Go to a host, a guest, a view, or run an action…" value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setActive((activeIndex + 1) % Math.max(1, shown.length));
          } else if (event.key === 'ArrowUp') {
            event.preventDefault();
            setActive((activeIndex - 1 + shown.length) % Math.max(1, shown.length));
          } else if (event.key === 'Enter') {
            event.preventDefault();
            run(shown[activeIndex]);
          }
        }}
      />
      <ul id="palette-list" className="palette-list" role="listbox" aria-label="Commands">
        {shown.map((command, index) => (
          <li
            key={command.id} id={`palette-${index}`} role="option" aria-selected={index === activeIndex}
            className={index === activeIndex ? 'active' : ''} onMouseMove={() => setActive(index)} onClick={() => run(command)}
          >
            <span className="palette-group">{command.group}</span>
            {command.title}
          </li>
        ))}
        {shown.length === 0 ? <li className="palette-none" role="presentation">Nothing matches “{query}”. Try a host or guest name, or a view such as “guests”.</li> : null}
      </ul>
    </Dialog>
  );
}
